// Requests to this server: the bearer token on each, one retry after a renewable 401, JSON errors as ApiError.

import { auth } from "./auth.js";
import { errorFromBody, networkError } from "./errors.js";

async function send(path, { method = "GET", body } = {}) {
  const headers = { Authorization: `Bearer ${await auth.token()}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  try {
    return await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw networkError();
  }
}

// A 401 is tried once more with a renewed Firebase token: the server rejected the request before doing anything.
export async function request(path, options = {}) {
  const response = await send(path, options);
  if (response.status !== 401 || !(await auth.renew())) return response;
  return send(path, options);
}

// The ApiError a failed response stands for (its JSON body when it has one).
export async function failure(response) {
  let data = {};
  try { data = await response.json(); } catch { /* not JSON */ }
  return errorFromBody(response.status, data);
}

export async function api(path, options) {
  const response = await request(path, options);
  if (!response.ok) throw await failure(response);
  return response.json();
}
