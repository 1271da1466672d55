"""End-to-end tests: a real browser against the app served on localhost."""
