// Web storage that never throws: disabled storage and private modes must still leave a working page.

function storage(kind) {
  return {
    get(key) {
      try { return window[kind].getItem(key); } catch { return null; }
    },
    set(key, value) {
      try {
        if (value === null) window[kind].removeItem(key);
        else window[kind].setItem(key, value);
      } catch { /* not remembered, still usable */ }
    },
  };
}

export const store = storage("localStorage");
export const tabStore = storage("sessionStorage"); // forgotten when the tab closes
export const KEYS = { token: "interviewsim.token", muted: "interviewsim.muted", refresh: "interviewsim.firebase.refresh" };
