import assert from "node:assert/strict";
import { test } from "node:test";

import {
  MAX_TTS_CHARS, bulletItems, countdown, decision, plain, progressLabel, richLines, setupBody, speechText,
} from "../../src/interviewsim/web/text.js";

test("the countdown shows m:ss, rounding partial seconds up", () => {
  const deadline = 1_000_000;
  assert.deepEqual(countdown(deadline, deadline - 15 * 60_000), { left: 900_000, seconds: 900, text: "15:00", low: false });
  assert.equal(countdown(deadline, deadline - 61_001).text, "1:02");
  assert.equal(countdown(deadline, deadline - 9_500).text, "0:10");
  assert.equal(countdown(deadline, deadline - 1).text, "0:01");
});

test("the last minute is low, and past the deadline it stays at zero", () => {
  const deadline = 1_000_000;
  assert.equal(countdown(deadline, deadline - 60_001).low, false);
  assert.equal(countdown(deadline, deadline - 60_000).low, true);
  assert.deepEqual(countdown(deadline, deadline + 5_000), { left: 0, seconds: 0, text: "0:00", low: true });
});

test("progress follows the reply's phase and question numbers", () => {
  assert.equal(progressLabel({ phase: "warmup" }), "Warm-up");
  assert.equal(progressLabel({ phase: "core", question_number: 2, questions_planned: 5 }), "Question 2 of 5");
  assert.equal(progressLabel({ phase: "wrapup", question_number: 5, questions_planned: 5 }), "Wrap-up");
  assert.equal(progressLabel({ phase: "ended" }), "Finished");
  assert.equal(progressLabel({ end: true, phase: "core", question_number: 3 }), "Finished");
});

test("only **bold** and line breaks are rich; anything else stays text", () => {
  assert.deepEqual(richLines("Hi **there**\n<b>x</b> **a** and **b**"), [
    [{ text: "Hi ", bold: false }, { text: "there", bold: true }],
    [{ text: "<b>x</b> ", bold: false }, { text: "a", bold: true }, { text: " and ", bold: false }, { text: "b", bold: true }],
  ]);
  assert.deepEqual(richLines("a\n\nb"), [[{ text: "a", bold: false }], [], [{ text: "b", bold: false }]]);
  assert.equal(plain("Say **this** and **that**"), "Say this and that");
});

test("bullet lists lose their markers and blank lines", () => {
  assert.deepEqual(bulletItems("- one\n* two\n• three\n1. four\n2) five\n\n   \nplain"), ["one", "two", "three", "four", "five", "plain"]);
  assert.deepEqual(bulletItems(undefined), []);
  assert.deepEqual(bulletItems("-not a bullet"), ["-not a bullet"]);
});

test("long replies are cut for speech at the last sentence that fits", () => {
  assert.equal(speechText("Short."), "Short.");
  assert.equal(speechText(""), "");
  const sentence = "This is a sentence. ";
  const long = sentence.repeat(200);
  const spoken = speechText(long);
  assert.ok(spoken.length <= MAX_TTS_CHARS);
  assert.ok(spoken.endsWith("sentence."));
  assert.ok(long.startsWith(spoken));
  const unbroken = "x".repeat(MAX_TTS_CHARS + 10);
  assert.equal(speechText(unbroken), "x".repeat(MAX_TTS_CHARS));
});

const FORM = {
  domain: "software", domainOther: "", role: "  Frontend Developer ", duration: "15", durationCustom: "20",
  interviewType: "Mixed", difficulty: "Intermediate", voiceStyle: "female", jobDescription: " ", resume: "",
};

test("the setup form becomes the start-session body, without empty optional texts", () => {
  assert.deepEqual(setupBody(FORM), {
    domain: "software", role: "Frontend Developer", interview_type: "Mixed", difficulty: "Intermediate",
    duration: 15, voice_style: "female",
  });
  const full = setupBody({ ...FORM, domain: "other", domainOther: " Security ", duration: "custom", durationCustom: "45",
    jobDescription: " JD ", resume: " CV " });
  assert.deepEqual([full.domain, full.duration, full.job_description, full.resume], ["Security", 45, "JD", "CV"]);
});

test("the first problem in the setup form names the field to fix", () => {
  const problem = (values) => {
    try {
      setupBody({ ...FORM, ...values });
    } catch (e) {
      return [e.message, e.field];
    }
    return null;
  };
  assert.deepEqual(problem({ domain: "other", domainOther: "  " }), ["Name the domain you are interviewing in.", "domain-other"]);
  assert.deepEqual(problem({ role: " " }), ["Enter the role you are practising for.", "role"]);
  for (const minutes of ["4", "91", "7.5", "", "abc"]) {
    assert.deepEqual(problem({ duration: "custom", durationCustom: minutes }),
      ["Choose a duration between 5 and 90 minutes.", "duration-custom"], minutes);
  }
  assert.equal(problem({ duration: "custom", durationCustom: "90" }), null);
});

test("a withheld grade reads as not graded, never as not selected", () => {
  assert.equal(decision({ selected: true }).kind, "yes");
  assert.equal(decision({ selected: false, details: {} }).kind, "no");
  const withheld = decision({ selected: false, details: { withheld: "only one substantive answer" } });
  assert.equal(withheld.kind, "withheld");
  assert.match(withheld.text, /^Not graded/);
  assert.doesNotMatch(withheld.text, /not selected/);
});
