"""The terminal experience: `interviewsim practice` and `interviewsim report`."""
