// Which view is on screen, and the interview's transcript: bubbles, notes, announcements, errors.

import { $, el, renderRich } from "./dom.js";
import { isRetryable } from "./errors.js";
import { isLive } from "./store.js";

const VIEWS = ["signin", "setup", "interview", "results", "history"];
const shown = new Map(); // view name -> what runs each time it is shown

// Run `callback` whenever view `name` is shown (the history reloads, for one).
export function onShow(name, callback) {
  shown.set(name, callback);
}

export function showView(name, focusTarget) {
  for (const view of VIEWS) $(`view-${view}`).hidden = view !== name;
  $("nav").hidden = name === "signin";
  $("nav-interview").hidden = !isLive() || name === "interview";
  // Move focus to the new view so keyboard and screen-reader users land on it.
  const target = focusTarget || document.querySelector(`#view-${name} h1`);
  target.focus();
  shown.get(name)?.();
}

export function addBubble(who, text) {
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

export function addNote(text) {
  $("transcript").append(el("li", "note", text));
  scrollTranscript();
}

export function scrollTranscript() {
  const transcript = $("transcript");
  transcript.scrollTop = transcript.scrollHeight;
}

export function announce(text) {
  const announcer = $("announcer");
  announcer.textContent = "";
  // A separate task, so the same sentence twice in a row is still announced.
  setTimeout(() => { announcer.textContent = text; }, 50);
}

export function showChatError(error) {
  $("chat-error-text").textContent = error.message;
  $("retry-button").hidden = !isRetryable(error);
  $("chat-error").hidden = false;
  if (!$("retry-button").hidden) $("retry-button").focus();
}

export function hideChatError() {
  // Hiding the focused "Send again" button would drop focus to <body>; keep it in the answer box.
  if (document.activeElement === $("retry-button")) $("answer").focus();
  $("chat-error").hidden = true;
}

// A stored transcript (results, history): messages as {role, text}.
export function renderTranscript(list, messages) {
  list.replaceChildren(...(messages || []).map((message) => {
    const candidate = message.role === "user" || message.role === "candidate";
    const item = el("li", `bubble ${candidate ? "candidate" : "interviewer"}`);
    const body = el("p", "text");
    renderRich(body, message.text);
    item.append(el("span", "who", candidate ? "You" : "Interviewer"), body);
    return item;
  }));
}
