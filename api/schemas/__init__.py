"""Marshmallow schemas: one module per resource, input and output kept apart."""
