import assert from "node:assert/strict";
import { test } from "node:test";

import { REFRESH_MARGIN_MS, expiryTime, tokenIsFresh } from "../../src/interviewsim/web/auth.js";

const NOW = Date.UTC(2025, 0, 1, 12);

test("Google's expires_in (seconds, as text) becomes an absolute expiry in ms", () => {
  assert.equal(expiryTime(NOW, "3600"), NOW + 3_600_000);
  assert.equal(expiryTime(NOW, 120), NOW + 120_000);
});

test("a missing or unreadable lifetime counts as Firebase's hour", () => {
  for (const bad of [undefined, null, "", "soon", 0]) assert.equal(expiryTime(NOW, bad), NOW + 3_600_000, String(bad));
});

test("a token is refreshed five minutes before it expires, not at expiry", () => {
  assert.equal(REFRESH_MARGIN_MS, 5 * 60_000);
  const expiresAt = expiryTime(NOW, "3600");
  assert.ok(tokenIsFresh("id", expiresAt, NOW));
  assert.ok(tokenIsFresh("id", expiresAt, expiresAt - REFRESH_MARGIN_MS - 1));
  assert.ok(!tokenIsFresh("id", expiresAt, expiresAt - REFRESH_MARGIN_MS));
  assert.ok(!tokenIsFresh("id", expiresAt, expiresAt + 1));
});

test("no token is never fresh", () => {
  assert.ok(!tokenIsFresh("", NOW + 3_600_000, NOW));
});
