// The staff console: take a call, work a queue, route triage, act on a request. A plain ES module on
// the staff API alone: no framework, no build step, nothing from another origin. Text from the API
// or the keyboard reaches the page through textContent and DOM APIs only, never parsed as markup.
// What a role may do is the API's to decide (`GET /staff/me` lists it); the console only offers it.

import { Session, SignInError } from "./auth.js";
import { ApiError, send } from "./http.js";
import { DEFAULT_LANGUAGE, LANGUAGES, t } from "./i18n.js";

const LANG_KEY = "civicdesk.lang";
const TIME_ZONE = "Europe/Istanbul";
const LOCALES = { tr: "tr-TR", en: "en-GB" };
const LOOKUP_DELAY_MS = 350;
const SUGGEST_DELAY_MS = 400;
const PAGE_SIZE = 25;
const TRIAGE_SIZE = 20;
const STATUSES = ["received", "routed", "in_progress", "resolved", "rejected", "triage", "closed", "reopened"];
const STAFF_STATUSES = ["in_progress", "resolved", "rejected", "reopened"];
const KINDS = ["request", "complaint", "suggestion", "information", "thanks"];
const REASONS = ["duplicate", "not_ours", "invalid"];
const OTHER_INSTITUTION = "*"; // the list's last choice: an institution we have no channel to, typed in

// Where each `fields[].field` of a 422 answer is shown, per form.
const FIELD_INPUTS = {
  call: {
    description: "call-description",
    category: "call-category",
    neighbourhood: "call-neighbourhood",
    channel: "call-channel",
    location: "call-address",
    "location.address": "call-address",
    contact: "call-phone",
    "contact.phone": "call-phone",
    "contact.name": "call-name",
  },
  reply: { text: "reply-text" },
  note: { text: "note-text" },
  status: {
    status: "status-new",
    text: "status-text",
    reason: "status-reason",
    duplicate_of: "status-duplicate",
    referred_to: "status-referred", // or the institution list: see `errorInput`
    institution: "status-institution", // not an API field: where a missing `referred_to` is shown
  },
  transfer: { department: "transfer-department", text: "transfer-text" },
  contact: { reason: "contact-reason" },
};

const $ = (id) => document.getElementById(id);

const state = {
  lang: DEFAULT_LANGUAGE,
  config: null,
  session: null,
  challenge: null, // the pool's step being answered: {name, session, username, account}
  me: null,
  catalog: null,
  templates: [],
  view: null,
  call: { categoryChosen: false, neighbourhoodChosen: false, suggestion: null, looked: "", key: null, sent: null, done: null },
  queue: { mode: "queue", items: [], cursor: null, query: "" },
  triage: [],
  request: null, // {data, etag}
  contact: null,
  alerts: {}, // region id -> {key, vars, entries}
  errors: {}, // form -> [{id, text}]
};

// --- language and formatting ------------------------------------------------------------------------

function tx(key, vars) {
  return t(state.lang, key, vars);
}

function initialLanguage() {
  try {
    const stored = window.localStorage.getItem(LANG_KEY);
    return LANGUAGES.includes(stored) ? stored : DEFAULT_LANGUAGE;
  } catch {
    return DEFAULT_LANGUAGE;
  }
}

function switchLanguage() {
  state.lang = state.lang === "tr" ? "en" : "tr";
  try {
    window.localStorage.setItem(LANG_KEY, state.lang);
  } catch {
    /* storage disabled */
  }
  applyTexts();
}

function formatDate(iso, withZone = false) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const text = new Intl.DateTimeFormat(LOCALES[state.lang], {
    timeZone: TIME_ZONE,
    dateStyle: "medium",
    timeStyle: "short",
  }).format(date);
  return withZone ? `${text} (${tx("time.zone")})` : text;
}

function timeElement(iso) {
  const time = element("time", formatDate(iso));
  time.dateTime = iso;
  return time;
}

// Likely duplicates: the API's hints (same category, recent, close by or similar words), each a link to
// that request and a button that prepares this one's rejection as its duplicate (staff still confirm).
function renderLikely(data) {
  const hints = data.likely_duplicates || [];
  $("request-likely").hidden = hints.length === 0;
  $("request-likely-list").replaceChildren(
    ...hints.map((hint) => {
      const item = element("li");
      item.dataset.code = hint.code;
      const link = element("a", hint.code, "code");
      link.href = `#/r/${hint.code}`;
      const why = hint.reason === "nearby"
        ? tx("request.likelyNearby", { metres: Math.round(hint.distance_m) })
        : tx("request.likelySimilar", { share: Math.round((hint.similarity || 0) * 100) });
      const use = element("button", tx("request.likelyUse"), "button button-secondary");
      use.type = "button";
      use.hidden = !may("change_status");
      use.addEventListener("click", () => {
        const form = $("status-form");
        form.querySelector("[name=status]").value = "rejected";
        form.querySelector("[name=status]").dispatchEvent(new Event("change", { bubbles: true }));
        const reason = form.querySelector("[name=reason]");
        if (reason) {
          reason.value = "duplicate";
          reason.dispatchEvent(new Event("change", { bubbles: true }));
        }
        $("status-duplicate").value = hint.code;
        $("status-duplicate").focus();
      });
      item.append(link, ` · ${tx(`status.${hint.status}`)} · ${why} `, use);
      return item;
    }),
  );
}

function element(tag, text, className) {
  const el = document.createElement(tag);
  if (text !== undefined && text !== null) el.textContent = text;
  if (className) el.className = className;
  return el;
}

function option(value, text) {
  const el = element("option", text);
  el.value = value;
  return el;
}

function fillSelect(select, options, keep = true) {
  const chosen = select.value;
  select.replaceChildren(...options.map(([value, text]) => option(value, text)));
  if (keep && options.some(([value]) => value === chosen)) select.value = chosen;
}

const named = (list, code) => list?.find((x) => x.code === code);
const categoryName = (code) => named(state.catalog?.categories, code)?.name[state.lang] ?? code ?? "—";
const departmentName = (code) => named(state.catalog?.departments, code)?.name[state.lang] ?? code ?? "—";
const institutionName = (code) => named(state.me?.institutions, code)?.name[state.lang] ?? code ?? "—";
const placeName = (code) => named(state.catalog?.neighbourhoods, code)?.name ?? code ?? "—";
const may = (action) => Boolean(state.me?.actions.includes(action));

function applyTexts() {
  document.documentElement.lang = state.lang;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = tx(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-aria-label]")) {
    el.setAttribute("aria-label", tx(el.dataset.i18nAriaLabel));
  }
  const switcher = $("lang-switch");
  switcher.lang = state.lang === "tr" ? "en" : "tr";
  renderWho();
  renderDemo();
  if (state.catalog) renderOptions();
  renderCallSuggestion();
  if (state.call.done) renderCallDone();
  renderCaller();
  renderQueue();
  renderTriage();
  if (state.request) renderRequest();
  renderContact();
  for (const id of Object.keys(state.alerts)) renderAlert(id);
  for (const form of Object.keys(state.errors)) renderErrors(form);
  updateTitle();
}

function updateTitle() {
  const heading = { signin: "signin.title", call: "call.title", queue: "queue.title", triage: "triage.title" };
  const main =
    state.view === "request" && state.request
      ? tx("request.title", { code: state.request.data.code })
      : state.view === "attention"
        ? tx("attention.title")
        : tx(heading[state.view] ?? "brand.name");
  document.title = `${main} · ${tx("brand.name")}`;
}

// --- alerts and field errors ------------------------------------------------------------------------

function setAlert(id, key, vars, entries) {
  if (key) state.alerts[id] = { key, vars, entries };
  else delete state.alerts[id];
  renderAlert(id);
}

function renderAlert(id) {
  const region = $(id);
  region.replaceChildren();
  const alert = state.alerts[id];
  if (!alert) return;
  const box = element("div", null, "alert alert-error");
  box.append(element("p", tx(alert.key, alert.vars), "alert-title"));
  if (alert.entries) {
    const list = element("ul");
    for (const entry of alert.entries) list.append(element("li", entrySummary(entry)));
    box.append(list, element("p", tx("request.conflictKeep")));
  }
  region.append(box);
}

function showErrors(form, fields) {
  const inputs = FIELD_INPUTS[form];
  state.errors[form] = fields.map((f) => ({ id: errorInput(form, f.field) ?? Object.values(inputs)[0], text: f.message }));
  renderErrors(form);
  const first = state.errors[form][0];
  if (first) $(first.id).focus();
}

// `referred_to` is typed only under "Other"; otherwise it is the institution list that needs a choice.
function errorInput(form, field) {
  if (form === "status" && field === "referred_to" && !typedReferral()) return "status-institution";
  return FIELD_INPUTS[form][field];
}

function clearErrors(form) {
  state.errors[form] = [];
  renderErrors(form);
}

function renderErrors(form) {
  for (const id of new Set(Object.values(FIELD_INPUTS[form]))) {
    const input = $(id);
    const message = $(`${id}-error`);
    input.removeAttribute("aria-invalid");
    if (!message) continue;
    message.hidden = true;
    message.textContent = "";
    const described = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter((x) => x && x !== message.id);
    if (described.length) input.setAttribute("aria-describedby", described.join(" "));
    else input.removeAttribute("aria-describedby");
  }
  for (const error of state.errors[form] || []) {
    const input = $(error.id);
    const message = $(`${error.id}-error`);
    input.setAttribute("aria-invalid", "true");
    if (!message) continue;
    message.textContent = message.hidden ? error.text : `${message.textContent} ${error.text}`;
    message.hidden = false;
    const described = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    input.setAttribute("aria-describedby", [message.id, ...described.filter((x) => x !== message.id)].join(" "));
  }
}

// --- the API ---------------------------------------------------------------------------------------

async function api(path, options = {}) {
  const token = await state.session.idToken().catch(() => null);
  if (!token) {
    expired();
    throw new ApiError(401, null);
  }
  const response = await send(path, token, options);
  const data = await response.json().catch(() => null);
  if (response.status === 401) expired();
  if (!response.ok) throw new ApiError(response.status, data);
  return { data, etag: response.headers.get("ETag") };
}

// The words for an API failure that is not a field's (those are shown next to the field).
function failureKey(error) {
  return (
    { 0: "errors.network", 403: "errors.forbidden", 404: "errors.notFound", 409: "errors.conflictStatus" }[
      error.status
    ] ?? "errors.server"
  );
}

function expired() {
  if (!state.session?.signedIn && state.view === "signin") return;
  state.session?.signOut();
  setAlert("signin-alert", "errors.expired");
}

// --- sign in ---------------------------------------------------------------------------------------

async function loadConfig() {
  const response = await fetch("config.json", { cache: "no-cache", credentials: "omit" });
  if (!response.ok) throw new Error(`config: HTTP ${response.status}`);
  return response.json();
}

function renderDemo() {
  const demo = state.config?.demo;
  $("demo").hidden = !demo || Boolean(state.challenge);
  if (!demo) return;
  $("demo-password").textContent = tx("signin.demoPassword", { password: demo.password });
  $("demo-users").replaceChildren(
    ...demo.users.map((user) => {
      const item = element("li");
      const fill = element("button", tx("signin.use", { username: user.username }), "link-button");
      fill.type = "button";
      fill.addEventListener("click", () => {
        $("signin-username").value = user.username;
        $("signin-password").value = demo.password;
        $("signin-submit").focus();
      });
      const roles = user.roles.map((r) => tx(`roles.${r}`)).join(", ");
      const departments = user.departments.map(departmentName).join(", ");
      item.append(fill, element("span", ` — ${roles}${departments ? ` (${departments})` : ""}`, "muted"));
      return item;
    }),
  );
}

async function signIn(event) {
  event.preventDefault();
  const username = $("signin-username").value.trim();
  const password = $("signin-password").value;
  if (!username || !password) {
    setAlert("signin-alert", "errors.credentials");
    return;
  }
  const button = $("signin-submit");
  button.setAttribute("aria-disabled", "true");
  button.textContent = tx("signin.busy");
  try {
    const step = await state.session.signIn(username, password);
    setAlert("signin-alert", null);
    $("signin-password").value = "";
    if (step) await showChallenge(step);
  } catch (error) {
    setAlert("signin-alert", `errors.${error instanceof SignInError ? error.kind : "service"}`);
    $("signin-username").focus();
  } finally {
    button.removeAttribute("aria-disabled");
    button.textContent = tx("signin.submit");
  }
}

// --- the pool's challenges: new password, TOTP app set-up, TOTP code -------------------------------

const STEPS = {
  NEW_PASSWORD_REQUIRED: { title: "challenge.passwordTitle", parts: ["step-password"], focus: "new-password" },
  MFA_SETUP: { title: "challenge.setupTitle", parts: ["step-setup", "step-code"], focus: "totp-secret" },
  SOFTWARE_TOKEN_MFA: { title: "challenge.codeTitle", parts: ["step-code"], focus: "totp-code" },
};

async function showChallenge(step) {
  if (step.name === "MFA_SETUP") {
    const { secret, uri } = await state.session.totpSecret(step);
    $("totp-secret").value = secret;
    $("totp-uri").value = uri;
  }
  state.challenge = step;
  const shape = STEPS[step.name];
  $("signin-form").hidden = true;
  $("demo").hidden = true;
  $("challenge-form").hidden = false;
  $("challenge-title").dataset.i18n = shape.title;
  $("challenge-title").textContent = tx(shape.title);
  for (const part of ["step-password", "step-setup", "step-code"]) $(part).hidden = !shape.parts.includes(part);
  for (const id of ["new-password", "new-password-again", "totp-code"]) $(id).value = "";
  setAlert("challenge-alert", null);
  $(shape.focus).focus();
}

function endChallenge() {
  state.challenge = null;
  for (const id of ["new-password", "new-password-again", "totp-code", "totp-secret", "totp-uri"]) $(id).value = "";
  setAlert("challenge-alert", null);
  $("challenge-form").hidden = true;
  $("signin-form").hidden = false;
  renderDemo();
}

function cancelChallenge() {
  endChallenge();
  $("signin-username").focus();
}

async function answerChallenge(event) {
  event.preventDefault();
  const step = state.challenge;
  if (!step) return;
  const button = $("challenge-submit");
  if (button.getAttribute("aria-disabled") === "true") return;
  const code = $("totp-code").value.replace(/\s/g, "");
  let next;
  if (step.name === "NEW_PASSWORD_REQUIRED") {
    const password = $("new-password").value;
    if (!password) return challengeFailed("password", "new-password");
    if (password !== $("new-password-again").value) return challengeFailed("mismatch", "new-password-again");
    next = () => state.session.newPassword(step, password);
  } else if (!/^\d{6}$/.test(code)) {
    return challengeFailed("code", "totp-code");
  } else if (step.name === "MFA_SETUP") {
    next = () => state.session.confirmTotp(step, code);
  } else {
    next = () => state.session.totpCode(step, code);
  }
  button.setAttribute("aria-disabled", "true");
  try {
    const following = await next();
    if (following) await showChallenge(following);
    else endChallenge();
  } catch (error) {
    const kind = error instanceof SignInError ? error.kind : "service";
    if (kind === "session" || kind === "credentials") {
      endChallenge();
      setAlert("signin-alert", "errors.session");
      $("signin-username").focus();
    } else {
      challengeFailed(kind, kind === "password" ? "new-password" : kind === "code" ? "totp-code" : null);
    }
  } finally {
    button.removeAttribute("aria-disabled");
  }
}

function challengeFailed(kind, field) {
  setAlert("challenge-alert", `errors.${kind}`);
  if (field === "new-password") $("new-password-again").value = "";
  if (field) {
    $(field).value = "";
    $(field).focus();
  }
}

async function sessionChanged(session) {
  if (!session.signedIn) {
    state.me = null;
    state.request = null;
    renderWho();
    route(true);
    return;
  }
  if (state.me) return; // a refresh: same person, new tokens
  await startWork();
}

async function startWork() {
  try {
    const [me, catalog] = await Promise.all([api("/staff/me"), fetchCatalog()]);
    state.me = me.data;
    state.catalog = catalog;
    state.templates = may("read_templates") ? (await api("/staff/templates")).data.templates : [];
    state.notice = may("file") ? (await api("/staff/privacy/notice")).data : null;
  } catch (error) {
    setAlert("signin-alert", failureKey(error));
    return;
  }
  renderWho();
  renderOptions();
  if (!window.location.hash || window.location.hash === "#/" || window.location.hash === "#/signin") {
    window.location.hash = may("file") ? "#/call" : "#/queue";
  } else {
    route(true);
  }
}

async function fetchCatalog() {
  const response = await fetch("/catalog", { credentials: "omit", headers: { Accept: "application/json" } });
  if (!response.ok) throw new ApiError(response.status, null);
  return response.json();
}

function renderWho() {
  const me = state.me;
  $("who").hidden = !me;
  $("sign-out").hidden = !me;
  $("nav").hidden = !me;
  if (!me) return;
  $("who-name").textContent = me.username;
  const departments = me.departments.map(departmentName);
  $("who-roles").textContent = [me.roles.map((r) => tx(`roles.${r}`)).join(", "), ...departments].join(" · ");
  for (const item of document.querySelectorAll("#nav [data-needs]")) item.hidden = !item.dataset.needs.split(" ").some(may);
}

// --- catalogue options -----------------------------------------------------------------------------

function renderOptions() {
  const catalog = state.catalog;
  const collator = new Intl.Collator("tr");
  const categories = catalog.categories.map((c) => [c.code, c.name[state.lang]]);
  const places = catalog.neighbourhoods
    .map((n) => [n.code, n.name])
    .sort((a, b) => collator.compare(a[1], b[1]));
  const departments = catalog.departments.map((d) => [d.code, d.name[state.lang]]);
  const kinds = KINDS.map((k) => [k, named(catalog.kinds, k)?.name[state.lang] ?? tx(`kind.${k}`)]);
  $("call-notice").hidden = !state.notice;
  $("call-notice-text").textContent = state.notice ? state.notice[state.lang] : "";
  fillSelect($("call-category"), [["", tx("call.categoryNone")], ...categories]);
  fillSelect($("call-neighbourhood"), [["", tx("call.neighbourhoodNone")], ...places]);
  fillSelect($("call-kind"), kinds);
  fillSelect($("call-channel"), (state.me?.channels ?? []).map((c) => [c, tx(`channel.${c}`)]));
  fillSelect($("f-status"), [["", tx("queue.statusAny")], ...STATUSES.map((s) => [s, tx(`status.${s}`)])]);
  fillSelect($("f-category"), [["", tx("queue.any")], ...categories]);
  fillSelect($("f-neighbourhood"), [["", tx("queue.any")], ...places]);
  const own = state.me?.departments ?? [];
  const seesAll = may("classify") || may("file") || state.me?.roles.includes("admin");
  const choices = seesAll ? departments : departments.filter(([code]) => own.includes(code));
  fillSelect($("f-department"), [["", tx(seesAll ? "queue.any" : "queue.departmentMine")], ...choices]);
  $("f-overdue-field").hidden = !may("classify");
  fillSelect($("status-new"), STAFF_STATUSES.map((s) => [s, tx(`status.${s}`)]));
  fillSelect($("status-reason"), [["", tx("request.reasonChoose")], ...REASONS.map((r) => [r, tx(`reason.${r}`)])]);
  // each institution with how it will be reached, so staff know whether anything is sent
  const institutions = (state.me?.institutions ?? []).map((i) => [i.code, `${i.name[state.lang]} (${tx(`institution.${i.via}`)})`]);
  fillSelect($("status-institution"), [
    ["", tx("request.referredChoose")],
    ...institutions,
    [OTHER_INSTITUTION, tx("request.referredOther")],
  ]);
}

// --- a new call ------------------------------------------------------------------------------------

let lookupTimer = null;
let suggestTimer = null;

function digits(text) {
  return text.replace(/\D/g, "");
}

function phoneChanged() {
  window.clearTimeout(lookupTimer);
  const phone = $("call-phone").value.trim();
  if (digits(phone).length < 10 || !may("lookup_caller")) {
    state.call.caller = null;
    renderCaller();
    return;
  }
  lookupTimer = window.setTimeout(() => lookUpCaller(phone), LOOKUP_DELAY_MS);
}

async function lookUpCaller(phone) {
  if (state.call.looked === digits(phone)) return;
  state.call.looked = digits(phone);
  state.call.caller = { loading: true, items: [] };
  renderCaller();
  try {
    const { data } = await api(`/staff/citizens/requests?phone=${encodeURIComponent(phone)}`);
    if (state.call.looked === digits(phone)) state.call.caller = { loading: false, items: data.requests };
  } catch {
    state.call.caller = null; // a number the API cannot read: the form says so on submit
    state.call.looked = "";
  }
  renderCaller();
}

function renderCaller() {
  const caller = state.call.caller;
  $("caller").hidden = !caller;
  if (!caller) return;
  const status = caller.loading
    ? tx("call.historyLoading")
    : caller.items.length
      ? tx("call.historyCount", { count: caller.items.length })
      : tx("call.historyNone");
  $("caller-status").textContent = status;
  $("caller-list").replaceChildren(...caller.items.map((item) => queueCard(item, true)));
}

function descriptionChanged() {
  window.clearTimeout(suggestTimer);
  const text = $("call-description").value.trim();
  if (text.length < 10) return;
  suggestTimer = window.setTimeout(() => suggest(text), SUGGEST_DELAY_MS);
}

async function suggest(text) {
  try {
    const { data } = await api("/staff/suggestions", { method: "POST", body: { text } });
    if ($("call-description").value.trim() !== text) return; // the agent typed on: a newer guess follows
    state.call.suggestion = data;
    if (!state.call.categoryChosen && data.category !== "other") $("call-category").value = data.category;
    if (!state.call.neighbourhoodChosen && data.neighbourhood) $("call-neighbourhood").value = data.neighbourhood;
  } catch {
    state.call.suggestion = null; // no guess: the agent chooses, or the router decides
  }
  renderCallSuggestion();
}

function renderCallSuggestion() {
  const guess = state.call.suggestion;
  const text = !guess
    ? ""
    : guess.category === "other"
      ? tx("call.suggestedOther")
      : tx("call.suggested", {
          category: categoryName(guess.category),
          confidence: Math.round(guess.confidence * 100),
        });
  $("call-suggestion").textContent = text;
}

function callBody() {
  const value = (id) => $(id).value.trim();
  const body = { channel: value("call-channel"), description: value("call-description"), kind: value("call-kind") };
  if (value("call-category")) body.category = value("call-category");
  if (value("call-neighbourhood")) body.neighbourhood = value("call-neighbourhood");
  if (value("call-address")) body.location = { address: value("call-address") };
  if (value("call-phone") || value("call-name")) {
    body.contact = { notify: $("call-notify").checked };
    if (value("call-phone")) body.contact.phone = value("call-phone");
    if (value("call-name")) body.contact.name = value("call-name");
  }
  body.language = state.lang;
  return body;
}

async function fileCall(event) {
  event.preventDefault();
  if (state.call.sending) return;
  clearErrors("call");
  setAlert("call-alert", null);
  const body = callBody();
  // The same form sent again (an answer lost on the way) keeps its Idempotency-Key: filed once.
  const same = JSON.stringify(body) === state.call.sent;
  if (!same) {
    state.call.sent = JSON.stringify(body);
    state.call.key = crypto.randomUUID();
  }
  state.call.sending = true;
  const button = $("call-submit");
  button.setAttribute("aria-disabled", "true");
  button.textContent = tx("call.sending");
  try {
    const { data } = await api("/staff/requests", {
      method: "POST",
      body,
      headers: { "Idempotency-Key": state.call.key },
    });
    state.call.done = data;
    renderCallDone();
    $("call-done-title").focus();
  } catch (error) {
    if (error.status === 422 || error.status === 400) showErrors("call", error.body?.fields ?? []);
    if (!(error.status === 422 && error.body?.fields?.length)) setAlert("call-alert", failureKey(error));
  } finally {
    state.call.sending = false;
    button.removeAttribute("aria-disabled");
    button.textContent = tx("call.submit");
  }
}

function renderCallDone() {
  const done = state.call.done;
  $("call-form").hidden = Boolean(done);
  $("call-done").hidden = !done;
  if (!done) return;
  $("call-code").textContent = done.code;
  $("call-deadline").textContent = tx("call.deadline", { date: formatDate(done.due_at, true) });
  $("call-open").href = `#/r/${done.code}`;
}

function nextCall() {
  state.call = { ...state.call, categoryChosen: false, neighbourhoodChosen: false, suggestion: null, looked: "" };
  state.call.caller = null;
  state.call.done = null;
  state.call.sent = null;
  $("call-form").reset();
  renderCallDone();
  renderCaller();
  renderCallSuggestion();
  $("call-phone").focus();
}

// --- queues ----------------------------------------------------------------------------------------

function queueQuery(mode) {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  const value = (id) => $(id).value;
  for (const [id, name] of [
    ["f-status", "status"],
    ["f-category", "category"],
    ["f-neighbourhood", "neighbourhood"],
    ["f-department", "department"],
    ["f-sort", "sort"],
  ]) {
    if (value(id)) params.set(name, value(id));
  }
  // A day in Istanbul, from its first minute to its last.
  if (value("f-from")) params.set("from", `${value("f-from")}T00:00:00+03:00`);
  if (value("f-to")) params.set("to", `${value("f-to")}T23:59:59+03:00`);
  if ($("f-overdue").checked || mode === "attention-overdue") params.set("overdue", "true");
  if ($("f-transfer").checked) params.set("transfer_asked", "true");
  return params.toString();
}

async function loadQueue(more = false) {
  const queue = state.queue;
  if (!more) {
    queue.query = queueQuery(queue.mode);
    queue.items = [];
    queue.cursor = null;
  }
  setAlert("queue-alert", null);
  $("queue-status").textContent = tx("loading");
  const cursor = more && queue.cursor ? `&cursor=${encodeURIComponent(queue.cursor)}` : "";
  try {
    const { data } = await api(`/staff/requests?${queue.query}${cursor}`);
    queue.items = [...queue.items, ...data.items];
    queue.cursor = data.next_cursor;
  } catch (error) {
    setAlert("queue-alert", failureKey(error));
  }
  queue.loaded = true;
  renderQueue();
}

function renderQueue() {
  const queue = state.queue;
  $("queue-more").hidden = !queue.cursor;
  if (!queue.loaded) return;
  $("queue-status").textContent = queue.items.length
    ? tx("queue.count", { count: queue.items.length })
    : tx("queue.empty");
  $("queue-list").replaceChildren(...queue.items.map((item) => queueCard(item)));
}

function badge(text, kind) {
  return element("span", text, `badge badge-${kind}`);
}

function queueCard(item, compact = false) {
  const card = element("li", null, "card");
  if (item.overdue) card.classList.add("is-overdue");
  else if (item.due_soon) card.classList.add("is-due-soon");
  const head = element("p", null, "card-head");
  const link = element("a", item.code, "card-code");
  link.href = `#/r/${item.code}`;
  head.append(link, " ", badge(tx(`status.${item.status}`), "status"));
  if (item.overdue) head.append(" ", badge(tx("queue.overdueBadge"), "overdue"));
  else if (item.due_soon) head.append(" ", badge(tx("queue.dueSoonBadge"), "soon"));
  if (item.transfer_asked) {
    head.append(" ", badge(tx("queue.transferBadge", { department: departmentName(item.transfer_asked) }), "soon"));
  }
  card.append(head);
  const facts = [
    tx(`channel.${item.channel}`),
    item.category ? categoryName(item.category) : null,
    item.department && !compact ? departmentName(item.department) : null,
    item.neighbourhood ? placeName(item.neighbourhood) : null,
  ].filter(Boolean);
  card.append(element("p", facts.join(" · "), "card-facts"));
  card.append(element("p", item.excerpt, "card-excerpt"));
  const times = element("p", null, "card-times");
  times.append(
    element("span", tx("queue.created", { date: formatDate(item.created_at) })),
    element("span", tx("queue.due", { date: formatDate(item.due_at) })),
  );
  card.append(times);
  return card;
}

// --- triage ----------------------------------------------------------------------------------------

async function loadTriage() {
  setAlert("triage-alert", null);
  $("triage-status").textContent = tx("loading");
  try {
    const { data } = await api(`/staff/requests?status=triage&limit=${TRIAGE_SIZE}`);
    // The classifier's guess for each, from the whole description (the queue shows an excerpt).
    state.triage = await Promise.all(
      data.items.map(async (item) => {
        const full = await api(`/staff/requests/${item.code}`);
        const guess = await api("/staff/suggestions", { method: "POST", body: { text: full.data.description } })
          .then((answer) => answer.data)
          .catch(() => null);
        return { item, etag: full.etag, guess, description: full.data.description };
      }),
    );
  } catch (error) {
    setAlert("triage-alert", failureKey(error));
    state.triage = [];
  }
  state.triageLoaded = true;
  renderTriage();
  const first = document.querySelector("#triage-list select");
  if (first) first.focus();
}

function renderTriage() {
  if (!state.triageLoaded) return;
  $("triage-status").textContent = state.triage.length ? "" : tx("triage.empty");
  const categories = (state.catalog?.categories ?? []).map((c) => [c.code, c.name[state.lang]]);
  $("triage-list").replaceChildren(
    ...state.triage.map((entry, index) => {
      const { item, guess } = entry;
      const card = element("li", null, "card");
      const head = element("p", null, "card-head");
      const link = element("a", item.code, "card-code");
      link.href = `#/r/${item.code}`;
      head.append(link, " ", badge(tx(`status.${item.status}`), "status"));
      card.append(head, element("p", entry.description, "card-excerpt"));
      if (guess) {
        card.append(
          element(
            "p",
            tx("triage.guess", { category: categoryName(guess.category), confidence: Math.round(guess.confidence * 100) }),
            "card-facts",
          ),
          element(
            "p",
            guess.matched.length ? tx("triage.why", { words: guess.matched.join(", ") }) : tx("triage.noWords"),
            "muted",
          ),
        );
      }
      const form = element("form", null, "inline-form triage-form");
      form.noValidate = true;
      const id = `triage-category-${index}`;
      const label = element("label", tx("triage.category", { code: item.code }), "visually-hidden");
      label.htmlFor = id;
      const select = element("select");
      select.id = id;
      fillSelect(select, categories, false);
      select.value = entry.chosen ?? guess?.category ?? categories[0]?.[0] ?? "";
      select.addEventListener("change", () => {
        entry.chosen = select.value;
      });
      // Enter on the topic routes it: the guess is one key away, another topic two.
      select.addEventListener("keydown", (event) => {
        if (event.key === "Enter") {
          event.preventDefault();
          form.requestSubmit();
        }
      });
      const button = element("button", tx("triage.route"), "button button-primary");
      button.type = "submit";
      form.append(label, select, button);
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        routeTriage(entry, select.value);
      });
      card.append(form);
      return card;
    }),
  );
}

async function routeTriage(entry, category) {
  const index = state.triage.indexOf(entry);
  try {
    await api(`/staff/requests/${entry.item.code}/classify`, {
      method: "POST",
      body: { category },
      headers: { "If-Match": entry.etag },
    });
  } catch (error) {
    setAlert("triage-alert", error.status === 412 ? "request.conflict" : failureKey(error));
    return;
  }
  state.triage.splice(index, 1);
  renderTriage();
  $("triage-status").textContent = tx("triage.routed", { code: entry.item.code, category: categoryName(category) });
  const next = document.querySelectorAll("#triage-list select")[Math.min(index, state.triage.length - 1)];
  if (next) next.focus();
  else $("triage-title").focus();
}

// --- one request -----------------------------------------------------------------------------------

async function loadRequest(code, moveFocus) {
  setAlert("request-alert", null);
  $("request-saved").textContent = "";
  state.contact = null;
  try {
    const answer = await api(`/staff/requests/${encodeURIComponent(code)}`);
    state.request = { data: answer.data, etag: answer.etag };
  } catch (error) {
    state.request = null;
    $("request-title").textContent = code;
    setAlert("request-alert", failureKey(error));
    return;
  }
  renderRequest();
  renderContact();
  fillTemplates();
  if (moveFocus) $("request-title").focus();
}

function fact(list, key, value) {
  const row = element("div", null, "fact");
  const dd = element("dd");
  dd.append(value);
  row.append(element("dt", tx(key)), dd);
  list.append(row);
}

function renderRequest() {
  const data = state.request?.data;
  if (!data) return;
  $("request-title").textContent = tx("request.title", { code: data.code });
  const facts = $("request-facts");
  facts.replaceChildren();
  const clocks = data.clocks;
  const status = element("strong", tx(`status.${data.status}`), "status-badge");
  fact(facts, "request.status", status);
  fact(facts, "request.category", data.category ? categoryName(data.category) : tx("request.notYet"));
  fact(facts, "request.department", data.department ? departmentName(data.department) : tx("request.notYet"));
  fact(facts, "request.neighbourhood", data.neighbourhood ? placeName(data.neighbourhood) : "—");
  if (data.referred_to) fact(facts, "request.referredTo", institutionName(data.referred_to));
  fact(facts, "request.channel", tx(`channel.${data.channel}`));
  fact(facts, "request.kind", tx(`kind.${data.kind}`));
  fact(facts, "request.received", timeElement(data.created_at));
  fact(facts, "request.due", timeElement(clocks.due_at));
  const first = element("span");
  if (clocks.first_response_at) {
    first.append(timeElement(clocks.first_response_at), ` (${tx(clocks.first_response_met ? "request.met" : "request.missed")})`);
  } else first.textContent = tx("request.notYet");
  fact(facts, "request.firstResponse", first);
  if (clocks.resolution_due_at) fact(facts, "request.resolutionDue", timeElement(clocks.resolution_due_at));
  $("request-description").textContent = data.description;
  renderLocation(data.location);
  const photos = $("request-photos");
  photos.replaceChildren(
    ...(data.photos.length
      ? data.photos.map((photo, index) => {
          const item = element("li");
          const link = element("a", tx("request.photo", { n: index + 1 }));
          link.href = photo.url; // a short-lived private link, opened in its own tab
          if (photo.thumbnail_url) {
            // web form photos have a cleaned thumbnail (no EXIF/GPS): shown here, the full copy a click away
            const thumb = element("img");
            thumb.src = photo.thumbnail_url;
            thumb.alt = tx("request.photo", { n: index + 1 });
            thumb.className = "thumb";
            thumb.loading = "lazy";
            link.replaceChildren(thumb);
          }
          link.target = "_blank";
          link.rel = "noopener noreferrer";
          item.append(link);
          return item;
        })
      : [element("li", tx("request.noPhotos"), "muted")]),
  );
  renderLikely(data);
  $("request-timeline").replaceChildren(...data.timeline.map(timelineItem));
  // Actions: what the role may do (the API decides again on every call).
  $("reply-form").hidden = !may("reply");
  $("note-form").hidden = !may("note");
  $("status-form").hidden = !may("change_status");
  const transfers = may("transfer") || may("ask_transfer");
  $("transfer-form").hidden = !transfers;
  $("transfer-title").textContent = tx(may("transfer") ? "request.transfer" : "request.transferAsk");
  $("transfer-send").textContent = tx(may("transfer") ? "request.transferSend" : "request.transferAskSend");
  const departments = (state.catalog?.departments ?? []).filter((d) => d.code !== data.department);
  fillSelect($("transfer-department"), departments.map((d) => [d.code, d.name[state.lang]]));
  if (data.transfer_asked && !$("transfer-department").dataset.touched) $("transfer-department").value = data.transfer_asked;
  renderStatusFields();
  $("contact-none").hidden = data.has_contact;
  $("contact-form").hidden = !data.has_contact || !may("read_contact") || Boolean(state.contact);
  updateTitle();
}

function renderLocation(location) {
  const box = $("request-location");
  box.replaceChildren();
  if (!location || (!location.address && location.lat == null)) {
    box.append(element("p", tx("request.noLocation"), "muted"));
    return;
  }
  if (location.address) box.append(element("p", location.address));
  if (location.lat != null && location.lon != null) {
    const lat = location.lat.toFixed(6);
    const lon = location.lon.toFixed(6);
    const template = state.config?.mapUrl || "geo:{lat},{lon}";
    const link = element("a", tx("request.map", { lat, lon }));
    link.href = template.replace(/\{lat\}/g, lat).replace(/\{lon\}/g, lon);
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    const line = element("p");
    line.append(link);
    box.append(line);
  }
}

function actorName(entry) {
  const role = entry.detail?.role;
  if (role) return role.split(",").map((r) => tx(`roles.${r}`)).join(", ");
  const kind = entry.actor.split(":")[0];
  return ["staff", "system", "citizen"].includes(kind) ? tx(`actor.${kind}`) : kind;
}

function entrySummary(entry) {
  const parts = [formatDate(entry.at), tx(`entry.${entry.type}`), actorName(entry)];
  if (entry.status) parts.push(tx(`status.${entry.status}`));
  if (entry.detail?.department && entry.type.startsWith("transfer")) parts.push(departmentName(entry.detail.department));
  const words = entry.text || entry.note;
  return words ? `${parts.join(" · ")}: ${words}` : parts.join(" · ");
}

function timelineItem(entry) {
  const item = element("li");
  if (!entry.public) item.classList.add("internal");
  item.append(timeElement(entry.at));
  const title = element("p", `${tx(`entry.${entry.type}`)} · ${actorName(entry)}`, "timeline-title");
  if (!entry.public) title.append(" ", badge(tx("request.internal"), "internal"));
  item.append(title);
  if (entry.status) item.append(element("p", tx(`status.${entry.status}`), "timeline-status"));
  if (entry.detail?.department && entry.type.startsWith("transfer")) {
    item.append(element("p", departmentName(entry.detail.department), "timeline-status"));
  }
  if (entry.text) item.append(element("p", entry.text, "timeline-text"));
  if (entry.note) item.append(element("p", entry.note, "timeline-text timeline-note"));
  return item;
}

function fillTemplates() {
  const data = state.request?.data;
  if (!data) return;
  const usable = (status) =>
    state.templates.filter(
      (tpl) => tpl.active && (tpl.status ?? null) === status && (!tpl.category || tpl.category === data.category),
    );
  const lang = data.language === "en" ? "en" : "tr";
  const options = (list) => [["", tx("request.templateNone")], ...list.map((tpl) => [tpl.id, tpl.title[lang]])];
  fillSelect($("reply-template"), options(usable(null)));
  fillSelect($("status-template"), options(usable($("status-new").value)));
}

// A template in the citizen's language, its placeholders filled in.
function templateText(id) {
  const data = state.request.data;
  const tpl = state.templates.find((x) => x.id === id);
  if (!tpl) return "";
  const lang = data.language === "en" ? "en" : "tr";
  const department = named(state.catalog?.departments, data.department)?.name[lang] ?? "";
  const date = new Intl.DateTimeFormat(LOCALES[lang], { timeZone: TIME_ZONE, dateStyle: "long" }).format(new Date());
  return tpl.text[lang].replace(/\{code\}/g, data.code).replace(/\{department\}/g, department).replace(/\{date\}/g, date);
}

function renderStatusFields() {
  const rejected = $("status-new").value === "rejected";
  const reason = $("status-reason").value;
  $("status-reason-field").hidden = !rejected;
  $("status-duplicate-field").hidden = !(rejected && reason === "duplicate");
  const referring = rejected && reason === "not_ours";
  $("status-institution-field").hidden = !(referring && state.me?.institutions?.length);
  $("status-referred-field").hidden = !(referring && typedReferral());
}

// Free text when "Other" is chosen, or when the profile names no institutions at all.
function typedReferral() {
  return !state.me?.institutions?.length || $("status-institution").value === OTHER_INSTITUTION;
}

function referredTo() {
  if (typedReferral()) return $("status-referred").value.trim();
  return $("status-institution").value;
}

// Every change is sent with the version it was made on; a 412 shows what the other person did.
async function change(form, path, body) {
  const before = state.request;
  clearErrors(form);
  setAlert("request-alert", null);
  $("request-saved").textContent = "";
  try {
    await api(`/staff/requests/${encodeURIComponent(before.data.code)}/${path}`, {
      method: "POST",
      body,
      headers: { "If-Match": before.etag },
    });
  } catch (error) {
    if (error.status === 412) {
      await conflict(before);
      return false;
    }
    if (error.status === 422 || error.status === 400) {
      showErrors(form, error.body?.fields?.length ? error.body.fields : [{ field: "", message: error.body?.message ?? "" }]);
    } else {
      setAlert("request-alert", failureKey(error));
    }
    return false;
  }
  await loadRequest(before.data.code, false);
  $("request-saved").textContent = tx("request.done");
  return true;
}

async function conflict(before) {
  const seen = new Set(before.data.timeline.map((e) => `${e.at}|${e.type}|${e.actor}`));
  const answer = await api(`/staff/requests/${encodeURIComponent(before.data.code)}`).catch(() => null);
  if (!answer) {
    setAlert("request-alert", "request.conflict", {}, []);
    return;
  }
  state.request = { data: answer.data, etag: answer.etag };
  const theirs = answer.data.timeline.filter((e) => !seen.has(`${e.at}|${e.type}|${e.actor}`));
  renderRequest(); // the forms keep what was typed
  setAlert("request-alert", "request.conflict", {}, theirs);
  $("request-alert").querySelector(".alert-title").tabIndex = -1;
  $("request-alert").querySelector(".alert-title").focus();
}

async function sendReply(event) {
  event.preventDefault();
  if (await change("reply", "replies", { text: $("reply-text").value.trim() })) {
    $("reply-form").reset();
  }
}

async function sendNote(event) {
  event.preventDefault();
  if (await change("note", "notes", { text: $("note-text").value.trim() })) $("note-form").reset();
}

async function sendStatus(event) {
  event.preventDefault();
  const body = { status: $("status-new").value };
  const text = $("status-text").value.trim();
  if (text) body.text = text;
  if (body.status === "rejected") {
    if ($("status-reason").value) body.reason = $("status-reason").value;
    if (body.reason === "duplicate" && $("status-duplicate").value.trim()) body.duplicate_of = $("status-duplicate").value.trim();
    if (body.reason === "not_ours" && referredTo()) body.referred_to = referredTo();
  }
  if (await change("status", "status", body)) {
    $("status-form").reset();
    renderStatusFields();
    fillTemplates();
  }
}

async function sendTransfer(event) {
  event.preventDefault();
  const body = { department: $("transfer-department").value, text: $("transfer-text").value.trim() };
  if (await change("transfer", "transfer", body)) $("transfer-form").reset();
}

async function showContact(event) {
  event.preventDefault();
  clearErrors("contact");
  const reason = $("contact-reason").value.trim();
  const code = state.request.data.code;
  try {
    const { data } = await api(`/staff/requests/${encodeURIComponent(code)}/contact?reason=${encodeURIComponent(reason)}`);
    state.contact = data;
  } catch (error) {
    if (error.status === 422) showErrors("contact", error.body?.fields ?? []);
    else setAlert("request-alert", failureKey(error));
    return;
  }
  $("contact-form").reset();
  renderRequest();
  renderContact();
  $("contact-details").focus();
}

function renderContact() {
  const contact = state.contact;
  const list = $("contact-details");
  list.hidden = !contact;
  list.replaceChildren();
  if (!contact) return;
  list.tabIndex = -1;
  const yes = (value) => tx(value ? "request.yes" : "request.no");
  if (contact.name) fact(list, "request.contactName", contact.name);
  if (contact.phone) {
    const call = element("a", contact.phone);
    call.href = `tel:${contact.phone}`;
    fact(list, "request.contactPhone", call);
  }
  if (contact.email) fact(list, "request.contactEmail", contact.email);
  fact(list, "request.contactWhatsapp", yes(contact.whatsapp));
  fact(list, "request.contactNotify", yes(contact.notify));
}

// --- views -----------------------------------------------------------------------------------------

const VIEWS = ["signin", "call", "queue", "triage", "request"];

function parseRoute() {
  const hash = window.location.hash;
  if (hash.startsWith("#/r/")) return { view: "request", code: decodeURIComponent(hash.slice(4)) };
  const name = hash.replace(/^#\//, "");
  if (name === "attention") return { view: "queue", mode: "attention" };
  if (["call", "queue", "triage"].includes(name)) return { view: name, mode: "queue" };
  if (hash === "" || hash === "#" || hash.startsWith("#/")) return { view: null };
  return undefined; // an in-page link (the skip link): not a view change
}

function showView(view, moveFocus) {
  state.view = view;
  for (const name of VIEWS) $(`view-${name}`).hidden = name !== view;
  const current = { call: "nav-call", queue: "nav-queue", triage: "nav-triage", attention: "nav-attention" };
  const active = view === "queue" && state.queue.mode === "attention" ? "attention" : view;
  for (const [name, id] of Object.entries(current)) {
    if (name === active) $(id).setAttribute("aria-current", "page");
    else $(id).removeAttribute("aria-current");
  }
  updateTitle();
  if (moveFocus) {
    const heading = { signin: "signin-title", call: "call-title", queue: "queue-title", triage: "triage-title" }[view];
    if (heading) $(heading).focus();
  }
}

function route(moveFocus) {
  const target = parseRoute();
  if (target === undefined) return;
  if (!state.session?.signedIn || !state.me) {
    showView("signin", moveFocus);
    return;
  }
  if (target.view === null) {
    window.location.hash = may("file") ? "#/call" : "#/queue";
    return;
  }
  if (target.view === "queue") {
    const attention = target.mode === "attention";
    const changed = state.queue.mode !== (attention ? "attention" : "queue");
    state.queue.mode = attention ? "attention" : "queue";
    $("queue-title").textContent = tx(attention ? "attention.title" : "queue.title");
    $("queue-title").dataset.i18n = attention ? "attention.title" : "queue.title";
    if (changed || !state.queue.loaded) {
      $("f-overdue").checked = attention;
      $("f-transfer").checked = false;
    }
    showView("queue", moveFocus);
    loadQueue();
    return;
  }
  showView(target.view, moveFocus && target.view !== "request" && target.view !== "triage");
  if (target.view === "triage") loadTriage();
  if (target.view === "request") loadRequest(target.code, moveFocus);
  if (target.view === "call" && moveFocus && !state.call.done) $("call-phone").focus();
}

// --- start -----------------------------------------------------------------------------------------

function bind() {
  $("lang-switch").addEventListener("click", switchLanguage);
  $("skip-link").addEventListener("click", (event) => {
    event.preventDefault();
    $("main").focus();
  });
  $("sign-out").addEventListener("click", () => {
    state.session.signOut();
    window.location.hash = "#/";
  });
  $("signin-form").addEventListener("submit", signIn);
  $("challenge-form").addEventListener("submit", answerChallenge);
  $("challenge-cancel").addEventListener("click", cancelChallenge);
  $("call-form").addEventListener("submit", fileCall);
  $("call-phone").addEventListener("input", phoneChanged);
  $("call-description").addEventListener("input", descriptionChanged);
  $("call-category").addEventListener("change", () => {
    state.call.categoryChosen = true;
  });
  $("call-neighbourhood").addEventListener("change", () => {
    state.call.neighbourhoodChosen = true;
  });
  $("call-next").addEventListener("click", nextCall);
  $("queue-filters").addEventListener("submit", (event) => {
    event.preventDefault();
    loadQueue();
  });
  $("queue-more").addEventListener("click", () => loadQueue(true));
  $("reply-form").addEventListener("submit", sendReply);
  $("reply-template").addEventListener("change", () => {
    if ($("reply-template").value) $("reply-text").value = templateText($("reply-template").value);
  });
  $("note-form").addEventListener("submit", sendNote);
  $("status-form").addEventListener("submit", sendStatus);
  $("status-new").addEventListener("change", () => {
    renderStatusFields();
    fillTemplates();
  });
  $("status-reason").addEventListener("change", renderStatusFields);
  $("status-institution").addEventListener("change", renderStatusFields);
  $("status-template").addEventListener("change", () => {
    if ($("status-template").value) $("status-text").value = templateText($("status-template").value);
  });
  $("transfer-form").addEventListener("submit", sendTransfer);
  $("transfer-department").addEventListener("change", () => {
    $("transfer-department").dataset.touched = "true";
  });
  $("contact-form").addEventListener("submit", showContact);
  window.addEventListener("hashchange", () => route(true));
}

async function start() {
  state.lang = initialLanguage();
  bind();
  applyTexts();
  try {
    state.config = await loadConfig();
  } catch {
    setAlert("app-status", "errors.network");
    return;
  }
  state.session = new Session(state.config, sessionChanged);
  // The public catalogue names the demo accounts' departments before anyone signs in.
  state.catalog = await fetchCatalog().catch(() => null);
  renderDemo();
  if (state.session.restore()) await startWork();
  else route(false);
  document.documentElement.dataset.ready = "true";
}

start();
