"""Engine assembly: the configured interviewer, evaluator and voice chains, with fallback and metrics."""
