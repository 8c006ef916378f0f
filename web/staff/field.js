// The field page: a field team fills a survey on a phone, files a request where they see a problem,
// and (for those who may) reads the results or defines the surveys. Signal in the field comes and goes: every answer and
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
const state = { config: null, session: null, me: null, surveys: [], position: null, sending: false, catalog: null, draft: null };

function element(tag, text, attributes = {}) {
  const el = document.createElement(tag);
  if (text !== undefined && text !== null) el.textContent = String(text);
  for (const [key, value] of Object.entries(attributes)) el.setAttribute(key, value);
  return el;
}

const both = (text) => (text ? `${text.tr} · ${text.en}` : "");
const uuid = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`);

function show(view) {
  for (const id of ["view-signin", "view-fill", "view-results", "view-define"]) $(id).hidden = !view.includes(id);
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
  if (mayDefine()) renderDefineList();
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
    const input = element("input", null, { type: "number", name, id: name, inputmode: "decimal" });
    if (q.minimum !== null && q.minimum !== undefined) input.min = q.minimum;
    if (q.maximum !== null && q.maximum !== undefined) input.max = q.maximum;
    set.append(element("label", both(q.text), { for: name, class: "visually-hidden" }), input);
  } else if (q.type === "text") {
    set.append(element("label", both(q.text), { for: name, class: "visually-hidden" }),
      element("textarea", null, { name, id: name, rows: "3", maxlength: "1000" }));
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

// --- defining (supervisors): a draft in memory, the form drawn from it; an edit is saved as the next version ---

const QUESTION_TYPES = [
  ["single_choice", "Tek seçim · Single choice"],
  ["multiple_choice", "Çoklu seçim · Multiple choice"],
  ["number", "Sayı · Number"],
  ["yes_no", "Evet/Hayır · Yes/No"],
  ["text", "Metin · Text"],
  ["photo", "Fotoğraf · Photo"],
];
const CHOICE_TYPES = ["single_choice", "multiple_choice"];
const SLUG = /^[a-z0-9][a-z0-9_]{0,31}$/;
let nextKey = 1; // a question's or choice's key in the form: its controls' ids stay put when it moves

const mayDefine = () => Boolean(state.me?.actions.includes("define_surveys"));
const localDate = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;

function freeId(prefix, taken) {
  for (let n = 1; ; n += 1) if (!taken.includes(`${prefix}${n}`)) return `${prefix}${n}`;
}

const newChoice = (id, text = { tr: "", en: "" }) => ({ key: nextKey++, id, text: { ...text } });

function newQuestion(taken) {
  return { key: nextKey++, id: freeId("q", taken), type: "single_choice", text: { tr: "", en: "" }, required: false,
    choices: [newChoice("a"), newChoice("b")], minimum: null, maximum: null };
}

function draftFrom(survey) {
  const d = survey.definition;
  return {
    id: survey.id,
    version: survey.current_version,
    members: [...(d.team.members || [])],
    questions: d.questions.map((q) => ({
      key: nextKey++, id: q.id, type: q.type, text: { ...q.text }, required: q.required,
      choices: (q.choices || []).map((c) => newChoice(c.id, c.text)),
      minimum: q.minimum ?? null, maximum: q.maximum ?? null,
    })),
  };
}

function renderDefineList() {
  const items = state.surveys.map((s) => {
    const d = s.definition;
    const item = element("li", null, { "data-survey": s.id });
    const edit = element("button", "Düzenle · Edit", { type: "button", class: "button button-secondary" });
    edit.addEventListener("click", () => editSurvey(s.id));
    item.append(element("span", both(d.title), { class: "define-title" }),
      element("span", `${d.starts} – ${d.ends} · v${s.current_version}`, { class: "hint" }), edit);
    return item;
  });
  if (!items.length) items.push(element("li", "Henüz anket yok · No surveys yet", { class: "hint" }));
  $("define-list").replaceChildren(...items);
}

function checkList(box, name, options, chosen) {
  box.replaceChildren(...options.map(([code, label]) => {
    const id = `${name}-${code}`;
    const row = element("div", null, { class: "choice" });
    const input = element("input", null, { type: "checkbox", id, name, value: code });
    input.checked = chosen.includes(code);
    row.append(input, element("label", label, { for: id }));
    return row;
  }));
}

const checked = (name) => [...document.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);

function countPlaces() {
  const n = checked("d-place").length;
  $("d-places-count").textContent = `${n} seçili · ${n} chosen`;
}

function openDraft(survey) {
  const today = new Date();
  const d = survey?.definition;
  state.draft = survey ? draftFrom(survey) : { id: null, version: null, members: [], questions: [newQuestion([])] };
  $("define-form-title").textContent = survey ? `Düzenle · Edit: ${both(d.title)} (v${survey.current_version})` : "Yeni anket · New survey";
  $("d-title-tr").value = d?.title.tr ?? "";
  $("d-title-en").value = d?.title.en ?? "";
  $("d-starts").value = d?.starts ?? localDate(today);
  $("d-ends").value = d?.ends ?? localDate(new Date(today.getTime() + 30 * 86400000));
  const collator = new Intl.Collator("tr");
  const departments = state.catalog.departments.map((x) => [x.code, both(x.name)]);
  const places = state.catalog.neighbourhoods.map((n) => [n.code, n.name]).sort((a, b) => collator.compare(a[1], b[1]));
  checkList($("d-departments"), "d-department", departments, d ? [...d.team.departments] : []);
  checkList($("d-places"), "d-place", places, d ? [...d.neighbourhoods] : []);
  const members = state.draft.members.length;
  $("d-members").hidden = members === 0;
  $("d-members").textContent = `Ayrıca adıyla atanmış ${members} kişi (değişmez) · Also ${members} named members (kept as they are)`;
  countPlaces();
  renderQuestions();
  clearDefineErrors();
  $("define-stale").hidden = true;
  $("define-status").textContent = "";
  $("define-form").hidden = false;
  $("d-title-tr").focus();
}

async function editSurvey(id) {
  $("define-status").textContent = "Yükleniyor · Loading…";
  try {
    openDraft(await api(`/staff/field-surveys/${encodeURIComponent(id)}`));
  } catch (error) {
    $("define-status").textContent = error.status === 0 ? "Bağlantı yok · No connection" : error.message;
  }
}

function labelled(label, id, input, errorFor) {
  const box = element("div", null, { class: "field" });
  box.append(element("label", label, { for: id }));
  if (errorFor) box.append(element("p", null, { class: "field-error", "data-for": errorFor, hidden: "" }));
  input.id = id;
  box.append(input);
  return box;
}

function textInput(value, onInput, attributes = {}) {
  const input = element("input", null, { type: "text", ...attributes });
  input.value = value ?? "";
  input.addEventListener("input", () => onInput(input.value));
  return input;
}

function smallButton(text, onClick, disabled = false) {
  const button = element("button", text, { type: "button", class: "button button-secondary" });
  button.disabled = disabled;
  button.addEventListener("click", onClick);
  return button;
}

function moveQuestion(index, by) {
  const list = state.draft.questions;
  [list[index], list[index + by]] = [list[index + by], list[index]];
  renderQuestions();
}

function choiceEditor(q, choice, index) {
  const base = `dq-${q.key}-c-${choice.key}`;
  const row = element("div", null, { class: "choice-edit", "data-choice": String(index + 1) });
  row.append(
    labelled(`Seçenek ${index + 1} kimliği · Choice ${index + 1} id`, `${base}-id`,
      textInput(choice.id, (v) => { choice.id = v.trim(); }, { maxlength: "32", spellcheck: "false", autocapitalize: "none" }),
      `q.${q.key}.c.${choice.key}.id`),
    labelled(`Türkçe · Turkish`, `${base}-tr`, textInput(choice.text.tr, (v) => { choice.text.tr = v; }, { maxlength: "300" }),
      `q.${q.key}.c.${choice.key}.text`),
    labelled(`İngilizce · English`, `${base}-en`, textInput(choice.text.en, (v) => { choice.text.en = v; }, { maxlength: "300" })),
    smallButton("Seçeneği sil · Remove choice", () => {
      q.choices.splice(index, 1);
      renderQuestions();
    }),
  );
  return row;
}

function questionEditor(q, index, count) {
  const base = `dq-${q.key}`;
  const set = element("fieldset", null, { class: "group question-edit", "data-question": String(index + 1) });
  set.append(element("legend", `Soru ${index + 1} · Question ${index + 1}`));
  const type = element("select");
  type.append(...QUESTION_TYPES.map(([value, label]) => new Option(label, value)));
  type.value = q.type;
  type.addEventListener("change", () => {
    q.type = type.value;
    if (CHOICE_TYPES.includes(q.type) && q.choices.length < 2) {
      while (q.choices.length < 2) q.choices.push(newChoice(freeId("c", q.choices.map((c) => c.id))));
    }
    if (q.type === "photo") q.required = false;
    renderQuestions();
    $(`${base}-type`).focus();
  });
  const required = element("input", null, { type: "checkbox", id: `${base}-required` });
  required.checked = q.required;
  required.disabled = q.type === "photo"; // photos cannot be answered yet, so never required
  required.addEventListener("change", () => { q.required = required.checked; });
  const requiredRow = element("div", null, { class: "choice" });
  requiredRow.append(required, element("label", "Yanıt zorunlu · Answer required", { for: `${base}-required` }));
  const pair = element("div", null, { class: "pair" });
  pair.append(
    labelled("Kimlik · Id (a-z, 0-9, _)", `${base}-id`,
      textInput(q.id, (v) => { q.id = v.trim(); }, { maxlength: "32", spellcheck: "false", autocapitalize: "none" }), `q.${q.key}.id`),
    labelled("Tür · Type", `${base}-type`, type),
  );
  set.append(
    pair,
    labelled("Metin (Türkçe) · Text (Turkish)", `${base}-tr`, textInput(q.text.tr, (v) => { q.text.tr = v; }, { maxlength: "300" }), `q.${q.key}.text`),
    labelled("Metin (İngilizce) · Text (English)", `${base}-en`, textInput(q.text.en, (v) => { q.text.en = v; }, { maxlength: "300" })),
    requiredRow,
  );
  if (q.type === "number") {
    const limits = element("div", null, { class: "pair" });
    for (const [field, label] of [["minimum", "En az · Minimum"], ["maximum", "En çok · Maximum"]]) {
      const input = element("input", null, { type: "number", inputmode: "decimal" });
      input.value = q[field] ?? "";
      input.addEventListener("input", () => { q[field] = input.value === "" ? null : Number(input.value); });
      limits.append(labelled(label, `${base}-${field}`, input));
    }
    set.append(limits);
  }
  if (CHOICE_TYPES.includes(q.type)) {
    const choices = element("div", null, { class: "choices-edit" });
    choices.append(...q.choices.map((c, i) => choiceEditor(q, c, i)));
    set.append(element("p", null, { class: "field-error", "data-for": `q.${q.key}.choices`, hidden: "" }), choices,
      smallButton("Seçenek ekle · Add a choice", () => {
        q.choices.push(newChoice(freeId("c", q.choices.map((c) => c.id))));
        renderQuestions();
        $(`dq-${q.key}-c-${q.choices.at(-1).key}-tr`).focus();
      }));
  }
  const moves = element("p", null, { class: "actions question-moves" });
  moves.append(
    smallButton("↑ Yukarı · Up", () => moveQuestion(index, -1), index === 0),
    smallButton("↓ Aşağı · Down", () => moveQuestion(index, 1), index === count - 1),
    smallButton("Soruyu sil · Remove question", () => {
      state.draft.questions.splice(index, 1);
      renderQuestions();
      $("d-add-question").focus();
    }, count === 1),
  );
  set.append(moves);
  return set;
}

function renderQuestions() {
  const list = state.draft.questions;
  $("d-questions").replaceChildren(...list.map((q, i) => questionEditor(q, i, list.length)));
}

function addQuestion() {
  const q = newQuestion(state.draft.questions.map((x) => x.id));
  state.draft.questions.push(q);
  renderQuestions();
  $(`dq-${q.key}-tr`).focus();
}

function definitionFrom() {
  const draft = state.draft;
  const departments = checked("d-department");
  return {
    title: { tr: $("d-title-tr").value.trim(), en: $("d-title-en").value.trim() },
    starts: $("d-starts").value,
    ends: $("d-ends").value,
    team: { ...(departments.length ? { departments } : {}), ...(draft.members.length ? { members: draft.members } : {}) },
    neighbourhoods: checked("d-place"),
    questions: draft.questions.map((q) => ({
      id: q.id,
      type: q.type,
      text: { tr: q.text.tr.trim(), en: q.text.en.trim() },
      required: q.required,
      ...(CHOICE_TYPES.includes(q.type) ? { choices: q.choices.map((c) => ({ id: c.id, text: { tr: c.text.tr.trim(), en: c.text.en.trim() } })) } : {}),
      ...(q.type === "number" && q.minimum !== null ? { minimum: q.minimum } : {}),
      ...(q.type === "number" && q.maximum !== null ? { maximum: q.maximum } : {}),
    })),
  };
}

// What the form can tell before sending, by the question it is about (the API names the field only).
function draftProblems(body) {
  const problems = {};
  const need = "Gerekli · Required";
  const slug = "Küçük harf, rakam, _ (en çok 32) · Lower-case letters, digits, _ (up to 32)";
  if (!body.title.tr) problems["title.tr"] = need;
  if (!body.title.en) problems["title.en"] = need;
  if (!body.starts) problems.starts = need;
  if (!body.ends) problems.ends = need;
  if (body.starts && body.ends && body.ends < body.starts) problems.ends = "Başlangıçtan önce olamaz · Cannot be before the start";
  if (!body.team.departments && !body.team.members) problems.team = "En az bir birim seçin · Choose at least one department";
  if (!body.neighbourhoods.length) problems.neighbourhoods = "En az bir mahalle seçin · Choose at least one neighbourhood";
  const seen = new Set();
  state.draft.questions.forEach((q, i) => {
    const sent = body.questions[i];
    if (!SLUG.test(sent.id)) problems[`q.${q.key}.id`] = slug;
    else if (seen.has(sent.id)) problems[`q.${q.key}.id`] = "Başka bir soruda var · Another question has it";
    seen.add(sent.id);
    if (!sent.text.tr || !sent.text.en) problems[`q.${q.key}.text`] = "Türkçe ve İngilizce metin gerekli · Turkish and English text needed";
    if (!sent.choices) return;
    if (sent.choices.length < 2) problems[`q.${q.key}.choices`] = "En az iki seçenek · At least two choices";
    const ids = new Set();
    q.choices.forEach((c, j) => {
      const choice = sent.choices[j];
      if (!SLUG.test(choice.id)) problems[`q.${q.key}.c.${c.key}.id`] = slug;
      else if (ids.has(choice.id)) problems[`q.${q.key}.c.${c.key}.id`] = "Başka bir seçenekte var · Another choice has it";
      ids.add(choice.id);
      if (!choice.text.tr || !choice.text.en) problems[`q.${q.key}.c.${c.key}.text`] = "Türkçe ve İngilizce metin gerekli · Turkish and English text needed";
    });
  });
  return problems;
}

function clearDefineErrors() {
  for (const p of $("define-form").querySelectorAll(".field-error")) {
    p.hidden = true;
    p.textContent = "";
  }
  for (const el of $("define-form").querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

// Each problem beside its field: the closest place named like it (`title.tr`, `team.departments` -> `team`),
// or, for one the form has no place for, in the list at the top. Returns the first place shown.
function showDefineErrors(problems) {
  clearDefineErrors();
  const places = new Map([...$("define-form").querySelectorAll(".field-error[data-for]")].map((p) => [p.dataset.for, p]));
  const general = [];
  let first = null;
  for (const [field, message] of problems) {
    let name = field;
    while (name && !places.has(name)) name = name.includes(".") ? name.slice(0, name.lastIndexOf(".")) : "";
    const place = places.get(name);
    if (!place) {
      general.push(field === "body" ? message : `${field}: ${message}`);
      continue;
    }
    place.textContent = place.textContent ? `${place.textContent} — ${message}` : message;
    place.hidden = false;
    const input = place.nextElementSibling;
    if (input && input.matches("input, select, textarea")) input.setAttribute("aria-invalid", "true");
    first = first || place;
  }
  if (general.length) {
    $("define-error").textContent = general.join(" — ");
    $("define-error").hidden = false;
    first = $("define-error");
  }
  first?.scrollIntoView({ block: "center" });
}

async function saveDefinition(event) {
  event.preventDefault();
  const draft = state.draft;
  const body = definitionFrom();
  const problems = draftProblems(body);
  $("define-stale").hidden = true;
  $("define-error").hidden = true;
  if (Object.keys(problems).length) {
    showDefineErrors(Object.entries(problems));
    return;
  }
  clearDefineErrors();
  const save = $("define-save");
  save.setAttribute("aria-disabled", "true");
  try {
    const saved = draft.id
      ? await api(`/staff/field-surveys/${encodeURIComponent(draft.id)}`, { method: "PUT", body, headers: { "If-Match": `"${draft.version}"` } })
      : await api("/staff/field-surveys", { method: "POST", body });
    $("define-form").hidden = true;
    state.draft = null;
    $("define-status").textContent = `Kaydedildi · Saved: ${both(saved.definition.title)} (v${saved.version})`;
    state.surveys = (await api("/staff/field-surveys")).surveys;
    renderSurveys();
  } catch (error) {
    if (error.status === 412) {
      $("define-stale").hidden = false; // what was typed stays in the form
      $("define-stale").scrollIntoView({ block: "center" });
    } else if (error.status === 422 && error.body?.fields?.length) {
      showDefineErrors(error.body.fields.map((f) => [f.field, f.message]));
    } else {
      $("define-error").textContent = error.status === 0 ? "Bağlantı yok; kaydedilmedi, yeniden deneyin · No connection; not saved, please try again" : error.message;
      $("define-error").hidden = false;
    }
  } finally {
    save.removeAttribute("aria-disabled");
  }
}

function closeDraft() {
  state.draft = null;
  $("define-form").hidden = true;
  $("define-new").focus();
}

async function fetchCatalog() {
  const response = await fetch("/catalog", { credentials: "omit", headers: { Accept: "application/json" } });
  if (!response.ok) throw new ApiError(response.status, null);
  return response.json();
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
  show([answers ? "view-fill" : "", results ? "view-results" : "", mayDefine() ? "view-define" : ""]);
  if (mayDefine()) {
    // Defining needs the connection: the neighbourhoods and departments come from the catalogue
    state.catalog = await fetchCatalog().catch(() => null);
    $("define-new").disabled = !state.catalog;
    if (!state.catalog) $("define-status").textContent = "Katalog yüklenemedi · The catalogue did not load";
  }
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
  $("define-new").addEventListener("click", () => openDraft(null));
  $("define-form").addEventListener("submit", saveDefinition);
  $("define-cancel").addEventListener("click", closeDraft);
  $("define-reload").addEventListener("click", () => editSurvey(state.draft.id));
  $("d-add-question").addEventListener("click", addQuestion);
  $("d-places").addEventListener("change", countPlaces);
  $("d-places-all").addEventListener("click", () => {
    for (const box of document.querySelectorAll('input[name="d-place"]')) box.checked = true;
    countPlaces();
  });
  $("d-places-none").addEventListener("click", () => {
    for (const box of document.querySelectorAll('input[name="d-place"]')) box.checked = false;
    countPlaces();
  });
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
