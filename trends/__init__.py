"""Audience-interest trends across the platform: weekly snapshots and the report built on them."""
