// interviewsim practice page: one page, five views (sign-in, setup, interview, results, history).
// No framework and no build step. One rule throughout: text from the server or the user reaches
// the DOM only through textContent / createElement, never as HTML.

import { VoiceLink } from "/web/voice.js";
import { AnswerRecorder, recordingSupported } from "./recorder.js";
import { showQuestions, showSkills, wireReport } from "./report.js";

const $ = (id) => document.getElementById(id);
const SVG_NS = "http://www.w3.org/2000/svg";
const END_TIME_UP = "[END_INTERVIEW_TIME_UP]";
const END_MANUAL = "[END_INTERVIEW_MANUAL]";
const MAX_TTS_CHARS = 2500;
// Errors worth re-sending the same answer for: the server kept the answer and will not store it twice.
const RETRYABLE = new Set([0, 429, 502, 503, 504]);

// Web storage can throw (disabled storage, private modes); the page must still work without it.
function storage(kind) {
  return {
    get(key) {
      try { return window[kind].getItem(key); } catch { return null; }
    },
    set(key, value) {
      try {
        if (value === null) window[kind].removeItem(key);
        else window[kind].setItem(key, value);
      } catch { /* not remembered, still usable */ }
    },
  };
}
const store = storage("localStorage");
const tabStore = storage("sessionStorage"); // forgotten when the tab closes
const KEYS = { token: "interviewsim.token", muted: "interviewsim.muted", refresh: "interviewsim.firebase.refresh" };

// ---------------------------------------------------------------------------------------------
// Auth
// The server says how it checks tokens (GET /web/config.json): "local" wants the token `make run`
// printed; "firebase" wants a Firebase ID token, which the page gets from Google's Identity Toolkit
// REST API with email and password (no Firebase SDK). The ID token lives in memory only; the
// refresh token is kept in localStorage ("Keep me signed in") or else in sessionStorage.
// A page may still supply its own tokens: set window.interviewsimAuth = { getToken: async () => "…" }
// before this module runs, and every request uses it.
const config = {
  auth: "local",
  firebase_api_key: null,
  identity_toolkit_url: "https://identitytoolkit.googleapis.com",
  secure_token_url: "https://securetoken.googleapis.com",
};
const REFRESH_MARGIN_MS = 5 * 60_000; // a new ID token is fetched this long before the old one expires

const usesFirebase = () => config.auth === "firebase" || config.auth === "firebase-emulator";

const firebase = {
  idToken: "",
  expiresAt: 0, // ms since the epoch
  refreshToken: "",
  keep: false, // where the refresh token lives: localStorage when true, else sessionStorage
  refreshing: null, // the refresh under way, shared by every request that needs it

  load() {
    const kept = store.get(KEYS.refresh);
    this.keep = Boolean(kept);
    this.refreshToken = kept || tabStore.get(KEYS.refresh) || "";
  },

  save(idToken, expiresIn, refreshToken) {
    this.idToken = idToken;
    this.expiresAt = Date.now() + (Number(expiresIn) || 3600) * 1000;
    if (refreshToken) this.refreshToken = refreshToken;
    (this.keep ? store : tabStore).set(KEYS.refresh, this.refreshToken);
    (this.keep ? tabStore : store).set(KEYS.refresh, null);
  },

  clear() {
    this.idToken = "";
    this.expiresAt = 0;
    this.refreshToken = "";
    this.refreshing = null;
    store.set(KEYS.refresh, null);
    tabStore.set(KEYS.refresh, null);
  },

  async signIn(email, password, keep) {
    const url = `${config.identity_toolkit_url}/v1/accounts:signInWithPassword?key=${encodeURIComponent(config.firebase_api_key)}`;
    const data = await googleCall(url, {
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email, password, returnSecureToken: true }),
    });
    if (typeof data.idToken !== "string" || !data.idToken) throw new ApiError("Firebase sent no token.", 502, "firebase");
    this.keep = keep;
    this.save(data.idToken, data.expiresIn, data.refreshToken);
  },

  // A valid ID token: the one in memory, or a fresh one when it is missing or about to expire.
  async token() {
    if (this.idToken && Date.now() < this.expiresAt - REFRESH_MARGIN_MS) return this.idToken;
    if (!this.refreshToken) return this.idToken; // "" when signed out: the server answers 401
    await this.refresh();
    return this.idToken;
  },

  // Exchange the refresh token for a new ID token (once, however many requests wait for it).
  // A refused refresh token signs the user out; a network failure keeps it for the next try.
  refresh() {
    if (!this.refreshToken) return Promise.resolve(false);
    this.refreshing ??= this.exchange(this.refreshToken).finally(() => { this.refreshing = null; });
    return this.refreshing;
  },

  async exchange(refreshToken) {
    const url = `${config.secure_token_url}/v1/token?key=${encodeURIComponent(config.firebase_api_key)}`;
    let data;
    try {
      data = await googleCall(url, {
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken }).toString(),
      });
    } catch (error) {
      if (error.status === 0) throw error; // offline: keep the refresh token for the next try
      data = {};
    }
    if (this.refreshToken !== refreshToken) return false; // signed out meanwhile
    if (typeof data.id_token !== "string" || !data.id_token) {
      this.clear(); // refused (expired, revoked, user disabled): sign in again
      return false;
    }
    this.save(data.id_token, data.expires_in, data.refresh_token);
    return true;
  },
};

// POST to Google's auth REST API; its errors are {"error": {"code", "message"}}.
async function googleCall(url, { headers, body }) {
  let response;
  try {
    response = await fetch(url, { method: "POST", headers, body, credentials: "omit", referrerPolicy: "no-referrer" });
  } catch {
    throw new ApiError("Cannot reach Firebase to sign in. Check your connection, then try again.", 0, "network");
  }
  let data = {};
  try { data = await response.json(); } catch { /* not JSON */ }
  if (!response.ok) {
    const code = String(data?.error?.message || `HTTP ${response.status}`);
    throw new ApiError(firebaseMessage(code), response.status, code);
  }
  return data;
}

// Identity Toolkit error codes ("TOO_MANY_ATTEMPTS_TRY_LATER : Access to this account…") in words.
function firebaseMessage(code) {
  const name = code.split(" : ")[0].trim();
  const messages = {
    INVALID_LOGIN_CREDENTIALS: "That email and password do not match an account. Check them and try again.",
    EMAIL_NOT_FOUND: "That email and password do not match an account. Check them and try again.",
    INVALID_PASSWORD: "That email and password do not match an account. Check them and try again.",
    INVALID_EMAIL: "Enter a valid email address.",
    MISSING_PASSWORD: "Enter your password.",
    USER_DISABLED: "This account has been disabled. Ask the administrator to enable it.",
    USER_NOT_FOUND: "This account no longer exists. Sign in again.",
    TOO_MANY_ATTEMPTS_TRY_LATER: "Too many attempts. Wait a few minutes, then try again.",
    PASSWORD_LOGIN_DISABLED: "Email and password sign-in is not enabled for this Firebase project.",
    OPERATION_NOT_ALLOWED: "Email and password sign-in is not enabled for this Firebase project.",
    TOKEN_EXPIRED: "Your sign-in has expired. Sign in again.",
    INVALID_REFRESH_TOKEN: "Your sign-in has expired. Sign in again.",
  };
  if (messages[name]) return messages[name];
  if (/API key/i.test(name)) return "Firebase refused this server's web API key. Check FIREBASE_WEB_API_KEY.";
  return `Sign-in failed (${name}). Try again.`;
}

const auth = {
  async token() {
    const hook = window.interviewsimAuth;
    if (hook && typeof hook.getToken === "function") return hook.getToken();
    if (usesFirebase()) return firebase.token();
    return store.get(KEYS.token) || "";
  },
  // After a 401: get a new Firebase ID token if there is a way to; true when the request is worth repeating.
  async renew() {
    if (window.interviewsimAuth || !usesFirebase()) return false;
    return firebase.refresh();
  },
  signedIn() {
    if (window.interviewsimAuth) return true;
    return usesFirebase() ? Boolean(firebase.refreshToken) : Boolean(store.get(KEYS.token));
  },
};

// What the server says about its auth; an older server without the route uses the local token.
async function loadConfig() {
  try {
    const response = await fetch("/web/config.json", { cache: "no-store" });
    if (response.ok) Object.assign(config, await response.json());
  } catch { /* keep the local defaults */ }
}

// ---------------------------------------------------------------------------------------------
// HTTP

class ApiError extends Error {
  constructor(message, status, code = "") {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// A 401 is tried once more with a renewed Firebase token: the server rejected the request before doing anything.
async function request(path, options = {}) {
  const response = await send(path, options);
  if (response.status !== 401 || !(await auth.renew())) return response;
  return send(path, options);
}

async function send(path, { method = "GET", body } = {}) {
  const headers = { Authorization: `Bearer ${await auth.token()}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  try {
    return await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError("Cannot reach the server. Check that it is running, then try again.", 0, "network");
  }
}

// Every server error is JSON {"error", "code"}; fall back to the status when it is not.
async function failure(response) {
  let data = {};
  try { data = await response.json(); } catch { /* not JSON */ }
  const message = data.error || `The server answered ${response.status}.`;
  return new ApiError(message, response.status, data.code || "");
}

async function api(path, options) {
  const response = await request(path, options);
  if (!response.ok) throw await failure(response);
  return response.json();
}

// A text/event-stream parser (EventSource cannot POST, so the stream comes from fetch).
// Yields {event, data} for each frame of the body as it arrives.
async function* sseFrames(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    yield* readFrames(reader);
  } finally {
    // The caller stops at `done`; release the connection instead of leaving it half-read.
    reader.cancel().catch(() => {});
  }
}

async function* readFrames(reader) {
  let buffer = "";
  let event = "";
  let data = [];
  for (;;) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch {
      throw new ApiError("The connection dropped before the reply finished.", 0, "network");
    }
    if (chunk.done) return; // an unterminated last frame is discarded, as EventSource does
    buffer += chunk.value;
    // A trailing "\r" may be the first half of "\r\n": keep it for the next chunk.
    const held = buffer.endsWith("\r") ? "\r" : "";
    const lines = (held ? buffer.slice(0, -1) : buffer).split(/\r\n|\r|\n/);
    buffer = lines.pop() + held;
    for (const line of lines) {
      if (line === "") {
        if (data.length) yield { event: event || "message", data: data.join("\n") };
        event = "";
        data = [];
        continue;
      }
      if (line.startsWith(":")) continue; // comment / keep-alive
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
  }
}

function parseJson(text) {
  try { return JSON.parse(text); } catch { return null; }
}

// ---------------------------------------------------------------------------------------------
// Small DOM helpers

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

// Interviewer text may hold markdown. Only **bold** and line breaks are rendered, built from
// nodes so nothing in the text can become markup.
function renderRich(target, text) {
  target.replaceChildren();
  String(text).split("\n").forEach((line, index) => {
    if (index) target.append(document.createElement("br"));
    line.split(/\*\*(.+?)\*\*/).forEach((part, i) => {
      if (part) target.append(i % 2 ? el("strong", "", part) : document.createTextNode(part));
    });
  });
}

const plain = (text) => String(text).replace(/\*\*(.+?)\*\*/g, "$1");

// "- a\n- b" (the evaluation's strings) -> ["a", "b"]
function bulletItems(text) {
  return String(text || "")
    .split("\n")
    .map((line) => line.replace(/^\s*(?:[-*•]|\d+[.)])\s+/, "").trim())
    .filter(Boolean);
}

function fillList(list, items, emptyText) {
  list.replaceChildren(...(items.length ? items : [emptyText]).map((item) => el("li", "", item)));
}

const formatDate = (iso) =>
  iso ? new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) : "";

// ---------------------------------------------------------------------------------------------
// State and views

const state = {
  session: null, // {id, voice, deadline (ms), ended, role, domain, type}
  busy: false,
  lastMessage: null, // what "Send again" re-sends
  lastSpeechId: null, // and the speech id of that answer, when it was spoken
  speechId: null, // from /api/stt: the answer in the box was spoken (its delivery is measured by the server)
  timeUpPending: false,
  canStream: true, // false once the server showed it has no /api/chat/stream
  muted: store.get(KEYS.muted) === "1",
  audio: null,
  speechTurn: 0,
  timer: 0,
  recorder: null,
  unfinishedId: null, // the ungraded interview shown on the results view
  voice: null, // the live VoiceLink of a voice interview
};

const VIEWS = ["signin", "setup", "interview", "results", "history"];

function showView(name, focusTarget) {
  for (const view of VIEWS) $(`view-${view}`).hidden = view !== name;
  $("nav").hidden = name === "signin";
  $("nav-interview").hidden = !(state.session && !state.session.ended) || name === "interview";
  // Move focus to the new view so keyboard and screen-reader users land on it.
  const target = focusTarget || document.querySelector(`#view-${name} h1`);
  target.focus();
  if (name === "history") loadHistory();
}

function handleAuthError(error) {
  if (error.status !== 401) return false;
  if (usesFirebase()) {
    firebase.clear();
    $("firebase-error").textContent = "Your sign-in has expired or was not accepted. Sign in again.";
    showView("signin", $("email"));
  } else {
    $("signin-error").textContent = "Your access token was not accepted. Sign in again.";
    showView("signin", $("token"));
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// 1. Sign-in

async function signIn(event) {
  event.preventDefault();
  const token = $("token").value.trim();
  const error = $("signin-error");
  if (!token) {
    error.textContent = "Enter the access token printed by make run.";
    $("token").focus();
    return;
  }
  store.set(KEYS.token, token);
  error.textContent = "";
  $("signin-submit").disabled = true;
  try {
    await api("/api/sessions?limit=1"); // any authenticated call proves the token
    showView("setup");
  } catch (e) {
    error.textContent = e.status === 401 ? "That token was not accepted. Check it and try again." : e.message;
    $("token").focus();
  } finally {
    $("signin-submit").disabled = false;
  }
}

async function firebaseSignIn(event) {
  event.preventDefault();
  const email = $("email").value.trim();
  const password = $("password").value;
  const error = $("firebase-error");
  const missing = !email ? $("email") : !password ? $("password") : null;
  if (missing) {
    error.textContent = missing === $("email") ? "Enter your email address." : "Enter your password.";
    missing.focus();
    return;
  }
  error.textContent = "";
  $("firebase-submit").disabled = true;
  try {
    await firebase.signIn(email, password, $("keep-signed-in").checked);
  } catch (e) {
    error.textContent = e.message;
    $("password").focus();
    $("firebase-submit").disabled = false;
    return;
  }
  try {
    await api("/api/sessions?limit=1"); // the server accepts the Firebase token
    $("password").value = "";
    showView("setup");
  } catch (e) {
    error.textContent = e.status === 401
      ? "Firebase signed you in, but this server did not accept the token. Is FIREBASE_PROJECT_ID this project?"
      : e.message;
    firebase.clear();
    $("email").focus();
  } finally {
    $("firebase-submit").disabled = false;
  }
}

function signOut() {
  store.set(KEYS.token, null);
  firebase.clear();
  stopInterview();
  $("token").value = "";
  $("password").value = "";
  showView("signin", usesFirebase() ? $("email") : undefined);
}

// Show the sign-in form this server's auth mode needs.
function renderSignIn() {
  const fb = usesFirebase();
  $("local-signin").hidden = fb;
  $("firebase-signin").hidden = !fb;
  if (!fb) return;
  const keyMissing = !config.firebase_api_key;
  $("firebase-config-error").textContent = keyMissing
    ? "This server signs in with Firebase, but it has no web API key: set FIREBASE_WEB_API_KEY on the server, then reload."
    : "";
  for (const control of $("firebase-form").elements) control.disabled = keyMissing;
}

// ---------------------------------------------------------------------------------------------
// 2. Setup

function toggleOther(select, field) {
  field.hidden = select.value !== (select.id === "domain" ? "other" : "custom");
}

function readSetup() {
  const form = $("setup-form");
  const problem = (message, input) => {
    input.setAttribute("aria-invalid", "true");
    throw Object.assign(new Error(message), { input });
  };
  form.querySelectorAll("[aria-invalid]").forEach((input) => input.removeAttribute("aria-invalid"));
  const domain = $("domain").value === "other" ? $("domain-other").value.trim() : $("domain").value;
  if (!domain) problem("Name the domain you are interviewing in.", $("domain-other"));
  const role = $("role").value.trim();
  if (!role) problem("Enter the role you are practising for.", $("role"));
  const duration = Number($("duration").value === "custom" ? $("duration-custom").value : $("duration").value);
  if (!Number.isInteger(duration) || duration < 5 || duration > 90) {
    problem("Choose a duration between 5 and 90 minutes.", $("duration-custom"));
  }
  const body = {
    domain,
    role,
    interview_type: $("interview-type").value,
    difficulty: $("difficulty").value,
    duration,
    voice_style: form.elements.voice_style.value,
  };
  const jobDescription = $("job-description").value.trim();
  const resume = $("resume").value.trim();
  if (jobDescription) body.job_description = jobDescription;
  if (resume) body.resume = resume;
  return body;
}

async function startInterview(event) {
  event.preventDefault();
  const error = $("setup-error");
  let body;
  try {
    body = readSetup();
  } catch (e) {
    error.textContent = e.message;
    e.input.focus();
    return;
  }
  error.textContent = "";
  const button = $("start-button");
  button.disabled = true;
  button.textContent = "Starting…";
  try {
    const started = await api("/api/start-session", { method: "POST", body });
    enterInterview(started, body, `${body.interview_type} · ${body.role} · ${body.difficulty}`);
  } catch (e) {
    if (!handleAuthError(e)) error.textContent = e.message;
  } finally {
    button.disabled = false;
    button.textContent = "Start interview";
  }
}

function enterInterview(started, body, label) {
  stopInterview();
  state.session = {
    id: started.session_id,
    voice: body.voice_style,
    deadline: Date.now() + body.duration * 60_000,
    ended: false,
    label,
  };
  $("transcript").replaceChildren();
  hideChatError();
  setBusy(false); // re-enables Send and End after an earlier interview ended
  $("answer").value = "";
  showView("interview", $("answer"));
  state.timer = setInterval(tick, 1000);
  tick();
  if ($("mode-voice").checked) startVoice(started.first_question);
  else applyReply(started.first_question, addBubble("interviewer"));
}

// A drill: a short interview on one question of an earlier interview (the server copies its settings).
async function startDrill(sessionId, questionIndex) {
  const detail = await api(`/api/sessions/${encodeURIComponent(sessionId)}`);
  const body = {
    domain: detail.domain,
    role: detail.role,
    voice_style: detail.voice_style,
    drill: { session_id: sessionId, question_index: questionIndex },
  };
  const started = await api("/api/start-session", { method: "POST", body });
  enterInterview(started, { ...body, duration: 5 }, `Drill · ${detail.role} · question ${questionIndex + 1}`);
}

// ---------------------------------------------------------------------------------------------
// 3. Interview

function addBubble(who, text) {
  const item = el("li", `bubble ${who}`);
  item.append(el("span", "who", who === "candidate" ? "You" : "Interviewer"));
  const body = el("p", "text");
  if (text === undefined) {
    item.classList.add("pending"); // a reply on its way; the transcript is aria-busy meanwhile
    body.textContent = "…";
  } else {
    renderRich(body, text);
  }
  item.append(body);
  $("transcript").append(item);
  scrollTranscript();
  return item;
}

function addNote(text) {
  $("transcript").append(el("li", "note", text));
  scrollTranscript();
}

function scrollTranscript() {
  const transcript = $("transcript");
  transcript.scrollTop = transcript.scrollHeight;
}

function setBusy(busy) {
  const over = !state.session || state.session.ended;
  state.busy = busy;
  $("send-button").disabled = busy || over;
  $("end-button").disabled = busy || over;
  $("send-button").textContent = busy ? "Waiting…" : "Send";
  $("transcript").setAttribute("aria-busy", String(busy));
}

function sendAnswer(event) {
  event?.preventDefault();
  const text = $("answer").value.trim();
  if (!text || state.busy || !state.session || state.session.ended) return;
  stopListening();
  const speechId = state.speechId;
  state.speechId = null;
  $("answer").value = "";
  addBubble("candidate", text);
  if (state.voice) {
    state.voice.sendText(text);
    return;
  }
  sendTurn(text, speechId);
}

function endInterview(marker) {
  if (!state.session || state.session.ended) return;
  if (state.busy) {
    // Let the running turn finish; the timer checks again afterwards.
    if (marker === END_TIME_UP) state.timeUpPending = true;
    return;
  }
  addNote(marker === END_TIME_UP ? "Time is up." : "You ended the interview.");
  if (state.voice) {
    state.voice.end(marker === END_TIME_UP ? "time_up" : "manual");
    return;
  }
  sendTurn(marker);
}

async function sendTurn(message, speechId = null) {
  const session = state.session;
  state.lastMessage = message;
  state.lastSpeechId = speechId;
  hideChatError();
  setBusy(true);
  const bubble = addBubble("interviewer");
  const body = { session_id: session.id, user_message: message, voice_style: session.voice };
  if (speechId) body.speech_id = speechId;
  try {
    const reply = state.canStream
      ? await streamTurn(body, bubble)
      : await api("/api/chat", { method: "POST", body });
    if (state.session === session) applyReply(reply, bubble); // not if a new interview began meanwhile
  } catch (e) {
    bubble.remove();
    if (handleAuthError(e)) return;
    if (e.status === 409 && (await showIfEnded(session))) return;
    showChatError(e);
  } finally {
    setBusy(false);
    if (state.timeUpPending && !state.session?.ended) {
      state.timeUpPending = false;
      endInterview(END_TIME_UP);
    }
  }
}

// POST /api/chat/stream: `delta` frames fill the bubble as they arrive; `done` carries the same
// JSON as /api/chat. A 404 that is not about the session means the server predates streaming.
async function streamTurn(body, bubble) {
  const response = await request("/api/chat/stream", { method: "POST", body });
  if (response.status === 404 || response.status === 405) {
    const error = await failure(response);
    if (error.code === "not_found") throw error; // the session is gone, not the route
    state.canStream = false;
    return api("/api/chat", { method: "POST", body });
  }
  if (!response.ok) throw await failure(response);
  if (!(response.headers.get("content-type") || "").includes("text/event-stream")) return response.json();

  const text = bubble.querySelector(".text");
  let received = "";
  let deltas = 0;
  for await (const frame of sseFrames(response.body)) {
    const data = parseJson(frame.data);
    if (frame.event === "delta" && data && typeof data.text === "string") {
      received += data.text;
      bubble.classList.remove("pending");
      renderRich(text, received);
      bubble.dataset.deltas = String(++deltas); // lets tests see the reply was streamed
      scrollTranscript();
    } else if (frame.event === "done" && data) {
      return data;
    } else if (frame.event === "error") {
      throw new ApiError(data?.error || "The reply failed.", data?.status || 502, data?.code || "");
    }
  }
  throw new ApiError("The reply was cut off before it finished.", 0, "stream_incomplete");
}

function applyReply(reply, bubble) {
  const session = state.session;
  // On the last turn text_response is the evaluation summary; the transcript shows the goodbye.
  const text = reply.end && reply.closing_text ? reply.closing_text : reply.text_response;
  bubble.classList.remove("pending");
  renderRich(bubble.querySelector(".text"), text);
  scrollTranscript();
  announce(plain(text));
  $("progress").textContent = progressLabel(reply);
  if (typeof reply.minutes_left === "number" && !reply.end) {
    // The server measures time from the start; follow it so a reload or slow turn cannot drift.
    session.deadline = Date.now() + reply.minutes_left * 60_000;
  }
  speak(reply.voice_response);
  if (reply.end) {
    session.ended = true;
    clearInterval(state.timer);
    setBusy(false);
    showResults(reply, { label: session.label, sessionId: session.id });
  }
}

// 409: the interview ended elsewhere (another tab, or the server closed it). Show its stored
// results rather than a dead end; only read them, since POST /api/results would end a live one.
async function showIfEnded(session) {
  try {
    const detail = await api(`/api/sessions/${encodeURIComponent(session.id)}`);
    if (detail.status !== "ended" || !detail.evaluation) return false;
    session.ended = true;
    clearInterval(state.timer);
    showResults(detail.evaluation, { label: session.label, messages: detail.messages, sessionId: session.id });
    return true;
  } catch {
    return false;
  }
}

function progressLabel(reply) {
  if (reply.end || reply.phase === "ended") return "Finished";
  if (reply.phase === "wrapup") return "Wrap-up";
  if (!reply.question_number) return "Warm-up";
  return `Question ${reply.question_number} of ${reply.questions_planned}`;
}

function announce(text) {
  const announcer = $("announcer");
  announcer.textContent = "";
  // A separate task, so the same sentence twice in a row is still announced.
  setTimeout(() => { announcer.textContent = text; }, 50);
}

function showChatError(error) {
  $("chat-error-text").textContent = error.message;
  $("retry-button").hidden = !RETRYABLE.has(error.status);
  $("chat-error").hidden = false;
  if (!$("retry-button").hidden) $("retry-button").focus();
}

function hideChatError() {
  // Hiding the focused "Send again" button would drop focus to <body>; keep it in the answer box.
  if (document.activeElement === $("retry-button")) $("answer").focus();
  $("chat-error").hidden = true;
}

function retry() {
  if (state.lastMessage && !state.busy && state.session && !state.session.ended) sendTurn(state.lastMessage, state.lastSpeechId);
}

function tick() {
  const session = state.session;
  if (!session || session.ended) return;
  const left = Math.max(0, session.deadline - Date.now());
  const seconds = Math.ceil(left / 1000);
  const timer = $("timer");
  timer.textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  timer.classList.toggle("low", seconds <= 60);
  if (left === 0 && !session.timeUpSent) {
    session.timeUpSent = true;
    endInterview(END_TIME_UP);
  }
}

function stopInterview() {
  clearInterval(state.timer);
  state.voice?.stop();
  state.voice = null;
  stopListening();
  stopAudio();
  state.timeUpPending = false;
  if (state.session) state.session.ended = true;
}

// Answer box: Enter sends, Shift+Enter is a new line (IME composition is left alone).
function answerKeydown(event) {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) sendAnswer(event);
}

// ---- Live voice interview: /api/voice (web/voice.js) ---------------------------------------

const VOICE_STATES = { listening: "Listening…", thinking: "Thinking…", speaking: "Speaking…", reconnecting: "Reconnecting…" };

function startVoice(firstQuestion) {
  let heard = null; // the caption of what the candidate is saying
  let reply = null; // the interviewer bubble being written
  const caption = $("voice-state");
  caption.hidden = false;
  caption.textContent = "Connecting…";
  const link = new VoiceLink(state.session.id, {
    token: () => auth.token(),
    state: (name) => {
      caption.textContent = VOICE_STATES[name] || name;
    },
    heard: (text, final) => {
      heard ??= addBubble("candidate", "…");
      renderRich(heard.querySelector(".text"), text);
      scrollTranscript();
      if (final) heard = null;
    },
    delta: (text) => {
      reply ??= addBubble("interviewer");
      const body = reply.querySelector(".text");
      body.textContent = reply.classList.contains("pending") ? text : body.textContent + text;
      reply.classList.remove("pending");
      scrollTranscript();
    },
    reply: (json) => {
      applyReply(json, reply ?? addBubble("interviewer"));
      reply = null;
    },
    interrupted: () => addNote("You spoke over the interviewer; it stopped to listen."),
    error: (message) => showChatError(new Error(message)),
    closed: (code, reason) => {
      caption.textContent = code === 1000 ? "Interview over." : `Voice stopped: ${reason || code}.`;
      state.voice = null;
    },
  });
  state.voice = link;
  applyReply(firstQuestion, addBubble("interviewer")); // the greeting's text; its audio comes live
  link.start().catch((error) => {
    state.voice = null;
    caption.textContent = `Microphone unavailable (${error.message}); type your answers.`;
    speak(firstQuestion.voice_response);
  });
}

// ---- Voice out: /api/tts after each reply --------------------------------------------------

function speechText(text) {
  if (!text || text.length <= MAX_TTS_CHARS) return text;
  const cut = text.slice(0, MAX_TTS_CHARS);
  const sentence = cut.lastIndexOf(". ");
  return sentence > 0 ? cut.slice(0, sentence + 1) : cut;
}

async function speak(text) {
  stopAudio();
  if (state.muted || !text || !state.session || state.voice) return; // a voice interview hears it live
  const turn = ++state.speechTurn; // a newer reply supersedes this one
  try {
    const response = await request("/api/tts", {
      method: "POST",
      body: { text: speechText(text), voice_style: state.session.voice },
    });
    if (!response.ok) return; // the text is on screen; the voice is a bonus
    const blob = await response.blob();
    if (turn !== state.speechTurn || state.muted) return;
    const url = URL.createObjectURL(blob);
    const audio = new Audio(url);
    audio.addEventListener("ended", () => URL.revokeObjectURL(url), { once: true });
    state.audio = audio;
    // Browsers may refuse to autoplay; that must not surface as an error.
    audio.play().catch(() => {});
  } catch { /* voice is optional */ }
}

function stopAudio() {
  state.speechTurn += 1;
  if (!state.audio) return;
  state.audio.pause();
  URL.revokeObjectURL(state.audio.src);
  state.audio = null;
}

// The label stays "Mute voice"; aria-pressed (and its styling) carries the state.
function renderMute() {
  $("mute").setAttribute("aria-pressed", String(state.muted));
}

function toggleMute() {
  state.muted = !state.muted;
  store.set(KEYS.muted, state.muted ? "1" : "0");
  if (state.muted) stopAudio();
  renderMute();
}

// ---- Voice in: Record/Stop, transcribed by the server (recorder.js) ----------------------------

function toggleListening() {
  state.recorder?.toggle();
}

function stopListening() {
  state.recorder?.cancel();
}

function setUpRecorder() {
  if (!recordingSupported()) return;
  const help = $("answer-help").textContent;
  state.recorder = new AnswerRecorder({
    button: $("mic-button"),
    meter: $("mic-level"),
    authorize: async () => ({ Authorization: `Bearer ${await auth.token()}` }),
    onTranscript: (heard) => {
      const before = $("answer").value.trim();
      $("answer").value = [before, heard.text].filter(Boolean).join(" ");
      state.speechId = before ? null : heard.speech_id; // metrics describe the recording alone, not typed text
      $("answer").focus();
    },
    onStatus: (text) => { $("answer-help").textContent = text || help; },
  });
  $("mic-button").hidden = false;
  $("mic-button").addEventListener("click", toggleListening);
}

// ---------------------------------------------------------------------------------------------
// 4. Results

const SCORES = [
  ["score", "Overall"],
  ["communication_score", "Communication"],
  ["technical_score", "Technical"],
  ["confidence_score", "Confidence"],
  ["behavior_score", "Behavior"],
];

function scoreBand(value) {
  return value >= 75 ? "high" : value >= 50 ? "mid" : "low";
}

// Horizontal bars: labels stay readable on a narrow phone. The SVG is one image whose label
// carries every value for screen readers; the visible numbers are drawn beside the bars.
function barChart(evaluation) {
  const rowHeight = 30;
  const labelWidth = 110;
  const barWidth = 170;
  const rows = SCORES.map(([key, label]) => [label, Math.max(0, Math.min(100, Number(evaluation[key]) || 0))]);
  const chart = svg("svg", {
    viewBox: `0 0 ${labelWidth + barWidth + 40} ${rows.length * rowHeight}`,
    role: "img",
    "aria-label": `Scores out of 100: ${rows.map(([label, value]) => `${label} ${value}`).join(", ")}`,
    class: "bars",
  });
  rows.forEach(([label, value], index) => {
    const y = index * rowHeight;
    const row = svg("g", { class: "bar-row" });
    row.append(
      svg("text", { x: 0, y: y + 19, class: "bar-label" }, label),
      svg("rect", { x: labelWidth, y: y + 6, width: barWidth, height: 18, rx: 3, class: "bar-track" }),
      svg("rect", {
        x: labelWidth, y: y + 6, width: (barWidth * value) / 100, height: 18, rx: 3,
        class: `bar ${scoreBand(value)}`, "data-value": value,
      }),
      svg("text", { x: labelWidth + barWidth + 6, y: y + 19, class: "bar-value" }, String(value)),
    );
    chart.append(row);
  });
  return chart;
}

function showResults(evaluation, { label = "", messages = null, sessionId = null } = {}) {
  $("results-meta").textContent = label;
  $("unfinished").hidden = true;
  $("results-head").hidden = false;
  $("results-body").hidden = false;
  const decision = $("decision");
  decision.hidden = typeof evaluation.selected !== "boolean";
  decision.className = `decision ${evaluation.selected ? "yes" : "no"}`;
  decision.textContent = evaluation.selected
    ? "Decision: selected. This performance would move on to the next round."
    : "Decision: not selected this time. The recommendations below show what to work on.";
  $("scores-chart").replaceChildren(barChart(evaluation));
  renderRich($("summary"), evaluation.text_response || "");
  $("impression").textContent = evaluation.overall_impression || "";
  const details = evaluation.details || {};
  for (const key of ["strengths", "weaknesses", "recommendations"]) {
    const items = evaluation[key] ? bulletItems(evaluation[key]) : details[key] || [];
    fillList($(key), items, "Nothing noted.");
  }
  const evidence = Array.isArray(details.evidence) ? details.evidence : [];
  $("evidence-card").hidden = !evidence.length;
  $("evidence").replaceChildren(...evidence.map((item) => {
    const entry = el("li");
    entry.append(el("blockquote", "", `“${item.quote}”`), el("p", "", item.comment || ""));
    return entry;
  }));
  showQuestions(evaluation, { sessionId, startDrill, request });
  showTranscript(messages);
  showView("results");
}

// An interview from the history that was never graded: offer to end and grade it, which is
// what POST /api/results does.
function showUnfinished(sessionId, label, messages) {
  state.unfinishedId = sessionId;
  $("results-meta").textContent = label;
  $("unfinished-error").textContent = "";
  $("unfinished").hidden = false;
  $("results-head").hidden = true;
  $("results-body").hidden = true;
  showTranscript(messages);
  showView("results");
}

async function finishUnfinished() {
  const sessionId = state.unfinishedId;
  const button = $("finish-button");
  button.disabled = true;
  try {
    const evaluation = await api("/api/results", { method: "POST", body: { session_id: sessionId } });
    const detail = await api(`/api/sessions/${encodeURIComponent(sessionId)}`);
    const label = $("results-meta").textContent;
    showResults(evaluation, { label, messages: detail.messages, sessionId });
  } catch (e) {
    if (!handleAuthError(e)) $("unfinished-error").textContent = e.message;
  } finally {
    button.disabled = false;
  }
}

function showTranscript(messages) {
  $("results-transcript-card").hidden = !messages?.length;
  renderTranscript($("results-transcript"), messages);
}

function renderTranscript(list, messages) {
  list.replaceChildren(...(messages || []).map((message) => {
    const candidate = message.role === "user" || message.role === "candidate";
    const item = el("li", `bubble ${candidate ? "candidate" : "interviewer"}`);
    const body = el("p", "text");
    renderRich(body, message.text);
    item.append(el("span", "who", candidate ? "You" : "Interviewer"), body);
    return item;
  }));
}

// ---------------------------------------------------------------------------------------------
// 5. History

async function loadHistory() {
  const status = $("history-status");
  status.textContent = "Loading…";
  try {
    const { sessions } = await api("/api/sessions?limit=100");
    status.textContent = sessions.length ? "" : "No interviews yet. Start one to see it here.";
    $("history-list").replaceChildren(...sessions.map(historyItem));
    $("trend-chart").replaceChildren(trendChart(sessions));
    showSkills(api);
  } catch (e) {
    if (!handleAuthError(e)) status.textContent = e.message;
  }
}

function historyItem(session) {
  const item = el("li");
  const button = el("button", "history-entry");
  button.type = "button";
  const ended = session.status === "ended";
  const score = typeof session.score === "number" ? `${session.score}/100` : ended ? "ended" : "in progress";
  const meta = [session.domain, session.difficulty, `${session.duration} min`, formatDate(session.created_at)];
  button.append(
    el("span", "entry-title", `${session.interview_type} · ${session.role}`),
    el("span", "entry-meta", meta.join(" · ")),
    el("span", ended ? "entry-score" : "entry-score open", score),
  );
  button.addEventListener("click", () => openSession(session.session_id));
  item.append(button);
  return item;
}

async function openSession(id) {
  if (state.session && state.session.id === id && !state.session.ended) {
    showView("interview", $("answer"));
    return;
  }
  try {
    const detail = await api(`/api/sessions/${encodeURIComponent(id)}`);
    const label = `${detail.interview_type} · ${detail.role} · ${formatDate(detail.created_at)}`;
    if (detail.evaluation) {
      showResults(detail.evaluation, { label, messages: detail.messages, sessionId: id });
      return;
    }
    // Not graded yet: offer to end and grade it (that is what /api/results does).
    showUnfinished(id, label, detail.messages);
  } catch (e) {
    if (!handleAuthError(e)) $("history-status").textContent = e.message;
  }
}

// A line of the overall score of ended interviews, oldest to newest.
function trendChart(sessions) {
  const points = sessions
    .filter((s) => s.status === "ended" && typeof s.score === "number")
    .map((s) => ({ score: s.score, when: s.ended_at || s.created_at }))
    .sort((a, b) => new Date(a.when) - new Date(b.when));
  if (!points.length) return el("p", "help", "Finish an interview to see your score trend.");
  const width = 320;
  const height = 140;
  const left = 28;
  const top = 10;
  const plotWidth = width - left - 12;
  const plotHeight = height - top - 20;
  const x = (i) => left + (points.length === 1 ? plotWidth / 2 : (plotWidth * i) / (points.length - 1));
  const y = (score) => top + plotHeight * (1 - score / 100);
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    class: "trend",
    "aria-label": `Overall score over time, oldest first: ${points.map((p) => p.score).join(", ")}`,
  });
  for (const mark of [0, 50, 100]) {
    chart.append(
      svg("line", { x1: left, x2: width - 12, y1: y(mark), y2: y(mark), class: "gridline" }),
      svg("text", { x: left - 6, y: y(mark) + 4, class: "axis" }, String(mark)),
    );
  }
  const line = points.map((p, i) => `${x(i)},${y(p.score)}`).join(" ");
  chart.append(svg("polyline", { points: line, class: "trend-line" }));
  points.forEach((p, i) => {
    const dot = svg("circle", { cx: x(i), cy: y(p.score), r: 4, class: "trend-point", "data-score": p.score });
    dot.append(svg("title", {}, `${formatDate(p.when)}: ${p.score}`));
    chart.append(dot);
  });
  return chart;
}

// ---------------------------------------------------------------------------------------------
// Wiring

async function init() {
  $("signin-form").addEventListener("submit", signIn);
  $("firebase-form").addEventListener("submit", firebaseSignIn);
  $("sign-out").addEventListener("click", signOut);
  for (const button of document.querySelectorAll("[data-nav]")) {
    const view = button.dataset.nav;
    button.addEventListener("click", () => showView(view, view === "interview" ? $("answer") : undefined));
  }
  $("domain").addEventListener("change", () => toggleOther($("domain"), $("domain-other-field")));
  $("duration").addEventListener("change", () => toggleOther($("duration"), $("duration-custom-field")));
  $("setup-form").addEventListener("submit", startInterview);
  $("answer-form").addEventListener("submit", sendAnswer);
  $("answer").addEventListener("keydown", answerKeydown);
  $("end-button").addEventListener("click", () => endInterview(END_MANUAL));
  $("retry-button").addEventListener("click", retry);
  $("mute").addEventListener("click", toggleMute);
  $("finish-button").addEventListener("click", finishUnfinished);
  setUpRecorder();
  wireReport();
  renderMute();

  await loadConfig();
  renderSignIn();
  if (usesFirebase()) {
    firebase.load();
    $("keep-signed-in").checked = firebase.keep;
  } else {
    const token = store.get(KEYS.token);
    if (token) $("token").value = token;
  }
  showView(auth.signedIn() ? "setup" : "signin");
}

init();
