"""How the HTTP server runs: its limits, its request deadlines and the guards in front of the app."""
