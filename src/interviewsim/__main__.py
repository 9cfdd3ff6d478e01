"""`python -m interviewsim` runs the CLI."""

from interviewsim.cli import main

main()
