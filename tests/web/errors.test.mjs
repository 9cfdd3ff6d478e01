import assert from "node:assert/strict";
import { test } from "node:test";

import { firebaseMessage } from "../../src/interviewsim/web/auth.js";
import { ApiError, errorFromBody, isRetryable, networkError, streamError } from "../../src/interviewsim/web/errors.js";

test("a server error's own sentence and code are kept", () => {
  const error = errorFromBody(409, { error: "This interview has ended.", code: "session_ended" });
  assert.ok(error instanceof ApiError);
  assert.deepEqual([error.message, error.status, error.code], ["This interview has ended.", 409, "session_ended"]);
});

test("a body that is not the error JSON falls back to the status", () => {
  for (const body of [{}, null, "oops", { detail: "x" }]) {
    const error = errorFromBody(502, body);
    assert.deepEqual([error.message, error.status, error.code], ["The server answered 502.", 502, ""]);
  }
});

test("an SSE error frame becomes an ApiError, 502 when it names no status", () => {
  const error = streamError({ error: "The interviewer is unavailable.", status: 503, code: "upstream" });
  assert.deepEqual([error.message, error.status, error.code], ["The interviewer is unavailable.", 503, "upstream"]);
  const bare = streamError(null);
  assert.deepEqual([bare.message, bare.status, bare.code], ["The reply failed.", 502, ""]);
});

test("only failures the server did not act on are offered again", () => {
  assert.ok(isRetryable(networkError()));
  for (const status of [429, 502, 503, 504]) assert.ok(isRetryable(new ApiError("x", status)), status);
  for (const status of [400, 401, 404, 409, 422, 500]) assert.ok(!isRetryable(new ApiError("x", status)), status);
});

test("Identity Toolkit codes become sentences, with or without their detail", () => {
  const wrong = "That email and password do not match an account. Check them and try again.";
  assert.equal(firebaseMessage("INVALID_LOGIN_CREDENTIALS"), wrong);
  assert.equal(firebaseMessage("INVALID_PASSWORD"), wrong);
  assert.equal(
    firebaseMessage("TOO_MANY_ATTEMPTS_TRY_LATER : Access to this account has been temporarily disabled"),
    "Too many attempts. Wait a few minutes, then try again.",
  );
  assert.equal(
    firebaseMessage("API key not valid. Please pass a valid API key."),
    "Firebase refused this server's web API key. Check FIREBASE_WEB_API_KEY.",
  );
  assert.equal(firebaseMessage("HTTP 500"), "Sign-in failed (HTTP 500). Try again.");
  // A code named like an Object property is still an unknown code, not a function turned into text.
  assert.equal(firebaseMessage("constructor"), "Sign-in failed (constructor). Try again.");
});
