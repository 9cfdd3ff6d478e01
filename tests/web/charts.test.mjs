import assert from "node:assert/strict";
import { test } from "node:test";

import { barRows, scoreBand, trendGeometry, trendPoints } from "../../src/interviewsim/web/charts.js";

test("score bands: 75 and up is high, 50 and up mid, below low", () => {
  assert.deepEqual([100, 75, 74, 50, 49, 0].map(scoreBand), ["high", "high", "mid", "mid", "low", "low"]);
});

test("one bar per score, in a fixed order, its length proportional to the score", () => {
  const rows = barRows({ score: 80, communication_score: 50, technical_score: 100, confidence_score: 0, behavior_score: 25 });
  assert.deepEqual(rows.map((r) => r.label), ["Overall", "Communication", "Technical", "Confidence", "Behavior"]);
  assert.deepEqual(rows.map((r) => r.y), [0, 30, 60, 90, 120]);
  assert.deepEqual(rows.map((r) => r.width), [136, 85, 170, 0, 42.5]);
  assert.deepEqual(rows.map((r) => r.band), ["high", "mid", "high", "low", "low"]);
});

test("missing, out-of-range and non-numeric scores are drawn within 0-100", () => {
  const rows = barRows({ score: 140, communication_score: -5, technical_score: "x" });
  assert.deepEqual(rows.map((r) => r.value), [100, 0, 0, 0, 0]);
  assert.equal(rows[0].width, 170);
});

test("the trend keeps graded ended interviews, oldest first, by when they ended", () => {
  const points = trendPoints([
    { status: "ended", score: 70, ended_at: "2025-03-02T10:00:00Z", created_at: "2025-03-01T10:00:00Z" },
    { status: "active", score: null, created_at: "2025-01-01T10:00:00Z" },
    { status: "ended", score: null, created_at: "2025-01-02T10:00:00Z" },
    { status: "ended", score: 40, created_at: "2025-02-01T10:00:00Z" },
  ]);
  assert.deepEqual(points, [
    { score: 40, when: "2025-02-01T10:00:00Z" },
    { score: 70, when: "2025-03-02T10:00:00Z" },
  ]);
});

test("trend points span the plot left to right; 100 at its top, 0 at its bottom", () => {
  const { width, height, grid, dots } = trendGeometry([{ score: 0 }, { score: 50 }, { score: 100 }]);
  assert.deepEqual([width, height], [320, 140]);
  assert.deepEqual(dots.map((d) => [d.x, d.y]), [[28, 120], [168, 65], [308, 10]]);
  assert.deepEqual(grid.map((g) => [g.mark, g.y]), [[0, 120], [50, 65], [100, 10]]);
  assert.ok(grid.every((g) => g.x1 === 28 && g.x2 === 308));
});

test("a single point sits in the middle", () => {
  const { dots } = trendGeometry([{ score: 80 }]);
  assert.equal(dots[0].x, 168);
  assert.ok(Math.abs(dots[0].y - 32) < 1e-9, dots[0].y);
});
