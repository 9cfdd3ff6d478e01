// The interview view: one turn at a time (streamed when the server can), the countdown, ending,
// the Record control for spoken answers and the live voice mode.

import { api, failure, request } from "./api.js";
import { auth } from "./auth.js";
import { $, renderRich } from "./dom.js";
import { ApiError, streamError } from "./errors.js";
import { AnswerRecorder, recordingSupported } from "./recorder.js";
import { showResults } from "./results.js";
import { handleAuthError } from "./signin.js";
import { speak, stopAudio } from "./speech-out.js";
import { parseJson, sseFrames } from "./sse.js";
import { beginSession, claimTimeUp, currentSession, endSession, followDeadline } from "./store.js";
import { END_MANUAL, END_TIME_UP, countdown, plain, progressLabel } from "./text.js";
import { VoiceLink } from "./voice.js";
import { addBubble, addNote, announce, hideChatError, scrollTranscript, showChatError, showView } from "./views.js";

const turn = {
  busy: false,
  lastMessage: null, // what "Send again" re-sends
  lastSpeechId: null, // and the speech id of that answer, when it was spoken
  speechId: null, // from /api/stt: the answer in the box was spoken (its delivery is measured by the server)
  timeUpPending: false,
  canStream: true, // false once the server showed it has no /api/chat/stream
};
let timer = 0;
let recorder = null;
let voice = null; // the live VoiceLink of a voice interview

// The interviewer's reply read aloud, unless a voice interview already hears it live.
const say = (text) => speak(text, currentSession() && !voice ? currentSession().voice : null);

export function enterInterview(started, body, label) {
  stopInterview();
  beginSession({ id: started.session_id, voice: body.voice_style, minutes: body.duration, label });
  $("transcript").replaceChildren();
  hideChatError();
  setBusy(false); // re-enables Send and End after an earlier interview ended
  $("answer").value = "";
  showView("interview", $("answer"));
  timer = setInterval(tick, 1000);
  tick();
  if ($("mode-voice").checked) startVoice(started.first_question);
  else applyReply(started.first_question, addBubble("interviewer"));
}

// A drill: a short interview on one question of an earlier interview (the server copies its settings).
export async function startDrill(sessionId, questionIndex) {
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

function setBusy(busy) {
  const session = currentSession();
  const over = !session || session.ended;
  turn.busy = busy;
  $("send-button").disabled = busy || over;
  $("end-button").disabled = busy || over;
  $("send-button").textContent = busy ? "Waiting…" : "Send";
  $("transcript").setAttribute("aria-busy", String(busy));
}

export function sendAnswer(event) {
  event?.preventDefault();
  const text = $("answer").value.trim();
  const session = currentSession();
  if (!text || turn.busy || !session || session.ended) return;
  stopListening();
  const speechId = turn.speechId;
  turn.speechId = null;
  $("answer").value = "";
  addBubble("candidate", text);
  if (voice) {
    voice.sendText(text);
    return;
  }
  sendTurn(text, speechId);
}

export function endInterview(marker = END_MANUAL) {
  const session = currentSession();
  if (!session || session.ended) return;
  if (turn.busy) {
    // Let the running turn finish; the timer checks again afterwards.
    if (marker === END_TIME_UP) turn.timeUpPending = true;
    return;
  }
  addNote(marker === END_TIME_UP ? "Time is up." : "You ended the interview.");
  if (voice) {
    voice.end(marker === END_TIME_UP ? "time_up" : "manual");
    return;
  }
  sendTurn(marker);
}

async function sendTurn(message, speechId = null) {
  const session = currentSession();
  turn.lastMessage = message;
  turn.lastSpeechId = speechId;
  hideChatError();
  setBusy(true);
  const bubble = addBubble("interviewer");
  const body = { session_id: session.id, user_message: message, voice_style: session.voice };
  if (speechId) body.speech_id = speechId;
  try {
    const reply = turn.canStream
      ? await streamTurn(body, bubble)
      : await api("/api/chat", { method: "POST", body });
    if (currentSession() === session) applyReply(reply, bubble); // not if a new interview began meanwhile
  } catch (e) {
    bubble.remove();
    if (handleAuthError(e)) return;
    if (e.status === 409 && (await showIfEnded(session))) return;
    showChatError(e);
  } finally {
    setBusy(false);
    if (turn.timeUpPending && !currentSession()?.ended) {
      turn.timeUpPending = false;
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
    turn.canStream = false;
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
      throw streamError(data);
    }
  }
  throw new ApiError("The reply was cut off before it finished.", 0, "stream_incomplete");
}

function applyReply(reply, bubble) {
  const session = currentSession();
  // On the last turn text_response is the evaluation summary; the transcript shows the goodbye.
  const text = reply.end && reply.closing_text ? reply.closing_text : reply.text_response;
  bubble.classList.remove("pending");
  renderRich(bubble.querySelector(".text"), text);
  scrollTranscript();
  announce(plain(text));
  $("progress").textContent = progressLabel(reply);
  if (typeof reply.minutes_left === "number" && !reply.end) followDeadline(session, reply.minutes_left);
  say(reply.voice_response);
  if (reply.end) {
    endSession(session);
    clearInterval(timer);
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
    endSession(session);
    clearInterval(timer);
    showResults(detail.evaluation, { label: session.label, messages: detail.messages, sessionId: session.id });
    return true;
  } catch {
    return false;
  }
}

export function retry() {
  const session = currentSession();
  if (turn.lastMessage && !turn.busy && session && !session.ended) sendTurn(turn.lastMessage, turn.lastSpeechId);
}

function tick() {
  const session = currentSession();
  if (!session || session.ended) return;
  const { left, text, low } = countdown(session.deadline, Date.now());
  const clock = $("timer");
  clock.textContent = text;
  clock.classList.toggle("low", low);
  if (left === 0 && claimTimeUp(session)) endInterview(END_TIME_UP);
}

export function stopInterview() {
  clearInterval(timer);
  voice?.stop();
  voice = null;
  stopListening();
  stopAudio();
  turn.timeUpPending = false;
  endSession();
}

// Answer box: Enter sends, Shift+Enter is a new line (IME composition is left alone).
export function answerKeydown(event) {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) sendAnswer(event);
}

// ---- Live voice interview: /api/voice (voice.js) -------------------------------------------

const VOICE_STATES = { listening: "Listening…", thinking: "Thinking…", speaking: "Speaking…", reconnecting: "Reconnecting…" };

function startVoice(firstQuestion) {
  let heard = null; // the caption of what the candidate is saying
  let reply = null; // the interviewer bubble being written
  const caption = $("voice-state");
  caption.hidden = false;
  caption.textContent = "Connecting…";
  const link = new VoiceLink(currentSession().id, {
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
      voice = null;
    },
  });
  voice = link;
  applyReply(firstQuestion, addBubble("interviewer")); // the greeting's text; its audio comes live
  link.start().catch((error) => {
    voice = null;
    caption.textContent = `Microphone unavailable (${error.message}); type your answers.`;
    say(firstQuestion.voice_response);
  });
}

// ---- Voice in: Record/Stop, transcribed by the server (recorder.js) ----------------------------

function stopListening() {
  recorder?.cancel();
}

export function setUpRecorder() {
  if (!recordingSupported()) return;
  const help = $("answer-help").textContent;
  recorder = new AnswerRecorder({
    button: $("mic-button"),
    meter: $("mic-level"),
    authorize: async () => ({ Authorization: `Bearer ${await auth.token()}` }),
    onTranscript: (heard) => {
      const before = $("answer").value.trim();
      $("answer").value = [before, heard.text].filter(Boolean).join(" ");
      turn.speechId = before ? null : heard.speech_id; // metrics describe the recording alone, not typed text
      $("answer").focus();
    },
    onStatus: (text) => { $("answer-help").textContent = text || help; },
  });
  $("mic-button").hidden = false;
  $("mic-button").addEventListener("click", () => recorder?.toggle());
}
