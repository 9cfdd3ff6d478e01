// interviewsim practice page: one page, five views (sign-in, setup, interview, results, history).
// No framework and no build step: ES modules served from /web/. This one only wires them together;
// each view's module owns its own state, and the running interview lives in store.js.

import { auth, loadConfig } from "./auth.js";
import { $ } from "./dom.js";
import { loadHistory } from "./history.js";
import { answerKeydown, endInterview, retry, sendAnswer, setUpRecorder, startDrill, stopInterview } from "./interview.js";
import { wireReport } from "./report.js";
import { wireResults } from "./results.js";
import { startInterview, toggleOther } from "./setup.js";
import { firebaseSignIn, renderSignIn, signIn, signOut } from "./signin.js";
import { loadMute, toggleMute } from "./speech-out.js";
import { END_MANUAL } from "./text.js";
import { onShow, showView } from "./views.js";

async function init() {
  $("signin-form").addEventListener("submit", signIn);
  $("firebase-form").addEventListener("submit", firebaseSignIn);
  $("sign-out").addEventListener("click", () => {
    stopInterview();
    signOut();
  });
  for (const button of document.querySelectorAll("[data-nav]")) {
    const view = button.dataset.nav;
    button.addEventListener("click", () => showView(view, view === "interview" ? $("answer") : undefined));
  }
  onShow("history", loadHistory);
  $("domain").addEventListener("change", () => toggleOther($("domain"), $("domain-other-field")));
  $("duration").addEventListener("change", () => toggleOther($("duration"), $("duration-custom-field")));
  $("setup-form").addEventListener("submit", startInterview);
  $("answer-form").addEventListener("submit", sendAnswer);
  $("answer").addEventListener("keydown", answerKeydown);
  $("end-button").addEventListener("click", () => endInterview(END_MANUAL));
  $("retry-button").addEventListener("click", retry);
  $("mute").addEventListener("click", toggleMute);
  wireResults({ startDrill });
  setUpRecorder();
  wireReport();
  loadMute();

  await loadConfig();
  renderSignIn();
  showView(auth.signedIn() ? "setup" : "signin");
}

init();
