"""The interview-quality harness: scripted candidates, transcript criteria and `interviewsim simulate`."""
