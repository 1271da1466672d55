"""Shared plumbing: database base and sessions, domain errors, money, audience profiles."""
