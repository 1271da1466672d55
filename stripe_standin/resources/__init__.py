"""One module per group of Stripe resources; each handler takes ``(state, request)``."""
