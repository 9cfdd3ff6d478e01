// The setup view: the interview's settings, checked, then POST /api/start-session.

import { api } from "./api.js";
import { $ } from "./dom.js";
import { enterInterview } from "./interview.js";
import { handleAuthError } from "./signin.js";
import { setupBody } from "./text.js";

// "Other…" domain and "Other length…" duration reveal their own field.
export function toggleOther(select, field) {
  field.hidden = select.value !== (select.id === "domain" ? "other" : "custom");
}

// The form's values as a start-session body; throws {message, input} for the first problem, marking it.
function readSetup() {
  const form = $("setup-form");
  form.querySelectorAll("[aria-invalid]").forEach((input) => input.removeAttribute("aria-invalid"));
  try {
    return setupBody({
      domain: $("domain").value,
      domainOther: $("domain-other").value,
      role: $("role").value,
      duration: $("duration").value,
      durationCustom: $("duration-custom").value,
      interviewType: $("interview-type").value,
      difficulty: $("difficulty").value,
      voiceStyle: form.elements.voice_style.value,
      jobDescription: $("job-description").value,
      resume: $("resume").value,
    });
  } catch (e) {
    e.input = $(e.field);
    e.input.setAttribute("aria-invalid", "true");
    throw e;
  }
}

export async function startInterview(event) {
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
