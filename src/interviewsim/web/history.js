// The history view: past interviews, the score trend and progress by skill; opening one shows its
// results, or the running interview when it is that one.

import { api } from "./api.js";
import { trendChart } from "./charts.js";
import { $, el } from "./dom.js";
import { showSkills } from "./report.js";
import { showResults, showUnfinished } from "./results.js";
import { handleAuthError } from "./signin.js";
import { currentSession, isLive } from "./store.js";
import { formatDate } from "./text.js";
import { showView } from "./views.js";

export async function loadHistory() {
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
  if (isLive() && currentSession().id === id) {
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
