"""interviewsim: the backend of an AI mock-interview app."""

__version__ = "0.1.0"
