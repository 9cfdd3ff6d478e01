// Pure text shaping for the page: no DOM, so each is unit-tested under Node (tests/web).

export const END_TIME_UP = "[END_INTERVIEW_TIME_UP]";
export const END_MANUAL = "[END_INTERVIEW_MANUAL]";
export const MAX_TTS_CHARS = 2500;

// Interviewer text may hold markdown; only **bold** and line breaks are rendered. Each line as
// [{text, bold}] parts, so the DOM can be built from nodes and nothing in the text becomes markup.
export function richLines(text) {
  return String(text).split("\n").map((line) =>
    line.split(/\*\*(.+?)\*\*/)
      .map((part, i) => ({ text: part, bold: i % 2 === 1 }))
      .filter((part) => part.text),
  );
}

export const plain = (text) => String(text).replace(/\*\*(.+?)\*\*/g, "$1");

// "- a\n- b" (the evaluation's strings) -> ["a", "b"]
export function bulletItems(text) {
  return String(text || "")
    .split("\n")
    .map((line) => line.replace(/^\s*(?:[-*•]|\d+[.)])\s+/, "").trim())
    .filter(Boolean);
}

export const formatDate = (iso) =>
  iso ? new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) : "";

// What /api/tts is sent: the text, cut at a sentence end when it is longer than the server takes.
export function speechText(text) {
  if (!text || text.length <= MAX_TTS_CHARS) return text;
  const cut = text.slice(0, MAX_TTS_CHARS);
  const sentence = cut.lastIndexOf(". ");
  return sentence > 0 ? cut.slice(0, sentence + 1) : cut;
}

// Where the interview is, from a chat reply: "Warm-up", "Question 2 of 5", "Wrap-up", "Finished".
export function progressLabel(reply) {
  if (reply.end || reply.phase === "ended") return "Finished";
  if (reply.phase === "wrapup") return "Wrap-up";
  if (!reply.question_number) return "Warm-up";
  return `Question ${reply.question_number} of ${reply.questions_planned}`;
}

// The countdown at `now` towards `deadline` (both ms): whole seconds left, rounded up, and "m:ss".
export function countdown(deadline, now) {
  const left = Math.max(0, deadline - now);
  const seconds = Math.ceil(left / 1000);
  return {
    left,
    seconds,
    text: `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`,
    low: seconds <= 60,
  };
}

// The setup form's values checked and shaped into the /api/start-session body. Throws
// {message, field} for the first problem; `field` names the input to mark and focus.
export function setupBody(values) {
  const problem = (message, field) => { throw Object.assign(new Error(message), { field }); };
  const domain = values.domain === "other" ? values.domainOther.trim() : values.domain;
  if (!domain) problem("Name the domain you are interviewing in.", "domain-other");
  const role = values.role.trim();
  if (!role) problem("Enter the role you are practising for.", "role");
  const duration = Number(values.duration === "custom" ? values.durationCustom : values.duration);
  if (!Number.isInteger(duration) || duration < 5 || duration > 90) {
    problem("Choose a duration between 5 and 90 minutes.", "duration-custom");
  }
  const body = {
    domain,
    role,
    interview_type: values.interviewType,
    difficulty: values.difficulty,
    duration,
    voice_style: values.voiceStyle,
  };
  const jobDescription = values.jobDescription.trim();
  const resume = values.resume.trim();
  if (jobDescription) body.job_description = jobDescription;
  if (resume) body.resume = resume;
  return body;
}

// The results' decision line: {kind: "yes" | "no" | "withheld", text}; a withheld grade is not a "no".
export function decision(evaluation) {
  if (evaluation.details && evaluation.details.withheld) {
    return { kind: "withheld", text: "Not graded: there was too little to judge fairly. The notes below say why." };
  }
  return evaluation.selected
    ? { kind: "yes", text: "Decision: selected. This performance would move on to the next round." }
    : { kind: "no", text: "Decision: not selected this time. The recommendations below show what to work on." };
}
