"""Demo market seeding."""
