// The field page: a field team fills a survey on a phone, files a request where they see a problem,
// and (for those who may) reads the results. Signal in the field comes and goes: every answer and
// request goes first into an outbox on the device (localStorage) and leaves it only when the API has
// it. Each carries an id made here once (the answer's `id`, the request's Idempotency-Key), so sending
// it again after a lost reply never counts twice. Sign-in is the console's (auth.js); texts go in
// through textContent only.

import { Session, SignInError } from "./auth.js";
import { ApiError, send } from "./http.js";

const OUTBOX_KEY = "civicdesk.field.outbox";
const RETRY_MS = 30000;
const EARTH_RADIUS_M = 6371000;
const TYPES = { single_choice: 1, multiple_choice: 1, number: 1, yes_no: 1, text: 1, photo: 1 };
// A yes/no question's two answers: the form's options and the results' rows read the same.
const YES_NO = [{ id: "yes", text: { tr: "Evet", en: "Yes" } }, { id: "no", text: { tr: "Hayır", en: "No" } }];

const $ = (id) => document.getElementById(id);
const state = { config: null, session: null, me: null, surveys: [], position: null, sending: false };

function element(tag, text, attributes = {}) {
  const el = document.createElement(tag);
  if (text !== undefined && text !== null) el.textContent = String(text);
  for (const [key, value] of Object.entries(attributes)) el.setAttribute(key, value);
  return el;
}

const both = (text) => (text ? `${text.tr} · ${text.en}` : "");
const uuid = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`);

function show(view) {
  for (const id of ["view-signin", "view-fill", "view-results"]) $(id).hidden = !view.includes(id);
}

// --- the API -----------------------------------------------------------------------------------------

async function api(path, { raw = false, ...options } = {}) {
  const token = await state.session.idToken().catch(() => null);
  if (!token) throw new ApiError(401, null);
  const response = await send(path, token, { ...options, accept: raw ? "text/csv" : "application/json" });
  if (raw && response.ok) return response.text();
  const data = await response.json().catch(() => null);
  if (response.status === 401) signedOut();
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// --- the outbox: kept on the device until the API has it ----------------------------------------------

function outboxKey() {
  return `${OUTBOX_KEY}.${state.me?.user_id || "anon"}`;
}

function readOutbox() {
  try {
    return JSON.parse(window.localStorage.getItem(outboxKey()) || "[]");
  } catch {
    return [];
  }
}

function writeOutbox(entries) {
  window.localStorage.setItem(outboxKey(), JSON.stringify(entries));
  renderOutbox();
}

function renderOutbox(note) {
  const waiting = readOutbox().filter((e) => !e.refused);
  const refused = readOutbox().filter((e) => e.refused);
  const parts = [
    waiting.length
      ? `${waiting.length} gönderilmeyi bekliyor · ${waiting.length} waiting to send`
      : "Gönderilmeyi bekleyen yok · Nothing waiting to send",
  ];
  if (refused.length) parts.push(`${refused.length} kabul edilmedi · ${refused.length} refused: ${refused[0].error}`);
  if (note) parts.push(note);
  $("outbox-text").textContent = parts.join(" — ");
  $("outbox").classList.toggle("is-waiting", waiting.length > 0);
  $("outbox").dataset.waiting = String(waiting.length);
  $("outbox-retry").hidden = waiting.length === 0;
}

function enqueue(entry) {
  writeOutbox([...readOutbox(), entry]);
  return flush();
}

// Sends what waits, oldest first; stops at the first connection failure and tries again later.
async function flush() {
  if (state.sending) return;
  state.sending = true;
  let note;
  try {
    for (const entry of readOutbox().filter((e) => !e.refused)) {
      try {
        const headers = entry.key ? { "Idempotency-Key": entry.key } : {};
        const answer = await api(entry.path, { method: "POST", body: entry.body, headers });
        writeOutbox(readOutbox().filter((e) => e.id !== entry.id));
        if (entry.kind === "answer") {
          $("saved").textContent = "Yanıt gönderildi · Answer sent";
        }
        if (entry.kind === "request") {
          $("problem-done").hidden = false;
          $("problem-done").textContent = `Talep açıldı · Request filed: ${answer.code}`;
        }
      } catch (error) {
        if (error.status === 0 || error.status === 401 || error.status === 429 || error.status >= 500) {
          note = error.status === 0 ? "Bağlantı yok, sonra denenecek · No connection, will retry" : undefined;
          break;
        }
        // Refused for good (e.g. the survey closed): kept apart, shown, never sent again.
        writeOutbox(readOutbox().map((e) => (e.id === entry.id ? { ...e, refused: true, error: error.message } : e)));
      }
    }
  } finally {
    state.sending = false;
    renderOutbox(note);
  }
}

// --- the survey form ---------------------------------------------------------------------------------

function current() {
  return state.surveys.find((s) => s.id === $("survey").value);
}

function renderSurveys() {
  const open = state.surveys.filter((s) => s.open);
  $("survey").replaceChildren(...open.map((s) => new Option(both(s.definition.title), s.id)));
  $("results-survey").replaceChildren(...state.surveys.map((s) => new Option(both(s.definition.title), s.id)));
  if (!open.length) $("survey-period").textContent = "Size atanmış açık anket yok · No open survey is assigned to you";
  renderSurvey();
}

function renderSurvey() {
  const survey = current();
  $("questions").replaceChildren();
  $("place").replaceChildren();
  if (!survey) return;
  const d = survey.definition;
  $("survey-period").textContent = `${d.starts} – ${d.ends} · v${survey.version}`;
  $("place").append(new Option("Seçin · Choose", ""), ...survey.places.map((p) => new Option(p.name, p.code)));
  for (const q of d.questions) $("questions").append(questionField(q));
}

function questionField(q) {
  const set = element("fieldset", null, { class: "question", "data-question": q.id, "data-type": q.type });
  set.append(element("legend", `${both(q.text)}${q.required ? " *" : ""}`));
  const name = `q-${q.id}`;
  if (q.type === "single_choice" || q.type === "multiple_choice" || q.type === "yes_no") {
    const options = q.type === "yes_no" ? YES_NO : q.choices;
    for (const choice of options) {
      const id = `${name}-${choice.id}`;
      const input = element("input", null, { type: q.type === "multiple_choice" ? "checkbox" : "radio", name, id, value: choice.id });
      const row = element("div", null, { class: "choice" });
      row.append(input, element("label", both(choice.text), { for: id }));
      set.append(row);
    }
  } else if (q.type === "number") {
    const input = element("input", null, { type: "number", name, inputmode: "decimal", "aria-label": both(q.text) });
    if (q.minimum !== null && q.minimum !== undefined) input.min = q.minimum;
    if (q.maximum !== null && q.maximum !== undefined) input.max = q.maximum;
    set.append(input);
  } else if (q.type === "text") {
    set.append(element("textarea", null, { name, rows: "3", maxlength: "1000", "aria-label": both(q.text) }));
  } else if (TYPES[q.type]) {
    set.append(element("p", "Fotoğraf henüz desteklenmiyor · Photos are not supported yet", { class: "hint" }));
  }
  return set;
}

function collect(survey) {
  const values = {};
  const missing = [];
  for (const q of survey.definition.questions) {
    const name = `q-${q.id}`;
    let value;
    if (q.type === "multiple_choice") {
      value = [...document.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
      if (!value.length) value = undefined;
    } else if (q.type === "single_choice" || q.type === "yes_no") {
      const picked = document.querySelector(`input[name="${name}"]:checked`);
      value = picked ? (q.type === "yes_no" ? picked.value === "yes" : picked.value) : undefined;
    } else if (q.type === "number") {
      const text = document.querySelector(`input[name="${name}"]`).value;
      value = text === "" ? undefined : Number(text);
    } else if (q.type === "text") {
      const text = document.querySelector(`textarea[name="${name}"]`).value.trim();
      value = text || undefined;
    }
    if (value === undefined) {
      if (q.required) missing.push(both(q.text));
    } else {
      values[q.id] = value;
    }
  }
  return { values, missing };
}

async function save(event) {
  event.preventDefault();
  const survey = current();
  $("fill-error").hidden = true;
  if (!survey) return;
  const { values, missing } = collect(survey);
  const problems = [];
  if (!$("place").value) problems.push("Mahalle seçin · Choose a neighbourhood");
  if (missing.length) problems.push(`Yanıt gerekli · Answer needed: ${missing.join(", ")}`);
  if (problems.length) {
    $("fill-error").textContent = problems.join(" — ");
    $("fill-error").hidden = false;
    return;
  }
  const id = uuid();
  const body = { id, version: survey.version, neighbourhood: $("place").value, answered_at: new Date().toISOString(), values };
  const path = `/staff/field-surveys/${encodeURIComponent(survey.id)}/answers`;
  $("saved").hidden = false;
  $("saved").textContent = "Yanıt telefonda saklandı; gönderiliyor · Answer kept on the phone; sending";
  const place = $("place").value;
  renderSurvey();
  $("place").value = place; // the next answer is usually in the same neighbourhood
  await enqueue({ id, kind: "answer", path, body });
}

async function fileProblem(event) {
  event.preventDefault();
  const text = $("problem-text").value.trim();
  $("problem-error").hidden = true;
  if (text.length < 10 || !$("place").value) {
    $("problem-error").textContent = "Mahalle seçin ve sorunu en az 10 harfle yazın · Choose a neighbourhood and describe it in 10+ characters";
    $("problem-error").hidden = false;
    return;
  }
  const body = { description: text, channel: "field", neighbourhood: $("place").value };
  if (state.position) body.location = { lat: state.position.lat, lon: state.position.lon };
  const id = uuid();
  $("problem-text").value = "";
  $("problem-done").hidden = false;
  $("problem-done").textContent = "Talep telefonda saklandı; gönderiliyor · Request kept on the phone; sending";
  await enqueue({ id, kind: "request", path: "/staff/requests", body, key: id });
}

// --- position -> nearest neighbourhood (a known centre within the profile's radius, as the API does) ---

function distance(lat1, lon1, lat2, lon2) {
  const rad = Math.PI / 180;
  const dp = (lat2 - lat1) * rad;
  const dl = (lon2 - lon1) * rad;
  const h = Math.sin(dp / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dl / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(h));
}

export function nearest(places, lat, lon, radius) {
  let best = null;
  for (const p of places) {
    if (p.lat === null || p.lat === undefined) continue;
    const d = distance(lat, lon, p.lat, p.lon);
    if (d <= radius && (!best || d < best.d)) best = { code: p.code, name: p.name, d };
  }
  return best;
}

function locate() {
  const survey = current();
  if (!survey || !navigator.geolocation) return;
  $("locate-status").textContent = "Konum alınıyor · Finding you…";
  navigator.geolocation.getCurrentPosition(
    (found) => {
      state.position = { lat: found.coords.latitude, lon: found.coords.longitude };
      const near = nearest(survey.places, state.position.lat, state.position.lon, survey.locate_radius_m);
      if (near) {
        $("place").value = near.code;
        $("locate-status").textContent = `Tahmini: ${near.name} — kontrol edin · Estimated: ${near.name} — please check`;
      } else {
        $("locate-status").textContent = "Yakında bilinen mahalle merkezi yok: seçin · No known centre nearby: please choose";
      }
    },
    () => {
      $("locate-status").textContent = "Konum alınamadı: seçin · No position: please choose";
    },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
  );
}

// --- results ---------------------------------------------------------------------------------------------

function cell(text, numeric = false) {
  return element("td", text, numeric ? { class: "num" } : {});
}

const percent = (share) => (share === null || share === undefined ? "–" : `${(share * 100).toFixed(1)}%`);

function placeResults(place) {
  const box = element("section", null, { class: "place-results", "data-place": place.code });
  box.append(element("h3", `${place.name || "Tümü · All"} — ${place.answers} yanıt · answers`));
  if (place.requests) {
    const r = place.requests;
    box.append(element("p", `Talepler · Requests: ${r.filed} açılan · filed, ${r.open} açık · open, ${r.resolved} çözülen · resolved`, { class: "requests-beside" }));
  }
  const table = element("table", null, { class: "results-table" });
  const head = element("tr");
  for (const h of ["Soru · Question", "Seçenek · Choice", "Sayı · Count", "Pay · Share", "Ort. · Avg"]) head.append(element("th", h, { scope: "col" }));
  table.append(element("thead"), element("tbody"));
  table.tHead.append(head);
  for (const q of place.questions) {
    if (!q.choices.length) {
      const row = element("tr");
      row.append(cell(both(q.text)), cell("–"), cell(q.answered, true), cell("–", true), cell(q.average ?? "–", true));
      table.tBodies[0].append(row);
    }
    for (const c of q.choices) {
      const row = element("tr");
      row.append(cell(both(q.text)), cell(both(c.text || YES_NO.find((o) => o.id === c.id)?.text) || c.id), cell(c.count, true), cell(percent(c.share), true), cell("–", true));
      table.tBodies[0].append(row);
    }
  }
  box.append(table);
  return box;
}

async function showResults() {
  const id = $("results-survey").value;
  if (!id) return;
  $("results-status").textContent = "Yükleniyor · Loading…";
  try {
    const path = `/staff/field-surveys/${encodeURIComponent(id)}/results`;
    const results = await api(path);
    $("results").replaceChildren(placeResults(results.total), ...results.neighbourhoods.map(placeResults));
    $("results-status").textContent = results.requests_from
      ? `Talepler ${results.requests_from} – ${results.requests_to} · Requests in the same period`
      : "Anket başlamadı · The survey has not started";
    const csv = await api(`${path}?format=csv`, { raw: true });
    const link = $("results-csv");
    link.href = URL.createObjectURL(new Blob(["\ufeff", csv], { type: "text/csv;charset=utf-8" }));
    link.download = `field-survey-${id}-v${results.version}.csv`;
    link.hidden = false;
  } catch (error) {
    $("results-status").textContent = error.status === 0 ? "Bağlantı yok · No connection" : error.message;
  }
}

// --- signing in, starting -----------------------------------------------------------------------------------

function signedOut() {
  show(["view-signin"]);
}

async function signIn(event) {
  event.preventDefault();
  $("signin-error").hidden = true;
  try {
    const step = await state.session.signIn($("signin-username").value.trim(), $("signin-password").value);
    if (step) throw new SignInError("challenge");
  } catch (error) {
    const kind = error instanceof SignInError ? error.kind : "service";
    $("signin-error").textContent = {
      credentials: "E-posta ya da parola yanlış · Wrong e-mail or password",
      challenge: "Önce konsolda giriş yapın · Please sign in on the console first",
      network: "Bağlantı yok · No connection",
    }[kind] || "Giriş olmadı · Sign-in failed";
    $("signin-error").hidden = false;
  }
}

async function start() {
  let me;
  try {
    me = await api("/staff/me");
    window.localStorage.setItem(`${OUTBOX_KEY}.me`, JSON.stringify(me));
  } catch (error) {
    // Offline at start: who this phone last saw signed in (the tokens are still the session's)
    me = error.status === 0 ? JSON.parse(window.localStorage.getItem(`${OUTBOX_KEY}.me`) || "null") : null;
    if (!me) throw error;
  }
  state.me = me;
  const answers = me.actions.includes("answer_surveys");
  const results = me.actions.includes("survey_results");
  show([answers ? "view-fill" : "", results ? "view-results" : ""]);
  renderOutbox();
  try {
    state.surveys = (await api("/staff/field-surveys")).surveys;
    window.localStorage.setItem(`${outboxKey()}.surveys`, JSON.stringify(state.surveys));
  } catch (error) {
    if (error.status !== 0) throw error;
    // Offline at start: the surveys this phone saw last time
    state.surveys = JSON.parse(window.localStorage.getItem(`${outboxKey()}.surveys`) || "[]");
  }
  renderSurveys();
  flush();
}

async function main() {
  const response = await fetch("config.json", { cache: "no-cache", credentials: "omit" });
  state.config = await response.json();
  state.session = new Session(state.config, (session) => {
    if (session.signedIn) start().catch(() => signedOut()).finally(() => { document.documentElement.dataset.started = "true"; });
    else signedOut();
  });
  $("signin-form").addEventListener("submit", signIn);
  $("survey").addEventListener("change", renderSurvey);
  $("locate").addEventListener("click", locate);
  $("fill-form").addEventListener("submit", save);
  $("problem-form").addEventListener("submit", fileProblem);
  $("outbox-retry").addEventListener("click", () => flush());
  $("results-show").addEventListener("click", showResults);
  window.addEventListener("online", () => flush());
  window.setInterval(() => flush(), RETRY_MS);
  if (state.session.restore()) {
    await start().catch(() => signedOut());
  } else {
    signedOut();
  }
  document.documentElement.dataset.ready = "true";
}

main();
