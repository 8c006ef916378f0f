// The citizen's side of a WhatsApp chat, for the local stack. The page never signs anything: the
// local gateway's /simulator/whatsapp/send builds Meta's payload and signs it with the local secret.
const chat = document.getElementById("chat");
const waId = document.getElementById("wa-id");
const nameInput = document.getElementById("name");
const text = document.getElementById("text");
const statusLine = document.getElementById("status");
let seen = 0;

function bubble(cls) {
  const item = document.createElement("li");
  item.className = `bubble ${cls}`;
  chat.append(item);
  item.scrollIntoView({ block: "end" });
  return item;
}

function said(textContent) {
  bubble("citizen").textContent = textContent;
}

async function send(event) {
  statusLine.textContent = "…";
  const body = { wa_id: waId.value.trim(), name: nameInput.value.trim(), ...event };
  const answer = await fetch("/simulator/whatsapp/send", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const result = await answer.json();
  statusLine.textContent = `webhook → ${result.status ?? answer.status}`;
  await poll();
}

function choiceButton(id, title, container) {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = title;
  button.addEventListener("click", () => {
    said(title);
    send({ kind: "choice", choice: id, title });
  });
  container.append(button);
  return button;
}

function show(message) {
  const item = bubble("desk");
  const body = document.createElement("div");
  item.append(body);
  if (message.type === "text") {
    body.textContent = message.text.body;
  } else if (message.type === "template") {
    body.textContent = `[şablon ${message.template.name}] ` +
      message.template.components[0].parameters.map((p) => p.text).join(" ");
  } else if (message.type === "interactive") {
    const interactive = message.interactive;
    body.textContent = interactive.body.text;
    if (interactive.type === "button") {
      const choices = document.createElement("div");
      choices.className = "choices";
      for (const b of interactive.action.buttons) choiceButton(b.reply.id, b.reply.title, choices);
      item.append(choices);
    } else if (interactive.type === "list") {
      const opener = document.createElement("div");
      opener.className = "choices";
      const rows = document.createElement("div");
      rows.className = "rows";
      rows.hidden = true;
      const toggle = document.createElement("button");
      toggle.type = "button";
      toggle.textContent = `☰ ${interactive.action.button}`;
      toggle.addEventListener("click", () => { rows.hidden = !rows.hidden; });
      opener.append(toggle);
      for (const section of interactive.action.sections) {
        for (const row of section.rows) {
          const button = choiceButton(row.id, row.title, rows);
          if (row.description) {
            const small = document.createElement("small");
            small.textContent = row.description;
            button.append(small);
          }
        }
      }
      item.append(opener, rows);
    }
  }
}

async function poll() {
  const to = encodeURIComponent(waId.value.trim());
  const answer = await fetch(`/simulator/whatsapp/messages?to=${to}&after=${seen}`);
  if (!answer.ok) return;
  const result = await answer.json();
  for (const message of result.messages) show(message);
  seen = result.next;
}

document.getElementById("compose").addEventListener("submit", (event) => {
  event.preventDefault();
  const value = text.value.trim();
  if (!value) return;
  said(value);
  text.value = "";
  send({ kind: "text", text: value });
});

document.getElementById("pin").addEventListener("click", () => {
  const where = window.prompt("Konum (enlem, boylam) / location (lat, lon)", "38.4885, 27.1880");
  if (!where) return;
  const [lat, lon] = where.split(",").map((part) => Number(part.trim()));
  if (Number.isNaN(lat) || Number.isNaN(lon)) return;
  said(`📍 ${lat}, ${lon}`);
  send({ kind: "location", lat, lon });
});

document.getElementById("photo").addEventListener("change", (event) => {
  const file = event.target.files[0];
  if (!file) return;
  const reader = new FileReader();
  reader.addEventListener("load", () => {
    const data = String(reader.result).split(",", 2)[1];
    const caption = text.value.trim();
    text.value = "";
    said(`🖼 ${file.name}${caption ? ` — ${caption}` : ""}`);
    send({ kind: "image", image: data, mime: file.type || "image/jpeg", text: caption });
  });
  reader.readAsDataURL(file);
  event.target.value = "";
});

waId.addEventListener("change", () => {
  chat.replaceChildren();
  seen = 0;
  poll();
});

setInterval(poll, 1500);
poll();
