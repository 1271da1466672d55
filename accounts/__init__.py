"""Accounts: brands, creators, operators, their passwords and API tokens."""
