"""Payments: funding campaigns, paying creators, refunds and the ledger."""
