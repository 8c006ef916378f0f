// The needs-analysis page: the staff API's reports (GET /staff/reports/...) as charts a manager reads
// at a glance, each with its table underneath and a CSV download of exactly that table.
// Charts are SVG drawn here (no third-party script); every text goes in through textContent.

const SVG = "http://www.w3.org/2000/svg";
const COLOURS = ["#1b6ca8", "#e07a1f", "#3a9d5d", "#b83b5e", "#6c5ce7", "#8d6e63", "#00838f", "#9e9d24", "#546e7a"];
const TOKEN_KEY = "civicdesk.staff.idToken"; // the console's sign-in may leave the ID token here
const CHANNELS = {
  web: "Web", whatsapp: "WhatsApp", call_center: "Çağrı merkezi · Call center", walk_in: "Masa · Walk-in",
  field: "Saha · Field", social_media: "Sosyal medya · Social media", email: "E-posta · E-mail",
};

let config = {};

function el(name, attributes = {}, ...children) {
  const node = document.createElement(name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function svg(name, attributes = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

const name = (row) => (row.name && (row.name.tr || row.name)) || row.code;
const percent = (share) => (share === null || share === undefined ? "–" : `${(share * 100).toFixed(1)}%`);
const number = (value) => (value === null || value === undefined ? "–" : String(value));
const change = (value) => (value === null || value === undefined ? "–" : `${value > 0 ? "+" : ""}${value}%`);

// --- signing in -------------------------------------------------------------------------------------

async function signIn(username, password) {
  const endpoint = config.endpoint || `https://cognito-idp.${config.region}.amazonaws.com/`;
  const answer = await fetch(endpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
    },
    body: JSON.stringify({
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: config.clientId,
      AuthParameters: { USERNAME: username, PASSWORD: password },
    }),
  });
  const body = await answer.json();
  if (!answer.ok || !body.AuthenticationResult) throw new Error(body.message || "Giriş olmadı · Sign-in failed");
  sessionStorage.setItem(TOKEN_KEY, body.AuthenticationResult.IdToken);
}

// A member signed in to the console (same tab) needs no second sign-in: its ID token is taken as long
// as it is valid; the console refreshes it, and a 401 here asks for a sign-in again.
function adoptConsoleSession() {
  try {
    const session = JSON.parse(sessionStorage.getItem("civicdesk.staff.session") || "null");
    if (session?.idToken && session.expiresAt > Date.now() / 1000 + 60) {
      sessionStorage.setItem(TOKEN_KEY, session.idToken);
    }
  } catch {
    // an unreadable console session: sign in here
  }
}

async function api(path) {
  const answer = await fetch(path, { headers: { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY)}` } });
  const body = await answer.json();
  if (answer.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn();
  }
  if (!answer.ok) throw new Error(body.message || `HTTP ${answer.status}`);
  return body;
}

// --- tables and CSV ---------------------------------------------------------------------------------

export function csvOf(header, rows) {
  const cell = (value) => {
    const text = String(value ?? "");
    return /[",\n;]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return [header, ...rows].map((row) => row.map(cell).join(",")).join("\r\n") + "\r\n";
}

function table(section, id, header, rows) {
  const head = el("tr", {}, ...header.map((h) => el("th", { scope: "col" }, h)));
  const body = rows.map((row) => el("tr", {}, ...row.map((value) => el("td", {}, value))));
  const wrap = el("div", { class: "table-wrap" }, el("table", { "data-table": id }, el("thead", {}, head), el("tbody", {}, ...body)));
  const link = el("a", { class: "csv", "data-csv": id, download: `${id}.csv`, href: "#" }, "CSV indir · Download CSV");
  const text = csvOf(header, rows);
  link.href = URL.createObjectURL(new Blob(["\ufeff", text], { type: "text/csv;charset=utf-8" }));
  link.dataset.content = text;
  section.append(wrap, link);
}

function reset(id) {
  const section = document.getElementById(id);
  section.replaceChildren(section.querySelector("h2"));
  return section;
}

// --- charts -----------------------------------------------------------------------------------------

function legend(section, keys, labels) {
  section.append(el("div", { class: "legend" }, ...keys.map((key, i) => {
    const swatch = el("i");
    swatch.style.background = COLOURS[i % COLOURS.length];
    return el("span", {}, swatch, labels[key] || key);
  })));
}

function stackedBars(section, id, points, keys, labels) {
  const width = 900, height = 260, left = 44, bottom = 40, top = 10;
  const totals = points.map((p) => keys.reduce((sum, key) => sum + (p.values[key] || 0), 0));
  const most = Math.max(1, ...totals);
  const step = (width - left) / Math.max(1, points.length);
  const chart = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "data-chart": id });
  chart.append(svg("title", {}, section.querySelector("h2").textContent));
  for (const tick of [0, 0.5, 1]) {
    const y = height - bottom - tick * (height - bottom - top);
    chart.append(svg("line", { x1: left, x2: width, y1: y, y2: y, stroke: "#d7dde4" }));
    chart.append(svg("text", { x: left - 6, y: y + 4, "text-anchor": "end" }, Math.round(most * tick)));
  }
  points.forEach((point, i) => {
    let y = height - bottom;
    keys.forEach((key, k) => {
      const value = point.values[key] || 0;
      const h = (value / most) * (height - bottom - top);
      if (value) {
        const bar = svg("rect", { x: left + i * step + 1, y: y - h, width: Math.max(1, step - 2), height: h, fill: COLOURS[k % COLOURS.length] });
        bar.append(svg("title", {}, `${point.label} · ${labels[key] || key}: ${value}`));
        chart.append(bar);
      }
      y -= h;
    });
    const every = Math.ceil(points.length / 12);
    if (i % every === 0) chart.append(svg("text", { x: left + i * step + step / 2, y: height - bottom + 14, "text-anchor": "middle" }, point.label));
  });
  section.append(chart);
  legend(section, keys, labels);
}

function horizontalBars(section, id, rows, format = number) {
  const width = 900, line = 22, left = 230;
  const most = Math.max(1, ...rows.map((r) => r.value));
  const chart = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${rows.length * line + 8}`, role: "img", "data-chart": id });
  chart.append(svg("title", {}, section.querySelector("h2").textContent));
  rows.forEach((row, i) => {
    const w = (row.value / most) * (width - left - 80);
    chart.append(svg("text", { x: left - 8, y: i * line + 15, "text-anchor": "end" }, row.label));
    chart.append(svg("rect", { x: left, y: i * line + 4, width: Math.max(1, w), height: line - 8, fill: COLOURS[0] }));
    chart.append(svg("text", { x: left + w + 6, y: i * line + 15 }, format(row.value)));
  });
  section.append(chart);
}

// --- the reports --------------------------------------------------------------------------------------

function totals(summary) {
  const box = document.getElementById("totals");
  const card = (value, label, note) => el("div", { class: "card" }, el("b", {}, value), label, note ? el("small", {}, ` ${note}`) : "");
  box.replaceChildren(
    card(summary.filed.current, "Talep · Requests", `${change(summary.filed.change_previous)} önceki dönem · previous, ${change(summary.filed.change_year)} geçen yıl · a year ago`),
    card(percent(summary.compliance.share_in_time), "48 saatte yanıt · Answered in 48 h"),
    card(summary.open, "Açık · Open"),
    card(summary.resolved, "Çözüldü · Resolved"),
    card(summary.triaged, "Ön incelemede · Triaged"),
  );
}

function series(data) {
  const section = reset("series");
  const channels = data.by_channel.map((c) => c.channel);
  const points = data.points.map((p) => ({ label: p.start === p.end ? p.start.slice(5) : `${p.start.slice(5)}–${p.end.slice(5)}`, values: p.by_channel }));
  stackedBars(section, "series", points, channels, CHANNELS);
  table(section, "series", ["Dönem · Period", ...channels.map((c) => CHANNELS[c] || c), "Toplam · Total"],
    data.points.map((p) => [p.start === p.end ? p.start : `${p.start} – ${p.end}`, ...channels.map((c) => p.by_channel[c] || 0), p.filed]));
  table(section, "series-change", ["Kanal · Channel", "Bu dönem · Now", "Önceki · Previous", "Değişim · Change", "Geçen yıl · Year ago", "Değişim · Change"],
    [...data.by_channel.map((c) => [CHANNELS[c.channel] || c.channel, c.change.current, c.change.previous, change(c.change.change_previous), c.change.year_ago, change(c.change.change_year)]),
      ["Toplam · Total", data.total.current, data.total.previous, change(data.total.change_previous), data.total.year_ago, change(data.total.change_year)]]);
}

function places(data) {
  const categories = reset("categories");
  horizontalBars(categories, "categories", data.categories.map((r) => ({ label: name(r), value: r.filed })));
  table(categories, "categories", ["Konu · Category", "Talep · Requests", "Pay · Share"], data.categories.map((r) => [name(r), r.filed, percent(r.share)]));
  const neighbourhoods = reset("neighbourhoods");
  horizontalBars(neighbourhoods, "neighbourhoods", data.neighbourhoods.map((r) => ({ label: name(r), value: r.filed })));
  table(neighbourhoods, "neighbourhoods", ["Mahalle · Neighbourhood", "Talep · Requests", "Pay · Share", "Nüfus · Residents", "1 000 kişide · Per 1 000"],
    data.neighbourhoods.map((r) => [name(r), r.filed, percent(r.share), number(r.population), number(r.per_1000)]));
  const cells = reset("cells");
  const top = data.cells.slice(0, 15);
  horizontalBars(cells, "cells", top.map((c) => ({ label: `${c.category} · ${c.neighbourhood}`, value: c.filed })));
  table(cells, "cells", ["Konu · Category", "Mahalle · Neighbourhood", "Talep · Requests", "1 000 kişide · Per 1 000"],
    data.cells.map((c) => [c.category, c.neighbourhood, c.filed, number(c.per_1000)]));
}

function promiseRows(section, id, rows) {
  horizontalBars(section, id, rows.filter((r) => r.compliance.share_in_time !== null).map((r) => ({ label: name(r), value: r.compliance.share_in_time })), percent);
  table(section, id, ["", "Talep · Requests", "Zamanında · In time", "Geç · Late", "Yanıtsız, süresi geçti · Missed", "Pay · Share",
    "İlk yanıt medyan (sa) · First response median (h)", "İlk yanıt %90 (sa) · p90 (h)", "Çözüm medyan (sa) · Resolution median (h)", "Çözüm %90 (sa) · p90 (h)"],
  rows.map((r) => [name(r), r.filed, r.compliance.answered_in_time, r.compliance.answered_late, r.compliance.missed_unanswered, percent(r.compliance.share_in_time),
    number(r.first_response.median_hours), number(r.first_response.p90_hours), number(r.resolution.median_hours), number(r.resolution.p90_hours)]));
}

function promise(data) {
  promiseRows(reset("promise"), "promise", [{ ...data.overall, name: { tr: "Tümü · All" } }, ...data.by_department]);
  promiseRows(reset("promise-categories"), "promise-categories", data.by_category);
}

function routing(data) {
  const section = reset("routing");
  horizontalBars(section, "routing", [
    { label: "Sınıflandırıcı · Classifier", value: data.routed_by_classifier },
    { label: "Vatandaş/temsilci seçti · Chosen", value: data.routed_by_choice },
    { label: "Ön inceleme, personel · Triage, staff", value: data.routed_by_staff },
  ]);
  table(section, "routing", ["", "Talep · Requests"], [
    ["Talep · Filed", data.filed], ["Sınıflandırıcı · Classifier", data.routed_by_classifier],
    ["Seçilen konu · Chosen", data.routed_by_choice], ["Personel · Staff", data.routed_by_staff],
    ["Ön inceleme · Triaged", data.triaged], ["Ön inceleme payı · Triage share", percent(data.triage_share)],
    ["Sınıflandırıcı düzeltildi · Classifier corrected", data.corrected],
    ["Sınıflandırıcı doğru kaldı · Classifier kept", percent(data.classifier_kept_share)],
  ]);
  table(section, "routing-confidence", ["Güven · Confidence", "Yönlendirilen · Routed", "Düzeltilen · Corrected", "Doğru kalan · Kept"],
    data.by_confidence.map((r) => [r.decile, r.routed, r.corrected, percent(r.kept_share)]));
}

function satisfaction(data) {
  const section = reset("satisfaction");
  const rows = [
    ...[{ ...data.overall, name: { tr: "Tümü · All" } }, ...data.by_department].map((r) => ["Birim · Department", r]),
    ...data.by_category.map((r) => ["Konu · Category", r]),
    ...data.by_neighbourhood.map((r) => ["Mahalle · Neighbourhood", r]),
  ];
  horizontalBars(section, "satisfaction", [data.overall, ...data.by_department].filter((r) => r.average_score !== null)
    .map((r, i) => ({ label: i === 0 ? "Tümü · All" : name(r), value: r.average_score })));
  table(section, "satisfaction", ["", "", "Talep · Requests", "Yanıtlanan anket · Surveys answered", "Çözüldü · Solved",
    "Kısmen · Partly", "Çözülmedi · Not solved", "Çözüldü payı · Share solved", "Ortalama puan (1–5) · Average score",
    "Çözülen · Resolved", "Yeniden açılan · Reopened", "Yeniden açılma oranı · Reopen rate"],
  rows.map(([dimension, r]) => [dimension, name(r), r.filed, r.answered, r.solved_yes, r.solved_partly, r.solved_no,
    percent(r.share_solved), number(r.average_score), r.resolved, r.reopened, percent(r.reopen_rate)]));
}

function backlog(data) {
  const section = reset("backlog");
  const labels = Object.fromEntries(data.ages.map((a) => [a, `${a} gün · days`]));
  stackedBars(section, "backlog", data.by_department.map((r) => ({ label: name(r).slice(0, 14), values: r.by_age })), data.ages, labels);
  table(section, "backlog", ["Birim · Department", ...data.ages.map((a) => labels[a]), "Açık · Open", "Süresi geçti · Overdue"],
    data.by_department.map((r) => [name(r), ...data.ages.map((a) => r.by_age[a] || 0), r.open, r.missed_unanswered]));
}

// --- the period -----------------------------------------------------------------------------------

function isoDay(day) {
  return day.toLocaleDateString("sv-SE", { timeZone: "Europe/Istanbul" }); // YYYY-MM-DD in Istanbul
}

function preset(form) {
  const today = new Date();
  const todayIso = isoDay(today);
  const kind = form.preset.value;
  if (kind === "custom") return;
  let first = `${todayIso.slice(0, 8)}01`;
  if (kind === "week") {
    const day = new Date(`${todayIso}T12:00:00Z`);
    day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7));
    first = day.toISOString().slice(0, 10);
  } else if (kind === "year") {
    const day = new Date(`${todayIso}T12:00:00Z`);
    day.setUTCDate(day.getUTCDate() - 364);
    first = day.toISOString().slice(0, 10);
  }
  form.from.value = first;
  form.to.value = todayIso;
  form.granularity.value = kind === "year" ? "month" : "day";
}

async function show(form) {
  const status = document.getElementById("status");
  const query = new URLSearchParams({ from: form.from.value, to: form.to.value });
  status.textContent = "Yükleniyor · Loading…";
  try {
    const [summary, over, where, kept, routed, satisfied, open] = await Promise.all([
      api(`/staff/reports/summary?${query}`),
      api(`/staff/reports/series?${query}&granularity=${form.granularity.value}`),
      api(`/staff/reports/places?${query}`),
      api(`/staff/reports/promise?${query}`),
      api(`/staff/reports/routing?${query}`),
      api(`/staff/reports/satisfaction?${query}`),
      api("/staff/reports/backlog"),
    ]);
    totals(summary);
    series(over);
    places(where);
    promise(kept);
    routing(routed);
    satisfaction(satisfied);
    backlog(open);
    const scope = summary.departments ? ` · ${summary.departments.join(", ")}` : "";
    status.textContent = `${summary.period.from} – ${summary.period.to} (${summary.period.time_zone})${scope}`;
    document.body.dataset.loaded = "true";
  } catch (error) {
    status.textContent = error.message;
  }
}

function showSignIn() {
  document.getElementById("reports").hidden = true;
  document.getElementById("signin").hidden = false;
}

async function start() {
  config = await (await fetch("/staff/config.json")).json();
  const form = document.getElementById("period");
  form.preset.addEventListener("change", () => preset(form));
  form.addEventListener("submit", (event) => { event.preventDefault(); show(form); });
  document.getElementById("signin").addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = event.target;
    try {
      await signIn(fields.username.value, fields.password.value);
      fields.hidden = true;
      document.getElementById("reports").hidden = false;
      show(form);
    } catch (error) {
      document.getElementById("signin-error").textContent = error.message;
    }
  });
  preset(form);
  adoptConsoleSession();
  if (sessionStorage.getItem(TOKEN_KEY)) {
    document.getElementById("reports").hidden = false;
    show(form);
  } else {
    showSignIn();
  }
}

start();
