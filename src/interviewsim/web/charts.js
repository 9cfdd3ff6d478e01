// The results' score bars and the history's trend line, as SVG. The geometry is computed by pure
// functions (unit-tested under Node); the drawing only turns it into nodes.

import { el, svg } from "./dom.js";
import { formatDate } from "./text.js";

export const SCORES = [
  ["score", "Overall"],
  ["communication_score", "Communication"],
  ["technical_score", "Technical"],
  ["confidence_score", "Confidence"],
  ["behavior_score", "Behavior"],
];

const BARS = { rowHeight: 30, labelWidth: 110, barWidth: 170, valueWidth: 40, barHeight: 18 };
const TREND = { width: 320, height: 140, left: 28, right: 12, top: 10, bottom: 20 };

export function scoreBand(value) {
  return value >= 75 ? "high" : value >= 50 ? "mid" : "low";
}

const clampScore = (value) => Math.max(0, Math.min(100, Number(value) || 0));

// One row per score: its label, value (0-100, a missing one is 0), band and bar length.
export function barRows(evaluation) {
  return SCORES.map(([key, label], index) => {
    const value = clampScore(evaluation[key]);
    return { label, value, band: scoreBand(value), y: index * BARS.rowHeight, width: (BARS.barWidth * value) / 100 };
  });
}

// Horizontal bars: labels stay readable on a narrow phone. The SVG is one image whose label
// carries every value for screen readers; the visible numbers are drawn beside the bars.
export function barChart(evaluation) {
  const { rowHeight, labelWidth, barWidth, valueWidth, barHeight } = BARS;
  const rows = barRows(evaluation);
  const chart = svg("svg", {
    viewBox: `0 0 ${labelWidth + barWidth + valueWidth} ${rows.length * rowHeight}`,
    role: "img",
    "aria-label": `Scores out of 100: ${rows.map(({ label, value }) => `${label} ${value}`).join(", ")}`,
    class: "bars",
  });
  for (const { label, value, band, y, width } of rows) {
    const row = svg("g", { class: "bar-row" });
    row.append(
      svg("text", { x: 0, y: y + 19, class: "bar-label" }, label),
      svg("rect", { x: labelWidth, y: y + 6, width: barWidth, height: barHeight, rx: 3, class: "bar-track" }),
      svg("rect", {
        x: labelWidth, y: y + 6, width, height: barHeight, rx: 3, class: `bar ${band}`, "data-value": value,
      }),
      svg("text", { x: labelWidth + barWidth + 6, y: y + 19, class: "bar-value" }, String(value)),
    );
    chart.append(row);
  }
  return chart;
}

// The overall scores of ended interviews, oldest first, each with when it ended.
export function trendPoints(sessions) {
  return sessions
    .filter((s) => s.status === "ended" && typeof s.score === "number")
    .map((s) => ({ score: s.score, when: s.ended_at || s.created_at }))
    .sort((a, b) => new Date(a.when) - new Date(b.when));
}

// Where each point sits in the trend chart's viewBox: spread evenly left to right (one point in the
// middle), 100 at the top of the plot and 0 at its bottom; and the gridlines at 0, 50 and 100.
export function trendGeometry(points) {
  const { width, height, left, right, top, bottom } = TREND;
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const x = (i) => left + (points.length === 1 ? plotWidth / 2 : (plotWidth * i) / (points.length - 1));
  const y = (score) => top + plotHeight * (1 - score / 100);
  return {
    width,
    height,
    grid: [0, 50, 100].map((mark) => ({ mark, x1: left, x2: width - right, y: y(mark) })),
    dots: points.map((p, i) => ({ ...p, x: x(i), y: y(p.score) })),
  };
}

export function trendChart(sessions) {
  const points = trendPoints(sessions);
  if (!points.length) return el("p", "help", "Finish an interview to see your score trend.");
  const { width, height, grid, dots } = trendGeometry(points);
  const chart = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    class: "trend",
    "aria-label": `Overall score over time, oldest first: ${points.map((p) => p.score).join(", ")}`,
  });
  for (const { mark, x1, x2, y } of grid) {
    chart.append(
      svg("line", { x1, x2, y1: y, y2: y, class: "gridline" }),
      svg("text", { x: x1 - 6, y: y + 4, class: "axis" }, String(mark)),
    );
  }
  chart.append(svg("polyline", { points: dots.map((d) => `${d.x},${d.y}`).join(" "), class: "trend-line" }));
  for (const dot of dots) {
    const circle = svg("circle", { cx: dot.x, cy: dot.y, r: 4, class: "trend-point", "data-score": dot.score });
    circle.append(svg("title", {}, `${formatDate(dot.when)}: ${dot.score}`));
    chart.append(circle);
  }
  return chart;
}
