// The page's one error type and how server and network failures become sentences for the user.

export class ApiError extends Error {
  constructor(message, status, code = "") {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// Errors worth re-sending the same answer for: the server kept the answer and will not store it twice.
const RETRYABLE = new Set([0, 429, 502, 503, 504]);

export const isRetryable = (error) => RETRYABLE.has(error.status);

// Every server error is JSON {"error", "code"}; `data` is that body, or {} when it was not JSON.
export function errorFromBody(status, data) {
  const body = data && typeof data === "object" ? data : {};
  return new ApiError(body.error || `The server answered ${status}.`, status, body.code || "");
}

// An SSE `error` frame's payload ({"error", "status", "code"}, or null when unreadable).
export function streamError(data) {
  return new ApiError(data?.error || "The reply failed.", data?.status || 502, data?.code || "");
}

export const networkError = () =>
  new ApiError("Cannot reach the server. Check that it is running, then try again.", 0, "network");
