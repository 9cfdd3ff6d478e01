"""Benchmark harness for interviewsim: `python -m bench.run` (speed is measured here, never in unit tests)."""
