"""Exports a brand can take away: CSV files of a campaign and printable receipts."""
