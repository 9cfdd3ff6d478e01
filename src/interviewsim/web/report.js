// The results page's per-question feedback, report downloads and share links, and the history's progress by skill.
// Same rule as app.js: server text reaches the DOM only through textContent.

const $ = (id) => document.getElementById(id);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function band(score) {
  return score >= 75 ? "high" : score >= 50 ? "mid" : "low";
}

function deliveryLine(delivery) {
  if (!delivery) return "";
  const parts = [
    `${delivery.words_per_minute ?? 0} words per minute`,
    `${delivery.fillers ?? 0} fillers`,
    `${delivery.long_pauses ?? 0} long pauses`,
  ];
  if (delivery.low_confidence) parts.push("the transcript may be inaccurate");
  return `Spoken: ${parts.join(", ")}`;
}

function speakingTime(seconds) {
  const total = Math.round(seconds || 0);
  return total < 60 ? `${total} s` : `${Math.floor(total / 60)} min ${String(total % 60).padStart(2, "0")} s`;
}

function paceNote(wpm) {
  if (!wpm) return "";
  if (wpm > 170) return " (fast: a steady interview pace is about 120-170)";
  if (wpm < 120) return " (slow: a steady interview pace is about 120-170)";
  return " (steady)";
}

// "How you spoke": the whole interview's delivery, when any answer was spoken (per answer it is in each question).
function deliveryCard(details) {
  const delivery = details?.delivery;
  if (!delivery) return null;
  const card = el("div", "card");
  card.id = "delivery-card";
  const facts = el("ul", "delivery-summary");
  const wpm = delivery.words_per_minute ?? 0;
  facts.append(
    el("li", "", `Average pace: ${wpm} words per minute${paceNote(wpm)}`),
    el("li", "", `Filler words: ${delivery.fillers_per_minute ?? 0} per minute (${delivery.fillers ?? 0} in all)`),
    el("li", "", `Long pauses (over 2 s): ${delivery.long_pauses ?? 0}`),
    el("li", "", `Speaking time: ${speakingTime(delivery.speaking_seconds)}`),
  );
  card.append(el("h2", "", "How you spoke"), facts);
  for (const note of details.delivery_notes || []) card.append(el("p", "help", note));
  return card;
}

// One entry per core question: score and reason, the answer, covered and missed key points, a model answer,
// and a button that starts a drill on it.
function questionItem(question, index, sessionId, startDrill) {
  const item = el("li", "question");
  const head = el("div", "question-head");
  head.append(
    el("span", `question-score ${band(question.score)}`, `${question.score}/100`),
    el("h3", "question-text", question.question),
  );
  item.append(head, el("p", "question-reason", question.reason));
  item.append(el("blockquote", "", question.answer_excerpt ? `“${question.answer_excerpt}”` : "(no answer)"));
  const spoken = deliveryLine(question.delivery);
  if (spoken) item.append(el("p", "help question-delivery", spoken));
  if (question.covered?.length) item.append(el("p", "covered", `Covered: ${question.covered.join("; ")}`));
  if (question.missed?.length) item.append(el("p", "missed", `Missed: ${question.missed.join("; ")}`));
  const model = el("details", "model-answer");
  model.append(el("summary", "", "Model answer"), el("p", "", question.model_answer));
  item.append(model);
  if (sessionId) {
    const drill = el("button", "secondary drill-button", "Practise this question again");
    drill.type = "button";
    drill.addEventListener("click", async () => {
      drill.disabled = true;
      try {
        await startDrill(sessionId, index);
      } catch (e) {
        item.append(el("p", "error", e.message));
      } finally {
        drill.disabled = false;
      }
    });
    item.append(drill);
  }
  return item;
}

export function showQuestions(evaluation, { sessionId, startDrill, request }) {
  const questions = Array.isArray(evaluation.questions) ? evaluation.questions : [];
  $("delivery-card")?.remove();
  const spoken = deliveryCard(evaluation.details);
  if (spoken) $("questions-card").before(spoken);
  $("questions-card").hidden = !questions.length;
  $("questions").replaceChildren(...questions.map((q, i) => questionItem(q, i, sessionId, startDrill)));
  $("report-card").hidden = !sessionId;
  $("share-status").textContent = "";
  $("share-url-field").hidden = true;
  $("share-stop").hidden = true;
  state.sessionId = sessionId;
  state.request = request;
}

const state = { sessionId: null, request: null };

async function failure(response) {
  let data = {};
  try { data = await response.json(); } catch { /* not JSON */ }
  return new Error(data.error || `The server answered ${response.status}.`);
}

async function download(format) {
  const status = $("share-status");
  const id = encodeURIComponent(state.sessionId);
  const response = await state.request(`/api/sessions/${id}/report?format=${format}`);
  if (!response.ok) {
    status.textContent = (await failure(response)).message;
    return;
  }
  const disposition = response.headers.get("Content-Disposition") || "";
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] || `interview-report.${format}`;
  const link = el("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = format === "html" ? name.replace(/\.html?$/, "") + ".html" : name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

async function share() {
  const status = $("share-status");
  const response = await state.request(`/api/sessions/${encodeURIComponent(state.sessionId)}/share`, {
    method: "POST",
    body: {},
  });
  if (!response.ok) {
    status.textContent = (await failure(response)).message;
    return;
  }
  const link = await response.json();
  const url = $("share-url");
  url.value = link.url;
  $("share-url-field").hidden = false;
  $("share-stop").hidden = false;
  status.textContent = `Anyone with this link can read this report until ${new Date(link.expires_at).toLocaleDateString()}.`;
}

async function stopSharing() {
  const response = await state.request(`/api/sessions/${encodeURIComponent(state.sessionId)}/share`, {
    method: "DELETE",
  });
  $("share-status").textContent = response.ok ? "Sharing stopped: earlier links no longer open." : (await failure(response)).message;
  if (response.ok) {
    $("share-url-field").hidden = true;
    $("share-stop").hidden = true;
  }
}

// History: each skill's latest and best score, and how it moved since its first attempt.
export async function showSkills(api) {
  const list = $("skills");
  try {
    const progress = await api("/api/progress");
    $("skills-card").hidden = !progress.skills.length;
    list.replaceChildren(...progress.skills.map((skill) => {
      const item = el("li", "skill");
      const change = skill.latest - skill.first;
      const trend = skill.attempts > 1 ? ` (${change >= 0 ? "+" : ""}${change} since the first)` : "";
      item.append(
        el("span", "skill-name", skill.skill),
        el("span", `skill-score ${band(skill.latest)}`, `latest ${skill.latest}, best ${skill.best}${trend}`),
        el("span", "help", `${skill.attempts} answer${skill.attempts === 1 ? "" : "s"}`),
      );
      return item;
    }));
  } catch (e) {
    $("skills-card").hidden = false;
    list.replaceChildren(el("li", "error", e.message));
  }
}

export function wireReport() {
  for (const button of document.querySelectorAll("[data-report]")) {
    button.addEventListener("click", () => download(button.dataset.report));
  }
  $("share-button").addEventListener("click", share);
  $("share-stop").addEventListener("click", stopSharing);
}
