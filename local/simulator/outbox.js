// The local outbox: polls /simulator/outbox.json and shows every message, oldest first.
const rows = document.getElementById("rows");
const empty = document.getElementById("empty");
const filter = document.getElementById("filter");
let messages = [];

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text ?? "—";
  return td;
}

function render() {
  const wanted = filter.value.replace(/[^0-9A-Za-z]/g, "").toUpperCase();
  const shown = messages.filter((m) => !wanted || (m.code || "").includes(wanted));
  rows.replaceChildren(
    ...shown.map((m) => {
      const tr = document.createElement("tr");
      const when = m.at ? new Date(m.at).toLocaleString("tr-TR") : "";
      const channel = m.channel + (m.template ? " (şablon)" : "");
      tr.append(cell(when), cell(channel), cell(m.to), cell(m.code), cell(m.stage), cell(m.status), cell(m.text));
      return tr;
    }),
  );
  empty.hidden = shown.length > 0;
}

async function refresh() {
  try {
    const answer = await fetch("/simulator/outbox.json", { cache: "no-store" });
    messages = (await answer.json()).messages;
    render();
  } finally {
    setTimeout(refresh, 2000);
  }
}

filter.addEventListener("input", render);
refresh();
