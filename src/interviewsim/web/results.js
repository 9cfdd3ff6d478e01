// The results view: decision, score bars, summary, lists, evidence and transcript of one graded
// interview, or the offer to grade one that never ended.

import { api, request } from "./api.js";
import { barChart } from "./charts.js";
import { $, el, fillList, renderRich } from "./dom.js";
import { showQuestions } from "./report.js";
import { handleAuthError } from "./signin.js";
import { bulletItems, decision } from "./text.js";
import { renderTranscript, showView } from "./views.js";

let startDrill = null; // set by wireResults: the interview's drill starter, for each question's button
let unfinishedId = null; // the ungraded interview on screen

export function wireResults(actions) {
  startDrill = actions.startDrill;
  $("finish-button").addEventListener("click", finishUnfinished);
}

export function showResults(evaluation, { label = "", messages = null, sessionId = null } = {}) {
  $("results-meta").textContent = label;
  $("unfinished").hidden = true;
  $("results-head").hidden = false;
  $("results-body").hidden = false;
  const line = $("decision");
  const { kind, text } = decision(evaluation);
  line.hidden = typeof evaluation.selected !== "boolean";
  line.className = `decision ${kind}`;
  line.textContent = text;
  // A withheld grade's scores are placeholders: a chart of zeros would read as a failing grade.
  $("scores-chart").replaceChildren(...(kind === "withheld" ? [] : [barChart(evaluation)]));
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
export function showUnfinished(sessionId, label, messages) {
  unfinishedId = sessionId;
  $("results-meta").textContent = label;
  $("unfinished-error").textContent = "";
  $("unfinished").hidden = false;
  $("results-head").hidden = true;
  $("results-body").hidden = true;
  showTranscript(messages);
  showView("results");
}

async function finishUnfinished() {
  const sessionId = unfinishedId;
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
