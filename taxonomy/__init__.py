"""The taxonomy: the categories and interest tags profiles and campaigns use, kept as data."""
