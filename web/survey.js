// The satisfaction survey page: the link's one-time token (`?t=`) names the request; two questions and
// an optional comment go to `POST /surveys/{token}`; "not solved" reopens the request within the
// municipality's window, after it a follow-up request linked to the old one can be filed here.
// No inline code (the CSP allows only our own files); the API is this origin unless config.json says.

const TEXTS = {
  tr: {
    brand: "Talep, öneri ve şikâyet",
    title: "Sorununuz çözüldü mü?",
    noscript: "Bu sayfa JavaScript gerektirir.",
    loading: "Yükleniyor…",
    code: "Takip kodu",
    topic: "Konu",
    "q.solved": "Sorununuz çözüldü mü?",
    "solved.yes": "Evet, çözüldü",
    "solved.partly": "Kısmen",
    "solved.no": "Hayır, çözülmedi",
    "q.score": "Hizmetimizden ne kadar memnun kaldınız?",
    "score.hint": "1: hiç memnun değilim · 5: çok memnunum",
    comment: "Eklemek istediğiniz bir şey var mı?",
    optional: "(isteğe bağlı)",
    "comment.hint": "Lütfen ad, telefon gibi kişisel bilgiler yazmayın.",
    send: "Gönder",
    sending: "Gönderiliyor…",
    thanks: "Teşekkür ederiz",
    "follow.title": "Yeni başvuru",
    "follow.label": "Sorun ne durumda?",
    "follow.send": "Yeni başvuruyu gönder",
    "need.solved": "Lütfen sorunun çözülüp çözülmediğini seçin.",
    "need.score": "Lütfen 1 ile 5 arasında bir puan seçin.",
    "need.follow": "Lütfen sorunu en az 10 karakterle anlatın.",
    "note.reopen": "“Hayır” derseniz talebiniz yeniden açılır ve ilgili birime geri gönderilir ({until} tarihine kadar).",
    "note.late": "Talebiniz yeniden açma süresi ({until}) geçtiği için yeniden açılamaz; yanıtınızdan sonra eski talebinize bağlı yeni bir başvuru yapabilirsiniz.",
    recorded: "Yanıtınızı aldık. Görüşleriniz hizmetimizi iyileştirmemize yardımcı olur.",
    reopened: "Talebiniz yeniden açıldı ve ilgili birime gönderildi. En geç {due} tarihine kadar size dönüş yapacağız.",
    too_late: "Yanıtınızı aldık. Talebiniz yeniden açılamıyor; sorun sürüyorsa aşağıdan eski talebinize bağlı yeni bir başvuru yapabilirsiniz.",
    "follow.intro": "{code} kodlu talebinize bağlı yeni bir başvuru yapın. Konu ve yer eski talebinizden alınır.",
    "follow.done": "Yeni başvurunuz alındı. Takip kodunuz: {code}.",
    answered: "Bu anketi daha önce yanıtladınız. Teşekkür ederiz.",
    invalid: "Bu bağlantı geçerli değil. Lütfen size gönderilen mesajdaki bağlantıyı eksiksiz açın.",
    expired: "Bu bağlantının süresi doldu. Sorun sürüyorsa yeni bir başvuru yapabilirsiniz.",
    failed: "Şu anda bağlanamadık. Lütfen biraz sonra yeniden deneyin.",
    conflict: "Bu anket zaten yanıtlanmış ya da talep değişmiş. Sayfayı yenileyin.",
    "lang.switch": "English",
  },
  en: {
    brand: "Requests and complaints",
    title: "Was your problem solved?",
    noscript: "This page needs JavaScript.",
    loading: "Loading…",
    code: "Tracking code",
    topic: "Topic",
    "q.solved": "Was your problem solved?",
    "solved.yes": "Yes, solved",
    "solved.partly": "Partly",
    "solved.no": "No, not solved",
    "q.score": "How satisfied are you with our service?",
    "score.hint": "1: not at all satisfied · 5: very satisfied",
    comment: "Anything you would like to add?",
    optional: "(optional)",
    "comment.hint": "Please do not write personal details such as names or phone numbers.",
    send: "Send",
    sending: "Sending…",
    thanks: "Thank you",
    "follow.title": "New request",
    "follow.label": "How is the problem now?",
    "follow.send": "Send the new request",
    "need.solved": "Please choose whether the problem was solved.",
    "need.score": "Please choose a score from 1 to 5.",
    "need.follow": "Please describe the problem in at least 10 characters.",
    "note.reopen": "If you answer “No”, your request is reopened and sent back to the department (until {until}).",
    "note.late": "Your request can no longer be reopened (that was possible until {until}); after answering, you can file a new request linked to it.",
    recorded: "We got your answer. Your views help us improve our service.",
    reopened: "Your request was reopened and sent back to the department. We will answer by {due}.",
    too_late: "We got your answer. Your request cannot be reopened; if the problem goes on, you can file a new request linked to it below.",
    "follow.intro": "File a new request linked to {code}. Its topic and place are taken from the old one.",
    "follow.done": "Your new request was received. Tracking code: {code}.",
    answered: "You have already answered this survey. Thank you.",
    invalid: "This link is not valid. Please open the whole link from the message we sent you.",
    expired: "This link has expired. If the problem goes on, you can file a new request.",
    failed: "We could not connect just now. Please try again in a moment.",
    conflict: "This survey was already answered, or the request changed. Please reload the page.",
    "lang.switch": "Türkçe",
  },
};

const $ = (id) => document.getElementById(id);
const state = { language: "tr", api: "", token: "", view: null, last: null };

function t(key, values = {}) {
  const text = TEXTS[state.language][key] ?? TEXTS.tr[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => values[name] ?? "");
}

function when(iso) {
  if (!iso) return "";
  const locale = state.language === "en" ? "en-GB" : "tr-TR";
  return new Intl.DateTimeFormat(locale, {
    dateStyle: "long", timeStyle: "short", timeZone: "Europe/Istanbul",
  }).format(new Date(iso));
}

function render() {
  document.documentElement.lang = state.language;
  document.title = t("title");
  for (const node of document.querySelectorAll("[data-s]")) node.textContent = t(node.dataset.s);
  const other = state.language === "tr" ? "en" : "tr";
  $("lang-switch").textContent = t("lang.switch");
  $("lang-switch").lang = other;
  const view = state.view;
  if (view) {
    $("topic").textContent = view.category ? view.category[state.language] : "";
    $("topic-row").hidden = !view.category;
    const note = $("reopen-note");
    note.hidden = !view.reopen_until;
    note.textContent = view.may_reopen
      ? t("note.reopen", { until: when(view.reopen_until) })
      : t("note.late", { until: when(view.reopen_until) });
  }
  if (state.last) state.last();
}

function show(message, kind = "alert") {
  if (!message) {
    $("alert").replaceChildren();
    return;
  }
  const p = document.createElement("p");
  p.className = kind;
  p.textContent = message;
  $("alert").replaceChildren(p);
}

async function readConfig() {
  try {
    const response = await fetch("config.json", { cache: "no-cache", credentials: "omit" });
    if (!response.ok) return;
    const config = await response.json();
    const url = typeof config?.apiUrl === "string" ? config.apiUrl.trim() : "";
    state.api = /^https?:\/\//.test(url) ? url.replace(/\/+$/, "") : "";
    const name = config?.municipality?.name;
    if (name?.tr) TEXTS.tr.brand = name.tr;
    if (name?.en) TEXTS.en.brand = name.en;
  } catch {
    // no config: this origin, neutral names
  }
}

async function call(method, path, body) {
  const response = await fetch(state.api + path, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
    credentials: "omit",
    cache: "no-store",
  });
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  return { status: response.status, data };
}

function fail(status) {
  const key = status === 404 ? "invalid" : status === 410 ? "expired" : status === 409 ? "conflict" : "failed";
  state.last = () => show(t(key));
  $("status").textContent = "";
  render();
}

function finished(textKey, values) {
  $("survey-form").hidden = true;
  $("done").hidden = false;
  state.last = () => { $("done-text").textContent = t(textKey, values); };
  render();
  $("done").focus();
}

function offerFollowUp() {
  $("follow-form").hidden = false;
  const code = state.view.code;
  const previous = state.last;
  state.last = () => {
    previous?.();
    $("follow-intro").textContent = t("follow.intro", { code });
  };
  render();
}

async function load() {
  state.token = new URLSearchParams(location.search).get("t") || "";
  await readConfig();
  if (!state.token) return fail(404);
  let answer;
  try {
    answer = await call("GET", `/surveys/${encodeURIComponent(state.token)}`);
  } catch {
    return fail(0);
  }
  if (answer.status !== 200) return fail(answer.status);
  state.view = answer.data;
  if (answer.data.language === "en" || answer.data.language === "tr") state.language = answer.data.language;
  $("status").textContent = "";
  $("code").textContent = state.view.code;
  $("facts").hidden = false;
  if (state.view.answered) {
    finished("answered", {});
    if (state.view.reopen_until && !state.view.may_reopen && !state.view.follow_up && state.view.status === "resolved") {
      offerFollowUp();
    }
    return;
  }
  $("survey-form").hidden = false;
  render();
}

function fieldError(id, message) {
  $(id).textContent = message || "";
  $(id).hidden = !message;
}

async function submitSurvey(event) {
  event.preventDefault();
  const form = $("survey-form");
  const solved = form.elements.solved.value;
  const score = Number(form.elements.score.value);
  fieldError("solved-error", solved ? "" : t("need.solved"));
  fieldError("score-error", score ? "" : t("need.score"));
  if (!solved) return $("solved-yes").focus();
  if (!score) return $("score-1").focus();
  const comment = $("comment").value.trim();
  $("send").disabled = true;
  $("send").textContent = t("sending");
  let answer;
  try {
    answer = await call("POST", `/surveys/${encodeURIComponent(state.token)}`, {
      solved, score, ...(comment ? { comment } : {}),
    });
  } catch {
    answer = { status: 0 };
  }
  $("send").disabled = false;
  $("send").textContent = t("send");
  if (answer.status !== 201) return fail(answer.status);
  show("");
  const result = answer.data.result;
  if (result === "reopened") return finished("reopened", { due: when(answer.data.due_at) });
  finished(result === "too_late" ? "too_late" : "recorded", {});
  if (result === "too_late") offerFollowUp();
}

async function submitFollowUp(event) {
  event.preventDefault();
  const description = $("follow-text").value.trim();
  fieldError("follow-error", description.length >= 10 ? "" : t("need.follow"));
  if (description.length < 10) return $("follow-text").focus();
  $("follow-send").disabled = true;
  let answer;
  try {
    answer = await call("POST", `/surveys/${encodeURIComponent(state.token)}/follow-up`, { description });
  } catch {
    answer = { status: 0 };
  }
  $("follow-send").disabled = false;
  if (answer.status !== 201) return fail(answer.status);
  $("follow-form").hidden = true;
  finished("follow.done", { code: answer.data.code });
}

$("lang-switch").addEventListener("click", () => {
  state.language = state.language === "tr" ? "en" : "tr";
  render();
});
$("survey-form").addEventListener("submit", submitSurvey);
$("follow-form").addEventListener("submit", submitFollowUp);
render();
load();
