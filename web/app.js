// The citizen page: file a request and follow it. A plain ES module: no framework, no build step.
// Everything that comes from the API or from the person typing reaches the page through
// textContent and DOM APIs only, never parsed as markup; with no inline code anywhere, a strict
// CSP (`default-src 'self'`) holds.

import { DEFAULT_LANGUAGE, LANGUAGES, NEUTRAL, STATUS_NAMES, notice, t } from "./i18n.js";

const STORAGE_KEY = "civicdesk.lang";
const TIME_ZONE = "Europe/Istanbul";
const LOCALES = { tr: "tr-TR", en: "en-GB" };
const REQUEST_TIMEOUT_MS = 20000;
const DEFAULT_HOURS = 48;
// Tracking codes: nine symbols of this alphabet, shown in groups of three (civicdesk/codes.py).
const CODE_PATTERN = /^[23456789ABCDEFGHJKMNPRSTVYZ]{9}$/;

// Where each `fields[].field` of a 422 answer is shown and focused.
const FIELD_INPUTS = {
  description: "description",
  category: "category",
  kind: "kind",
  neighbourhood: "neighbourhood",
  location: "address",
  "location.lat": "lat",
  "location.lon": "lon",
  "location.address": "address",
  contact: "contact-name",
  "contact.name": "contact-name",
  "contact.phone": "contact-phone",
  "contact.email": "contact-email",
  photos: "photos",
};

// Messages that do not name their field: the error summary prefixes the field's label.
const GENERIC_ERRORS = new Set(["errors.required", "errors.choose", "errors.tooLong"]);

const $ = (id) => document.getElementById(id);

const state = {
  lang: DEFAULT_LANGUAGE,
  apiBase: "",
  catalog: null,
  sending: false,
  errors: [], // the request form's [{id, key, vars, message}]: re-rendered when the language changes
  trackErrors: [], // the tracking form's, the same way
  formAlert: null, // {key} or {errors: true}
  statuses: {}, // region id -> {key, vars}
  accepted: null, // the 201 answer being shown
  photos: [], // [{id, name, status: uploading|uploaded|failed, key, done}]: the form's photos
  tracked: null, // the last request looked up
  view: null,
  municipality: null, // from config.json: names, contact line, KVKK facts (null: speak neutrally)
  submission: null, // {body, key}: the Idempotency-Key of the form as last sent
};

const descriptionLimits = { min: 10, max: 4000 };
// Resolves to the API base URL once `config.json` has been read (every API call waits for it).
let configured = Promise.resolve("");

// --- language ------------------------------------------------------------------------------------

function storedLanguage() {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled: the choice lasts for this page only
  }
}

function rememberLanguage(lang) {
  try {
    window.localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    /* storage disabled */
  }
}

function initialLanguage() {
  const fromUrl = new URLSearchParams(window.location.search).get("lang");
  if (LANGUAGES.includes(fromUrl)) {
    rememberLanguage(fromUrl);
    return fromUrl;
  }
  const stored = storedLanguage();
  return LANGUAGES.includes(stored) ? stored : DEFAULT_LANGUAGE;
}

function tx(key, vars) {
  return t(state.lang, key, { ...municipalityVars(), ...vars });
}

// The municipality's words for the texts that name it, or neutral ones while it is unknown.
function municipalityVars() {
  const m = state.municipality;
  const pick = (texts) => texts[state.lang] ?? texts[DEFAULT_LANGUAGE];
  return {
    municipality: pick(m?.name ?? NEUTRAL.name),
    contactCenter: pick(m?.contactCenter ?? NEUTRAL.contactCenter),
    phoneLine: m?.phoneLine ?? "",
    controller: pick(m?.kvkk.controller ?? NEUTRAL.controller),
    retention: pick(m?.kvkk.retention ?? NEUTRAL.retention),
  };
}

function switchLanguage() {
  const next = state.lang === "tr" ? "en" : "tr";
  state.lang = next;
  rememberLanguage(next);
  setStatus("track-announce", null); // said once, in the language it was looked up in
  const url = new URL(window.location.href);
  if (url.searchParams.has("lang")) {
    url.searchParams.set("lang", next);
    window.history.replaceState(null, "", url);
  }
  applyTexts();
}

function applyTexts() {
  document.documentElement.lang = state.lang;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = tx(el.dataset.i18n);
  if (state.sending) $("submit").textContent = tx("sending");
  for (const el of document.querySelectorAll("[data-i18n-aria-label]")) {
    el.setAttribute("aria-label", tx(el.dataset.i18nAriaLabel));
  }
  const other = state.lang === "tr" ? "en" : "tr";
  const switcher = $("lang-switch");
  switcher.textContent = tx("lang.switch");
  switcher.lang = other;

  const hours = state.catalog?.default_first_response_hours ?? DEFAULT_HOURS;
  $("file-intro").textContent = tx("file.intro", { hours: formatNumber(hours) });
  $("description-hint").textContent = tx("description.hint", { min: descriptionLimits.min });
  $("notice-summary").textContent = tx("notice.summary");
  renderMunicipality();
  renderNotice();
  renderKinds();
  renderCatalogOptions();
  updateCounter();
  renderPhotos();
  renderErrors();
  renderFormAlert();
  for (const [id, status] of Object.entries(state.statuses)) renderStatus(id, status);
  if (state.accepted) renderSuccess();
  if (state.tracked) renderTracked();
  updateTitle();
}

function formatNumber(value) {
  return new Intl.NumberFormat(LOCALES[state.lang]).format(value);
}

function formatDate(iso, withZone = false) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const text = new Intl.DateTimeFormat(LOCALES[state.lang], {
    timeZone: TIME_ZONE,
    dateStyle: "long",
    timeStyle: "short",
  }).format(date);
  return withZone ? `${text} (${tx("time.zone")})` : text;
}

function timeElement(iso, withZone = false) {
  const time = document.createElement("time");
  time.dateTime = iso;
  time.textContent = formatDate(iso, withZone);
  return time;
}

// --- small DOM helpers ---------------------------------------------------------------------------

function element(tag, text, className) {
  const el = document.createElement(tag);
  if (text !== undefined && text !== null) el.textContent = text;
  if (className) el.className = className;
  return el;
}

function setStatus(id, key, vars) {
  if (key) state.statuses[id] = { key, vars };
  else delete state.statuses[id];
  renderStatus(id, state.statuses[id]);
}

function renderStatus(id, status) {
  const region = $(id);
  region.replaceChildren();
  if (!status) return;
  region.append(element("p", tx(status.key, status.vars)));
  if (status.retry) {
    const retry = element("button", tx("catalog.retry"), "button button-secondary");
    retry.type = "button";
    retry.addEventListener("click", loadCatalog);
    region.append(retry);
  }
}

// --- configuration and API -----------------------------------------------------------------------

async function loadConfig() {
  // `config.json` is written at deploy time from the municipality profile: where the API is (empty:
  // same origin) and the municipality's names. Missing or unreadable: same origin, neutral names.
  try {
    const response = await fetch("config.json", { cache: "no-cache", credentials: "omit" });
    if (!response.ok) return { apiUrl: "", municipality: null };
    const config = await response.json();
    const url = typeof config?.apiUrl === "string" ? config.apiUrl.trim() : "";
    return {
      apiUrl: /^https?:\/\//.test(url) ? url.replace(/\/+$/, "") : "",
      municipality: readMunicipality(config?.municipality),
    };
  } catch {
    return { apiUrl: "", municipality: null };
  }
}

function readMunicipality(raw) {
  // Only what is complete is used: a half-filled profile must not name a controller without a period.
  const text = (value) => (typeof value === "string" && value.trim() ? value.trim() : null);
  const localized = (value) => {
    const [tr, en] = [text(value?.tr), text(value?.en)];
    return tr && en ? { tr, en } : null;
  };
  const municipality = {
    name: localized(raw?.name),
    contactCenter: localized(raw?.contactCenter),
    phoneLine: text(raw?.phoneLine),
    kvkk: {
      controller: localized(raw?.kvkk?.controller),
      retention: localized(raw?.kvkk?.retention),
      contact: text(raw?.kvkk?.contact),
    },
  };
  const { name, contactCenter, phoneLine, kvkk } = municipality;
  const complete = [name, contactCenter, phoneLine, kvkk.controller, kvkk.retention, kvkk.contact].every(Boolean);
  return complete ? municipality : null;
}

async function callApi(path, init = {}) {
  state.apiBase = await configured;
  const controller = new AbortController();
  const timer = window.setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  try {
    return await fetch(state.apiBase + path, {
      ...init,
      headers: { Accept: "application/json", ...(init.headers || {}) },
      credentials: "omit",
      referrerPolicy: "no-referrer",
      signal: controller.signal,
    });
  } finally {
    window.clearTimeout(timer);
  }
}

async function readJson(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

// --- catalogue -----------------------------------------------------------------------------------

async function loadCatalog() {
  setStatus("catalog-status", "catalog.loading");
  try {
    const response = await callApi("/catalog");
    if (!response.ok) throw new Error(`catalog: HTTP ${response.status}`);
    state.catalog = await response.json();
    setStatus("catalog-status", null);
    applyTexts();
  } catch {
    state.statuses["catalog-status"] = { key: "catalog.failed", retry: true };
    renderStatus("catalog-status", state.statuses["catalog-status"]);
  }
}

function renderKinds() {
  const names = new Map((state.catalog?.kinds || []).map((k) => [k.code, k.name]));
  for (const label of document.querySelectorAll("label[data-kind]")) {
    const code = label.dataset.kind;
    label.textContent = names.get(code)?.[state.lang] ?? tx(`kind.${code}`);
  }
}

function fillSelect(select, first, options) {
  const chosen = select.value;
  const placeholder = element("option", first);
  placeholder.value = "";
  const items = options.map(({ value, text }) => {
    const option = element("option", text);
    option.value = value;
    return option;
  });
  select.replaceChildren(placeholder, ...items);
  if (options.some((o) => o.value === chosen)) select.value = chosen;
}

function renderCatalogOptions() {
  const catalog = state.catalog;
  const categories = (catalog?.categories || []).map((c) => ({ value: c.code, text: c.name[state.lang] }));
  fillSelect($("category"), tx("category.unsure"), categories);
  const collator = new Intl.Collator("tr");
  const places = (catalog?.neighbourhoods || [])
    .map((n) => ({ value: n.code, text: n.name }))
    .sort((a, b) => collator.compare(a.text, b.text));
  fillSelect($("neighbourhood"), tx("neighbourhood.choose"), places);
  renderCategoryDescription();
}

function renderCategoryDescription() {
  const code = $("category").value;
  const category = (state.catalog?.categories || []).find((c) => c.code === code);
  $("category-description").textContent = category ? category.description[state.lang] : "";
}

// --- the municipality and its personal-data notice ------------------------------------------------

function renderMunicipality() {
  // Header: the contact center's name, with the municipality's; footer: both and the phone line.
  const known = Boolean(state.municipality);
  const { municipality, contactCenter, phoneLine } = municipalityVars();
  $("brand-link").textContent = contactCenter;
  $("brand-municipality").textContent = known ? municipality : "";
  $("brand-sub").hidden = !known;
  const footer = $("footer-contact");
  footer.hidden = !known;
  if (!known) return;
  const call = element("a", phoneLine);
  call.href = `tel:${phoneLine.replace(/[^0-9+]/g, "")}`;
  call.setAttribute("aria-label", tx("site.call"));
  footer.replaceChildren(`${municipality} · ${contactCenter} · `, call);
}

function renderNotice() {
  const m = state.municipality;
  const facts = {
    controller: m?.kvkk.controller ?? NEUTRAL.controller,
    retention: m?.kvkk.retention ?? NEUTRAL.retention,
    contact: m?.kvkk.contact ?? null,
  };
  const text = notice(state.lang, facts);
  const container = $("notice-full");
  const parts = [element("h3", text.title)];
  for (const section of text.sections) {
    parts.push(element("h4", section.heading));
    for (const paragraph of section.paragraphs) parts.push(element("p", paragraph));
    if (section.items) {
      const list = element("ul");
      list.append(...section.items.map((item) => element("li", item)));
      parts.push(list);
    }
  }
  container.replaceChildren(...parts);
}

function hasContact() {
  return ["contact-name", "contact-phone", "contact-email"].some((id) => $(id).value.trim() !== "");
}

function updateAcknowledgement() {
  // The acknowledgement is asked only when personal data is given (see README: "The web page").
  const needed = hasContact();
  $("ack-field").hidden = !needed;
  $("notice-ack").required = needed;
}

// --- the form ------------------------------------------------------------------------------------

function updateCounter() {
  const count = [...$("description").value].length;
  $("description-counter").textContent = tx("description.counter", {
    count: formatNumber(count),
    max: formatNumber(descriptionLimits.max),
  });
}

function checkedKind() {
  return document.querySelector('input[name="kind"]:checked')?.value ?? "request";
}

function parseCoordinate(text) {
  const cleaned = text.trim().replace(",", ".");
  return cleaned === "" ? null : Number(cleaned);
}

function validate() {
  // The constraints the inputs declare (required, minlength, maxlength, ranges); formats such as
  // phone and e-mail are the API's to judge, and its 422 is shown the same way.
  const errors = [];
  const description = $("description");
  const length = [...description.value.trim()].length;
  const min = Number(description.getAttribute("minlength") || 0);
  const max = Number(description.getAttribute("maxlength") || Infinity);
  if (description.required && length === 0) errors.push({ id: "description", key: "errors.required" });
  else if (length < min) errors.push({ id: "description", key: "errors.descriptionShort", vars: { min } });
  else if (length > max) errors.push({ id: "description", key: "errors.tooLong", vars: { max } });

  const neighbourhood = $("neighbourhood");
  if (neighbourhood.required && !neighbourhood.value) errors.push({ id: "neighbourhood", key: "errors.choose" });

  const coordinates = {};
  for (const id of ["lat", "lon"]) {
    const input = $(id);
    const value = parseCoordinate(input.value);
    coordinates[id] = value;
    const [low, high] = [Number(input.dataset.min), Number(input.dataset.max)];
    if (value !== null && !(Number.isFinite(value) && value >= low && value <= high)) {
      errors.push({ id, key: `errors.${id}` });
    }
  }
  if ((coordinates.lat === null) !== (coordinates.lon === null)) {
    errors.push({ id: coordinates.lat === null ? "lat" : "lon", key: "errors.location" });
  }
  if ($("notice-ack").required && !$("notice-ack").checked) {
    errors.push({ id: "notice-ack", key: "errors.ack" });
  }
  return errors;
}

function requestBody() {
  const body = { description: $("description").value.trim(), kind: checkedKind(), language: state.lang };
  if ($("category").value) body.category = $("category").value;
  if ($("neighbourhood").value) body.neighbourhood = $("neighbourhood").value;
  const lat = parseCoordinate($("lat").value);
  const lon = parseCoordinate($("lon").value);
  const address = $("address").value.trim();
  if (lat !== null || lon !== null || address) {
    body.location = {};
    if (lat !== null) body.location.lat = lat;
    if (lon !== null) body.location.lon = lon;
    if (address) body.location.address = address;
  }
  const contact = {};
  for (const [field, id] of [
    ["name", "contact-name"],
    ["phone", "contact-phone"],
    ["email", "contact-email"],
  ]) {
    const value = $(id).value.trim();
    if (value) contact[field] = value;
  }
  if (Object.keys(contact).length) body.contact = contact;
  const photos = state.photos.filter((p) => p.key).map((p) => p.key);
  if (photos.length) body.photos = photos;
  return body;
}

// --- photos ----------------------------------------------------------------------------------------
// Each photo goes straight to the private media bucket with a presigned POST the API signs for its
// type and size (S3 refuses anything else); the request then names the uploads by key. Location and
// other metadata are removed on our side before anyone at the municipality sees the photo.

const MAX_PHOTOS = 3;
const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
const PHOTO_TYPES = ["image/jpeg", "image/png", "image/heic", "image/webp"];

function photoType(file) {
  if (PHOTO_TYPES.includes(file.type)) return file.type;
  return /\.heic$/i.test(file.name) && !file.type ? "image/heic" : null; // some browsers leave HEIC untyped
}

async function addPhotos() {
  const input = $("photos");
  const files = [...input.files];
  input.value = "";
  const errors = [];
  if (state.photos.length + files.length > MAX_PHOTOS) errors.push({ id: "photos", key: "errors.photoCount" });
  for (const file of files.slice(0, Math.max(0, MAX_PHOTOS - state.photos.length))) {
    const type = photoType(file);
    if (!type) errors.push({ id: "photos", key: "errors.photoType", vars: { name: file.name } });
    else if (file.size > MAX_PHOTO_BYTES) errors.push({ id: "photos", key: "errors.photoSize", vars: { name: file.name } });
    else {
      const photo = { id: crypto.randomUUID(), name: file.name, status: "uploading", key: null };
      state.photos.push(photo);
      photo.done = uploadPhoto(photo, file, type);
    }
  }
  state.errors = state.errors.filter((e) => e.id !== "photos").concat(errors);
  renderErrors();
  renderPhotos();
}

async function uploadPhoto(photo, file, type) {
  try {
    const signed = await callApi("/requests/photos", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ content_type: type, size: file.size }),
    });
    const upload = await readJson(signed);
    if (signed.status !== 201 || !upload?.url) throw new Error(String(signed.status));
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
    form.append("file", file); // last: S3 ignores fields after the file
    const stored = await fetch(upload.url, { method: "POST", body: form, credentials: "omit", referrerPolicy: "no-referrer" });
    if (!stored.ok) throw new Error(String(stored.status));
    photo.key = upload.key;
    photo.status = "uploaded";
  } catch {
    photo.status = "failed";
  }
  renderPhotos();
}

function removePhoto(id) {
  state.photos = state.photos.filter((p) => p.id !== id);
  renderPhotos();
  $("photos").focus();
}

function renderPhotos() {
  const list = $("photo-list");
  list.replaceChildren(
    ...state.photos.map((photo) => {
      const item = document.createElement("li");
      item.dataset.status = photo.status;
      const name = document.createElement("span");
      name.className = "photo-name";
      name.textContent = photo.name;
      const status = document.createElement("span");
      status.className = "photo-status";
      status.textContent = tx(`photos.${photo.status}`);
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button button-secondary photo-remove";
      remove.textContent = tx("photos.remove");
      remove.setAttribute("aria-label", `${tx("photos.remove")}: ${photo.name}`);
      remove.addEventListener("click", () => removePhoto(photo.id));
      item.append(name, " ", status, " ", remove);
      return item;
    }),
  );
  $("photos").disabled = state.photos.length >= MAX_PHOTOS;
}

async function photosReady() {
  await Promise.all(state.photos.map((p) => p.done));
  if (state.photos.some((p) => p.status === "failed")) return [{ id: "photos", key: "errors.photoUpload" }];
  return [];
}

async function submitRequest(event) {
  event.preventDefault();
  if (state.sending) return;
  const errors = validate();
  if (errors.length) {
    showErrors(errors);
    return;
  }
  showErrors([]);
  setSending(true);
  const photoErrors = await photosReady();
  if (photoErrors.length) {
    setSending(false);
    showErrors(photoErrors);
    return;
  }
  const body = JSON.stringify(requestBody());
  let response;
  try {
    response = await callApi("/requests", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": submissionKey(body) },
      body,
    });
  } catch {
    setSending(false);
    showFormAlert("errors.network");
    return;
  }
  const data = await readJson(response);
  setSending(false);
  if (response.status === 201 && data?.code) {
    state.submission = null;
    state.photos = [];
    renderPhotos();
    showSuccess(data);
  } else if (response.status === 422) {
    showErrors(serverErrors(data));
  } else if (response.status === 413) {
    showFormAlert("errors.tooLarge");
  } else {
    showFormAlert("errors.server");
  }
}

// One key per submission: sending the same form again after a lost answer reuses it, so the API
// answers with the code it already gave instead of filing twice; a changed form is a new submission.
function submissionKey(body) {
  if (state.submission?.body !== body) state.submission = { body, key: crypto.randomUUID() };
  return state.submission.key;
}

function setSending(sending) {
  // aria-disabled, not disabled: a disabled button would drop the keyboard focus to the page.
  state.sending = sending;
  const button = $("submit");
  button.setAttribute("aria-disabled", String(sending));
  button.textContent = tx(sending ? "sending" : "submit");
  $("request-form").setAttribute("aria-busy", String(sending));
}

function serverErrors(data) {
  const fields = Array.isArray(data?.fields) ? data.fields : [];
  const errors = fields.map((f) => {
    const id = FIELD_INPUTS[f.field] ?? (String(f.field).startsWith("photos") ? "photos" : null);
    return { id, key: serverKey(f), vars: serverVars(id), message: String(f.message ?? "") };
  });
  if (!errors.some((e) => e.id)) {
    // Nothing we can point at: say what the API said, at the top of the form.
    const messages = errors.map((e) => e.message).filter(Boolean);
    return [{ id: null, key: messages.length ? null : "errors.server", message: messages.join(" ") }];
  }
  return errors;
}

function serverKey(field) {
  const type = field.type;
  if (type === "missing") return "errors.required";
  if (type === "string_too_long") return "errors.tooLong";
  switch (field.field) {
    case "description":
      return type === "string_too_short" ? "errors.descriptionShort" : null;
    case "contact.phone":
      return "errors.phone";
    case "contact.email":
      return "errors.email";
    case "location":
      return "errors.location";
    case "location.lat":
      return "errors.lat";
    case "location.lon":
      return "errors.lon";
    case "category":
      return type === "unknown_value" ? "errors.unknownCategory" : null;
    case "neighbourhood":
      return type === "unknown_value" ? "errors.unknownNeighbourhood" : null;
    case "kind":
      return "errors.kind";
    default:
      return null;
  }
}

function serverVars(id) {
  const input = id && id !== "kind" ? $(id) : null;
  return {
    min: descriptionLimits.min,
    max: Number(input?.getAttribute("maxlength")) || descriptionLimits.max,
  };
}

// --- errors --------------------------------------------------------------------------------------

function errorParts(id) {
  // What shows an error for a field id: the message element, the control that is marked invalid
  // and described by it, and what receives focus.
  if (id === "kind") {
    const focus = document.querySelector('input[name="kind"]:checked') || $("kind-request");
    return { message: $("kind-error"), described: $("kind-group"), focus, invalid: null };
  }
  const control = $(id);
  return { message: $(`${id}-error`), described: control, focus: control, invalid: control };
}

function errorText(error) {
  return error.key ? tx(error.key, error.vars) : error.message;
}

function showErrors(errors) {
  const byPosition = (a, b) => {
    const [x, y] = [errorParts(a.id).focus, errorParts(b.id).focus];
    if (x === y) return 0;
    return x.compareDocumentPosition(y) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
  };
  const fieldErrors = errors.filter((e) => e.id).sort(byPosition);
  const general = errors.filter((e) => !e.id);
  state.errors = fieldErrors;
  state.formAlert = fieldErrors.length ? { errors: true } : general.length ? { error: general[0] } : null;
  renderErrors();
  renderFormAlert();
  if (fieldErrors.length) errorParts(fieldErrors[0].id).focus.focus();
}

function showFormAlert(key) {
  state.formAlert = { key };
  renderFormAlert();
}

function renderErrors() {
  for (const message of document.querySelectorAll(".field-error")) {
    message.hidden = true;
    message.textContent = "";
  }
  for (const control of document.querySelectorAll("[data-base-describedby]")) {
    const base = control.dataset.baseDescribedby;
    if (base) control.setAttribute("aria-describedby", base);
    else control.removeAttribute("aria-describedby");
    control.removeAttribute("aria-invalid");
    delete control.dataset.baseDescribedby;
  }
  for (const error of [...state.errors, ...state.trackErrors]) {
    const { message, described, invalid } = errorParts(error.id);
    if (!message.hidden) {
      message.textContent += ` ${errorText(error)}`;
      continue;
    }
    message.textContent = errorText(error);
    message.hidden = false;
    const base = described.getAttribute("aria-describedby") || "";
    described.dataset.baseDescribedby = base;
    const ids = base.split(/\s+/).filter((x) => x && x !== message.id);
    described.setAttribute("aria-describedby", [message.id, ...ids].join(" "));
    if (invalid) invalid.setAttribute("aria-invalid", "true");
  }
}

function labelText(id) {
  if (id === "kind") return $("kind-group").querySelector("legend").textContent.trim();
  const label = document.querySelector(`label[for="${id}"]`);
  const main = label?.querySelector("[data-i18n]") || label;
  return main ? main.textContent.trim() : id;
}

function renderFormAlert() {
  const region = $("form-alert");
  region.replaceChildren();
  const alert = state.formAlert;
  if (!alert) return;
  const box = element("div", null, "alert alert-error");
  if (alert.errors) {
    box.append(element("p", tx("errors.summary"), "alert-title"));
    const list = element("ul");
    for (const error of state.errors) {
      // Specific messages stand alone; generic ones ("Fill in this field.") get the field's name.
      const generic = !error.key || GENERIC_ERRORS.has(error.key);
      const link = element("a", generic ? `${labelText(error.id)}: ${errorText(error)}` : errorText(error));
      link.href = `#${errorParts(error.id).focus.id}`;
      link.addEventListener("click", (event) => {
        event.preventDefault();
        errorParts(error.id).focus.focus();
      });
      const item = element("li");
      item.append(link);
      list.append(item);
    }
    box.append(list);
  } else if (alert.error) {
    box.append(element("p", errorText(alert.error)));
  } else {
    box.append(element("p", tx(alert.key)));
  }
  region.append(box);
}

// --- success -------------------------------------------------------------------------------------

function showSuccess(accepted) {
  state.accepted = accepted;
  state.errors = [];
  state.formAlert = null;
  renderErrors();
  renderFormAlert();
  $("request-form").reset();
  setStatus("locate-status", null);
  setStatus("copy-status", null);
  updateAcknowledgement();
  updateCounter();
  renderCategoryDescription();
  showFilePanel();
  $("success-title").focus();
}

function showFilePanel() {
  const done = Boolean(state.accepted);
  $("request-form").hidden = done;
  $("success").hidden = !done;
  for (const el of document.querySelectorAll(".form-only")) el.hidden = done;
  if (done) renderSuccess();
}

function renderSuccess() {
  const { code, due_at: dueAt } = state.accepted;
  $("success-code").textContent = code;
  $("success-deadline").textContent = tx("success.deadline", { date: formatDate(dueAt, true) });
  $("success-track").href = `#/track?code=${encodeURIComponent(code)}`;
}

async function copyCode() {
  const code = state.accepted?.code;
  if (!code) return;
  try {
    await navigator.clipboard.writeText(code);
    setStatus("copy-status", "success.copied");
  } catch {
    // No clipboard access: select the code so that it can be copied by hand.
    const range = document.createRange();
    range.selectNodeContents($("success-code"));
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    setStatus("copy-status", "success.copyFailed");
  }
}

function newRequest() {
  state.accepted = null;
  showFilePanel();
  $("file-title").focus();
}

// --- location ------------------------------------------------------------------------------------

function locate() {
  if (!("geolocation" in navigator)) {
    setStatus("locate-status", "location.unsupported");
    return;
  }
  setStatus("locate-status", "location.locating");
  navigator.geolocation.getCurrentPosition(
    (position) => {
      $("lat").value = position.coords.latitude.toFixed(6);
      $("lon").value = position.coords.longitude.toFixed(6);
      setStatus("locate-status", "location.found", { accuracy: Math.round(position.coords.accuracy) });
    },
    (error) => {
      const denied = error.code === error.PERMISSION_DENIED;
      setStatus("locate-status", denied ? "location.denied" : "location.unavailable");
    },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
  );
}

// --- tracking ------------------------------------------------------------------------------------

export function normalizeCode(text) {
  // As civicdesk.codes.normalize: lower case, dashes, spaces and dots are fine; Turkish ı/İ fold to I.
  const folded = String(text).replace(/ı/g, "i").replace(/İ/g, "I").trim();
  const candidate = folded.replace(/[\s\-_.]/g, "").toUpperCase();
  return CODE_PATTERN.test(candidate) ? candidate : null;
}

export function displayCode(code) {
  return code.match(/.{1,3}/g).join("-");
}

async function lookUp(raw) {
  state.trackErrors = [];
  renderErrors();
  const code = normalizeCode(raw);
  if (!code) {
    state.tracked = null;
    $("track-result").hidden = true;
    setStatus("track-status", null);
    state.trackErrors = [{ id: "track-code", key: "track.invalid" }];
    renderErrors();
    $("track-code").focus();
    return;
  }
  const shown = displayCode(code);
  $("track-code").value = shown;
  const url = new URL(window.location.href);
  url.hash = `#/track?code=${shown}`;
  window.history.replaceState(null, "", url);
  setStatus("track-announce", null);
  setStatus("track-status", "track.loading");
  let response;
  try {
    response = await callApi(`/requests/${encodeURIComponent(code)}`);
  } catch {
    setStatus("track-status", "errors.network");
    return;
  }
  if (response.status === 404) {
    state.tracked = null;
    $("track-result").hidden = true;
    setStatus("track-status", "track.notFound");
    return;
  }
  const data = response.ok ? await readJson(response) : null;
  if (!data) {
    setStatus("track-status", "errors.server");
    return;
  }
  state.tracked = data;
  setStatus("track-status", null);
  renderTracked();
  // Screen readers hear the outcome; the result itself follows the form.
  setStatus("track-announce", "track.found", { code: data.code, status: data.status_name?.[state.lang] ?? "" });
}

function kindName(code) {
  const kind = (state.catalog?.kinds || []).find((k) => k.code === code);
  return kind ? kind.name[state.lang] : tx(`kind.${code}`);
}

function renderTracked() {
  const data = state.tracked;
  const notYet = tx("track.notYet");
  $("result-title").textContent = tx("track.resultTitle", { code: data.code });
  const facts = [
    ["track.status", element("strong", data.status_name?.[state.lang] ?? data.status, "status-badge")],
    ["track.kind", kindName(data.kind)],
    ["track.category", data.category?.name?.[state.lang] ?? notYet],
    ["track.department", data.department?.name?.[state.lang] ?? notYet],
    ["track.neighbourhood", data.neighbourhood?.name ?? "—"],
    ["track.received", timeElement(data.received_at)],
    ["track.updated", timeElement(data.updated_at)],
    ["track.due", timeElement(data.due_at)],
    ["track.firstResponse", data.first_response_at ? timeElement(data.first_response_at) : tx("track.none")],
  ];
  const list = $("result-facts");
  list.replaceChildren();
  for (const [key, value] of facts) {
    const row = element("div", null, "fact");
    const dd = element("dd");
    dd.append(value);
    row.append(element("dt", tx(key)), dd);
    list.append(row);
  }
  const timeline = $("result-timeline");
  timeline.replaceChildren(
    ...(data.timeline || []).map((entry) => {
      const item = element("li");
      item.append(timeElement(entry.at));
      const title = element("p", entry.title?.[state.lang] ?? entry.type, "timeline-title");
      item.append(title);
      if (entry.status && entry.type === "status_changed") {
        item.append(element("p", STATUS_NAMES[state.lang][entry.status] ?? entry.status, "timeline-status"));
      }
      if (entry.text) item.append(element("p", entry.text, "timeline-text"));
      return item;
    }),
  );
  $("track-result").hidden = false;
}

// --- views ---------------------------------------------------------------------------------------

function parseRoute() {
  const hash = window.location.hash;
  if (hash.startsWith("#/track")) {
    const rest = hash.slice("#/track".length);
    let code = null;
    if (rest.startsWith("?")) code = new URLSearchParams(rest.slice(1)).get("code");
    else if (rest.startsWith("/") && rest.length > 1) code = decodeURIComponent(rest.slice(1));
    return { view: "track", code };
  }
  if (hash === "" || hash === "#" || hash.startsWith("#/")) return { view: "file", code: null };
  return null; // an in-page link such as the skip link: not a view change
}

function showView(view, moveFocus) {
  state.view = view;
  $("view-file").hidden = view !== "file";
  $("view-track").hidden = view !== "track";
  for (const [id, name] of [
    ["nav-file", "file"],
    ["nav-track", "track"],
  ]) {
    if (name === view) $(id).setAttribute("aria-current", "page");
    else $(id).removeAttribute("aria-current");
  }
  if (view === "file") showFilePanel();
  updateTitle();
  if (moveFocus) $(view === "file" ? (state.accepted ? "success-title" : "file-title") : "track-title").focus();
}

function updateTitle() {
  const heading = state.view === "track" ? "track.title" : state.accepted ? "success.title" : "nav.file";
  const { municipality, contactCenter } = municipalityVars();
  const site = state.municipality ? `${contactCenter} · ${municipality}` : contactCenter;
  document.title = `${tx(heading)} · ${site}`;
}

function route(moveFocus) {
  let target = parseRoute();
  if (!target) return;
  if (!window.location.hash) {
    // A link such as https://.../?code=7KP-M4Y-P2T (sent by SMS) opens the tracking view.
    const code = new URLSearchParams(window.location.search).get("code");
    if (code) target = { view: "track", code };
  }
  showView(target.view, moveFocus);
  if (target.view === "track" && target.code) {
    $("track-code").value = target.code;
    lookUp(target.code);
  }
}

// --- start ---------------------------------------------------------------------------------------

function bind() {
  $("lang-switch").addEventListener("click", switchLanguage);
  $("skip-link").addEventListener("click", (event) => {
    event.preventDefault();
    $("main").focus();
  });
  $("request-form").addEventListener("submit", submitRequest);
  $("description").addEventListener("input", updateCounter);
  $("category").addEventListener("change", renderCategoryDescription);
  for (const id of ["contact-name", "contact-phone", "contact-email"]) {
    $(id).addEventListener("input", updateAcknowledgement);
  }
  $("locate").addEventListener("click", locate);
  $("photos").addEventListener("change", addPhotos);
  $("copy-code").addEventListener("click", copyCode);
  $("new-request").addEventListener("click", newRequest);
  $("track-form").addEventListener("submit", (event) => {
    event.preventDefault();
    lookUp($("track-code").value);
  });
  window.addEventListener("hashchange", () => route(true));
}

async function start() {
  const description = $("description");
  descriptionLimits.min = Number(description.getAttribute("minlength")) || descriptionLimits.min;
  descriptionLimits.max = Number(description.getAttribute("maxlength")) || descriptionLimits.max;
  state.lang = initialLanguage();
  configured = loadConfig().then((config) => {
    state.municipality = config.municipality;
    if (config.municipality) applyTexts();
    return config.apiUrl;
  });
  bind();
  applyTexts();
  updateAcknowledgement();
  route(false);
  await loadCatalog();
  document.documentElement.dataset.ready = "true";
}

start();
