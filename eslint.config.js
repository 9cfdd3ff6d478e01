// ESLint for the practice page's ES modules (served as they are, no build step) and their Node unit tests.
import js from "@eslint/js";
import globals from "globals";

// Text from the server or the user reaches the DOM only through textContent / createElement.
const NO_HTML_SINKS = [
  ...["innerHTML", "outerHTML"].map((property) => ({
    selector: `AssignmentExpression > MemberExpression.left[property.name='${property}']`,
    message: `${property} turns text into markup: build nodes and set textContent instead.`,
  })),
  { selector: "CallExpression[callee.property.name='insertAdjacentHTML']", message: "Build nodes instead." },
  { selector: "CallExpression[callee.object.name='document'][callee.property.name=/^write(ln)?$/]", message: "Build nodes instead." },
];

export default [
  { ignores: ["node_modules/", ".venv/"] },
  js.configs.recommended,
  {
    files: ["src/interviewsim/web/**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.browser },
    rules: {
      "no-restricted-syntax": ["error", ...NO_HTML_SINKS],
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      eqeqeq: ["error", "always"],
      "no-unused-vars": ["error", { caughtErrors: "none" }],
      "prefer-const": "error",
    },
  },
  {
    // An AudioWorklet script: it runs on the audio thread, with that scope's globals.
    files: ["src/interviewsim/web/pcm-capture.js"],
    languageOptions: { globals: globals.audioWorklet },
  },
  {
    files: ["tests/web/**/*.mjs", "eslint.config.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.node },
  },
];
