"""Collaborations: offers from the weekly matching, and the sponsorships creators accept."""
