"""Reports a candidate keeps: Markdown, PDF and print-ready HTML, opt-in share links, and progress per skill."""
