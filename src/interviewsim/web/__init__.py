"""The built-in web practice page (static files served by `interviewsim.web.routes.mount_web`)."""
