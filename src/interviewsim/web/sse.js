// A text/event-stream reader (EventSource cannot POST, so the stream comes from fetch).

import { ApiError } from "./errors.js";

// The incremental parser: push() text as it arrives and get back the frames it completed, as
// {event, data}. Pure: no I/O, so a frame split anywhere across chunks parses the same.
export function sseParser() {
  let buffer = "";
  let event = "";
  let data = [];
  let afterCr = false; // the last chunk ended with "\r", which may be the first half of "\r\n"
  return {
    push(chunk) {
      const frames = [];
      // A "\r" ends its line at once (so a frame ending in "\r\r" is not held back); an "\n" that then
      // starts the next chunk is the rest of that line end, not an empty line.
      const text = afterCr && chunk.startsWith("\n") ? chunk.slice(1) : chunk;
      if (text) afterCr = text.endsWith("\r");
      buffer += text;
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop();
      for (const line of lines) {
        if (line === "") {
          if (data.length) frames.push({ event: event || "message", data: data.join("\n") });
          event = "";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue; // comment / keep-alive
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = value;
        else if (field === "data") data.push(value);
      }
      return frames;
    },
  };
}

// Yields {event, data} for each frame of a fetch body as it arrives. An unterminated last frame is
// discarded, as EventSource does.
export async function* sseFrames(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = sseParser();
  try {
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch {
        throw new ApiError("The connection dropped before the reply finished.", 0, "network");
      }
      if (chunk.done) return;
      yield* parser.push(chunk.value);
    }
  } finally {
    // The caller stops at `done`; release the connection instead of leaving it half-read.
    reader.cancel().catch(() => {});
  }
}

export function parseJson(text) {
  try { return JSON.parse(text); } catch { return null; }
}
