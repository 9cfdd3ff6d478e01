"""The language toolkit shared by the built-in interviewer and evaluator.

`text` folds, tokenises and splits sentences; `stems` stems words (Snowball) and drops stopwords; `conduct`
recognises rudeness, keyboard mashing and instructions aimed at the AI. Both engines read answers through these
functions only, so they agree on what an answer says and what it is about.
"""
