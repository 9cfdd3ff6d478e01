// Who the page is: the local token, a Firebase ID token, or the embedding page's own tokens.
// The server says how it checks tokens (GET /web/config.json): "local" wants the token `make run`
// printed; "firebase" wants a Firebase ID token, which the page gets from Google's Identity Toolkit
// REST API with email and password (no Firebase SDK). The ID token lives in memory only; the
// refresh token is kept in localStorage ("Keep me signed in") or else in sessionStorage.
// A page may still supply its own tokens: set window.interviewsimAuth = { getToken: async () => "…" }
// before the page's script runs, and every request uses it.

import { ApiError } from "./errors.js";
import { KEYS, store, tabStore } from "./storage.js";

export const config = {
  auth: "local",
  firebase_api_key: null,
  identity_toolkit_url: "https://identitytoolkit.googleapis.com",
  secure_token_url: "https://securetoken.googleapis.com",
};

export const REFRESH_MARGIN_MS = 5 * 60_000; // a new ID token is fetched this long before the old one expires
const DEFAULT_LIFETIME_S = 3600;

export const usesFirebase = () => config.auth === "firebase" || config.auth === "firebase-emulator";

// When a token that Google says lives `expiresIn` seconds (a string in its JSON) expires, in ms since the epoch.
export function expiryTime(now, expiresIn) {
  return now + (Number(expiresIn) || DEFAULT_LIFETIME_S) * 1000;
}

// Whether an ID token can still be sent as it is: present, and not within the margin of its expiry.
export function tokenIsFresh(idToken, expiresAt, now, margin = REFRESH_MARGIN_MS) {
  return Boolean(idToken) && now < expiresAt - margin;
}

// Identity Toolkit error codes ("TOO_MANY_ATTEMPTS_TRY_LATER : Access to this account…") in words.
const FIREBASE_MESSAGES = {
  INVALID_LOGIN_CREDENTIALS: "That email and password do not match an account. Check them and try again.",
  EMAIL_NOT_FOUND: "That email and password do not match an account. Check them and try again.",
  INVALID_PASSWORD: "That email and password do not match an account. Check them and try again.",
  INVALID_EMAIL: "Enter a valid email address.",
  MISSING_PASSWORD: "Enter your password.",
  USER_DISABLED: "This account has been disabled. Ask the administrator to enable it.",
  USER_NOT_FOUND: "This account no longer exists. Sign in again.",
  TOO_MANY_ATTEMPTS_TRY_LATER: "Too many attempts. Wait a few minutes, then try again.",
  PASSWORD_LOGIN_DISABLED: "Email and password sign-in is not enabled for this Firebase project.",
  OPERATION_NOT_ALLOWED: "Email and password sign-in is not enabled for this Firebase project.",
  TOKEN_EXPIRED: "Your sign-in has expired. Sign in again.",
  INVALID_REFRESH_TOKEN: "Your sign-in has expired. Sign in again.",
};

export function firebaseMessage(code) {
  const name = String(code).split(" : ")[0].trim();
  if (Object.hasOwn(FIREBASE_MESSAGES, name)) return FIREBASE_MESSAGES[name];
  if (/API key/i.test(name)) return "Firebase refused this server's web API key. Check FIREBASE_WEB_API_KEY.";
  return `Sign-in failed (${name}). Try again.`;
}

// POST to Google's auth REST API; its errors are {"error": {"code", "message"}}.
async function googleCall(url, { headers, body }) {
  let response;
  try {
    response = await fetch(url, { method: "POST", headers, body, credentials: "omit", referrerPolicy: "no-referrer" });
  } catch {
    throw new ApiError("Cannot reach Firebase to sign in. Check your connection, then try again.", 0, "network");
  }
  let data = {};
  try { data = await response.json(); } catch { /* not JSON */ }
  if (!response.ok) {
    const code = String(data?.error?.message || `HTTP ${response.status}`);
    throw new ApiError(firebaseMessage(code), response.status, code);
  }
  return data;
}

export const firebase = {
  idToken: "",
  expiresAt: 0, // ms since the epoch
  refreshToken: "",
  keep: false, // where the refresh token lives: localStorage when true, else sessionStorage
  refreshing: null, // the refresh under way, shared by every request that needs it

  load() {
    const kept = store.get(KEYS.refresh);
    this.keep = Boolean(kept);
    this.refreshToken = kept || tabStore.get(KEYS.refresh) || "";
  },

  save(idToken, expiresIn, refreshToken) {
    this.idToken = idToken;
    this.expiresAt = expiryTime(Date.now(), expiresIn);
    if (refreshToken) this.refreshToken = refreshToken;
    (this.keep ? store : tabStore).set(KEYS.refresh, this.refreshToken);
    (this.keep ? tabStore : store).set(KEYS.refresh, null);
  },

  clear() {
    this.idToken = "";
    this.expiresAt = 0;
    this.refreshToken = "";
    this.refreshing = null;
    store.set(KEYS.refresh, null);
    tabStore.set(KEYS.refresh, null);
  },

  async signIn(email, password, keep) {
    const url = `${config.identity_toolkit_url}/v1/accounts:signInWithPassword?key=${encodeURIComponent(config.firebase_api_key)}`;
    const data = await googleCall(url, {
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email, password, returnSecureToken: true }),
    });
    if (typeof data.idToken !== "string" || !data.idToken) throw new ApiError("Firebase sent no token.", 502, "firebase");
    this.keep = keep;
    this.save(data.idToken, data.expiresIn, data.refreshToken);
  },

  // A valid ID token: the one in memory, or a fresh one when it is missing or about to expire.
  async token() {
    if (tokenIsFresh(this.idToken, this.expiresAt, Date.now())) return this.idToken;
    if (!this.refreshToken) return this.idToken; // "" when signed out: the server answers 401
    await this.refresh();
    return this.idToken;
  },

  // Exchange the refresh token for a new ID token (once, however many requests wait for it).
  // A refused refresh token signs the user out; a network failure keeps it for the next try.
  refresh() {
    if (!this.refreshToken) return Promise.resolve(false);
    this.refreshing ??= this.exchange(this.refreshToken).finally(() => { this.refreshing = null; });
    return this.refreshing;
  },

  async exchange(refreshToken) {
    const url = `${config.secure_token_url}/v1/token?key=${encodeURIComponent(config.firebase_api_key)}`;
    let data;
    try {
      data = await googleCall(url, {
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken }).toString(),
      });
    } catch (error) {
      if (error.status === 0) throw error; // offline: keep the refresh token for the next try
      data = {};
    }
    if (this.refreshToken !== refreshToken) return false; // signed out meanwhile
    if (typeof data.id_token !== "string" || !data.id_token) {
      this.clear(); // refused (expired, revoked, user disabled): sign in again
      return false;
    }
    this.save(data.id_token, data.expires_in, data.refresh_token);
    return true;
  },
};

export const auth = {
  async token() {
    const hook = window.interviewsimAuth;
    if (hook && typeof hook.getToken === "function") return hook.getToken();
    if (usesFirebase()) return firebase.token();
    return store.get(KEYS.token) || "";
  },
  // After a 401: get a new Firebase ID token if there is a way to; true when the request is worth repeating.
  async renew() {
    if (window.interviewsimAuth || !usesFirebase()) return false;
    return firebase.refresh();
  },
  signedIn() {
    if (window.interviewsimAuth) return true;
    return usesFirebase() ? Boolean(firebase.refreshToken) : Boolean(store.get(KEYS.token));
  },
  // The local token `make run` printed: remembered in this browser, or forgotten with null.
  localToken: () => store.get(KEYS.token),
  rememberLocalToken: (token) => store.set(KEYS.token, token),
};

// What the server says about its auth; an older server without the route uses the local token.
export async function loadConfig() {
  try {
    const response = await fetch("/web/config.json", { cache: "no-store" });
    if (response.ok) Object.assign(config, await response.json());
  } catch { /* keep the local defaults */ }
}
