"""Marshmallow schemas, one module per resource (input and output kept apart): the rules that
both the JSON API and the dashboard apply to what people send."""
