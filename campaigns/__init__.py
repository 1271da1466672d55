"""Brands' campaigns: the brief, the budget, the audience they want, and the campaign's life."""
