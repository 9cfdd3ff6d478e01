// The sign-in view: the local token or Firebase email and password, signing out, and what a 401 does.

import { api } from "./api.js";
import { auth, config, firebase, usesFirebase } from "./auth.js";
import { $ } from "./dom.js";
import { showView } from "./views.js";

// A 401 sends the user back to sign in; true when `error` was one (the caller shows nothing else).
export function handleAuthError(error) {
  if (error.status !== 401) return false;
  if (usesFirebase()) {
    firebase.clear();
    $("firebase-error").textContent = "Your sign-in has expired or was not accepted. Sign in again.";
    showView("signin", $("email"));
  } else {
    $("signin-error").textContent = "Your access token was not accepted. Sign in again.";
    showView("signin", $("token"));
  }
  return true;
}

export async function signIn(event) {
  event.preventDefault();
  const token = $("token").value.trim();
  const error = $("signin-error");
  if (!token) {
    error.textContent = "Enter the access token printed by make run.";
    $("token").focus();
    return;
  }
  auth.rememberLocalToken(token);
  error.textContent = "";
  $("signin-submit").disabled = true;
  try {
    await api("/api/sessions?limit=1"); // any authenticated call proves the token
    showView("setup");
  } catch (e) {
    error.textContent = e.status === 401 ? "That token was not accepted. Check it and try again." : e.message;
    $("token").focus();
  } finally {
    $("signin-submit").disabled = false;
  }
}

export async function firebaseSignIn(event) {
  event.preventDefault();
  const email = $("email").value.trim();
  const password = $("password").value;
  const error = $("firebase-error");
  const missing = !email ? $("email") : !password ? $("password") : null;
  if (missing) {
    error.textContent = missing === $("email") ? "Enter your email address." : "Enter your password.";
    missing.focus();
    return;
  }
  error.textContent = "";
  $("firebase-submit").disabled = true;
  try {
    await firebase.signIn(email, password, $("keep-signed-in").checked);
  } catch (e) {
    error.textContent = e.message;
    $("password").focus();
    $("firebase-submit").disabled = false;
    return;
  }
  try {
    await api("/api/sessions?limit=1"); // the server accepts the Firebase token
    $("password").value = "";
    showView("setup");
  } catch (e) {
    error.textContent = e.status === 401
      ? "Firebase signed you in, but this server did not accept the token. Is FIREBASE_PROJECT_ID this project?"
      : e.message;
    firebase.clear();
    $("email").focus();
  } finally {
    $("firebase-submit").disabled = false;
  }
}

// Forget every token and show the sign-in form (the caller stops a running interview first).
export function signOut() {
  auth.rememberLocalToken(null);
  firebase.clear();
  $("token").value = "";
  $("password").value = "";
  showView("signin", usesFirebase() ? $("email") : undefined);
}

// Show the sign-in form this server's auth mode needs, filled from what this browser remembers.
export function renderSignIn() {
  const fb = usesFirebase();
  $("local-signin").hidden = fb;
  $("firebase-signin").hidden = !fb;
  if (!fb) {
    const token = auth.localToken();
    if (token) $("token").value = token;
    return;
  }
  firebase.load();
  $("keep-signed-in").checked = firebase.keep;
  const keyMissing = !config.firebase_api_key;
  $("firebase-config-error").textContent = keyMissing
    ? "This server signs in with Firebase, but it has no web API key: set FIREBASE_WEB_API_KEY on the server, then reload."
    : "";
  for (const control of $("firebase-form").elements) control.disabled = keyMissing;
}
