import assert from "node:assert/strict";
import { test } from "node:test";

import { parseJson, sseFrames, sseParser } from "../../src/interviewsim/web/sse.js";

const STREAM = 'event: delta\ndata: {"text":"Hel"}\n\nevent: delta\ndata: {"text":"lo"}\n\nevent: done\ndata: {"end":false}\n\n';

function parseAll(chunks) {
  const parser = sseParser();
  return chunks.flatMap((chunk) => parser.push(chunk));
}

test("whole frames parse to event and data", () => {
  assert.deepEqual(parseAll([STREAM]), [
    { event: "delta", data: '{"text":"Hel"}' },
    { event: "delta", data: '{"text":"lo"}' },
    { event: "done", data: '{"end":false}' },
  ]);
});

test("a stream split at every character parses the same as in one piece", () => {
  assert.deepEqual(parseAll([...STREAM]), parseAll([STREAM]));
});

test("CRLF and CR line ends, even with CR and LF in different chunks", () => {
  const crlf = STREAM.replaceAll("\n", "\r\n");
  assert.deepEqual(parseAll([crlf]), parseAll([STREAM]));
  assert.deepEqual(parseAll([...crlf]), parseAll([STREAM]));
  assert.deepEqual(parseAll([STREAM.replaceAll("\n", "\r")]), parseAll([STREAM]));
  // "\r" then "\n" must be one line end, not a line end and then an empty line that ends the frame.
  assert.deepEqual(parseAll(["data: a\r", "\ndata: b\r", "\n\r\n"]), [{ event: "message", data: "a\nb" }]);
});

test("a frame without an event is a message; several data lines join with newlines", () => {
  assert.deepEqual(parseAll(["data: one\ndata:two\ndata\n\n"]), [{ event: "message", data: "one\ntwo\n" }]);
});

test("comments, unknown fields and frames without data yield nothing", () => {
  assert.deepEqual(parseAll([": keep-alive\n\nid: 3\nretry: 10\n\nevent: delta\n\n"]), []);
});

test("an event name does not leak into the next frame", () => {
  assert.deepEqual(parseAll(["event: error\ndata: x\n\ndata: y\n\n"]), [
    { event: "error", data: "x" },
    { event: "message", data: "y" },
  ]);
});

test("only one leading space of a value is dropped", () => {
  assert.deepEqual(parseAll(["data:   spaced\n\n"]), [{ event: "message", data: "  spaced" }]);
});

test("a frame ending in CR CR is complete at once, not held for a possible LF", () => {
  assert.deepEqual(parseAll(["data: a\r\r"]), [{ event: "message", data: "a" }]);
});

test("an unterminated last frame is held, not yielded", () => {
  assert.deepEqual(parseAll(["data: partial\n"]), []);
});

function bodyOf(chunks) {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

test("sseFrames reads a fetch body, across multi-byte characters split between chunks", async () => {
  const bytes = new TextEncoder().encode('data: {"text":"café ✓"}\n\n');
  const split = bytes.indexOf(0xc3) + 1; // inside the two bytes of "é"
  const body = new ReadableStream({
    start(controller) {
      controller.enqueue(bytes.slice(0, split));
      controller.enqueue(bytes.slice(split));
      controller.close();
    },
  });
  const frames = [];
  for await (const frame of sseFrames(body)) frames.push(frame);
  assert.deepEqual(frames, [{ event: "message", data: '{"text":"café ✓"}' }]);
});

test("sseFrames stops at the caller's break and cancels the body", { timeout: 10_000 }, async () => {
  let cancel;
  const cancelled = new Promise((resolve) => { cancel = resolve; });
  const encoder = new TextEncoder();
  const body = new ReadableStream({
    pull(controller) { controller.enqueue(encoder.encode("data: again\n\n")); },
    cancel,
  });
  for await (const frame of sseFrames(body)) {
    assert.equal(frame.data, "again");
    break;
  }
  await cancelled; // the cancel reaches the source through the decoder's pipe
});

test("a dropped connection is a network ApiError", async () => {
  let pulls = 0;
  const body = new ReadableStream({
    pull(controller) {
      if (pulls++ === 0) controller.enqueue(new TextEncoder().encode("data: a\n\n"));
      else controller.error(new Error("reset"));
    },
  });
  const frames = [];
  await assert.rejects(async () => {
    for await (const frame of sseFrames(body)) frames.push(frame);
  }, { status: 0, code: "network", message: "The connection dropped before the reply finished." });
  assert.equal(frames.length, 1);
});

test("sseFrames on a body built from several chunks", async () => {
  const frames = [];
  for await (const frame of sseFrames(bodyOf(["event: del", "ta\ndata: {}\n", "\n"]))) frames.push(frame);
  assert.deepEqual(frames, [{ event: "delta", data: "{}" }]);
});

test("parseJson gives null for text that is not JSON", () => {
  assert.deepEqual(parseJson('{"a":1}'), { a: 1 });
  assert.equal(parseJson("{not json"), null);
});
