"""Notifications: an outbox table and senders behind one interface."""
