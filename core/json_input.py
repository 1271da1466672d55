"""JSON request bodies nested too deeply are refused before anything parses them.

Python's JSON parser and every recursive walk after it (marshmallow, the audience checks) raise
``RecursionError`` at about 1,000 levels; no Dandelion payload needs more than a handful. One
``before_request`` hook scans the raw body of every JSON request (whoever reads it later:
webargs, ``request.get_json``, the webhooks) and answers 422 past ``MAX_JSON_DEPTH`` levels,
naming the top-level field that holds the deep part.
"""

from __future__ import annotations

import re

from flask import Flask, request

from core.errors import InvalidInput

MAX_JSON_DEPTH = 32
# A JSON string (with escapes), optionally followed by ':' (then it is an object's key), or a
# bracket. Valid JSON has no other place where a bracket can hide.
_TOKENS = re.compile(rb'"((?:[^"\\]|\\.)*)"(\s*:)?|[\[\]{}]', re.DOTALL)
_OPEN = frozenset(b"[{")


def too_deep_field(body: bytes, limit: int = MAX_JSON_DEPTH) -> str | None:
    """The top-level field (``_schema`` for the body itself) where ``body`` nests deeper than
    ``limit`` levels, or None. Stops scanning as soon as the limit is passed."""
    depth = 0
    field = "_schema"
    for token in _TOKENS.finditer(body):
        first = body[token.start()]
        if first in _OPEN:
            depth += 1
            if depth > limit:
                return field
        elif first != 0x22:  # a closing bracket
            depth -= 1
            if depth <= 1:
                field = "_schema"
        elif depth == 1 and token.group(2):  # a key of the top-level object
            field = token.group(1).decode("utf-8", "replace")
    return None


def refuse_deep_json() -> None:
    """``before_request``: a JSON body nested deeper than ``MAX_JSON_DEPTH`` is a 422."""
    if not request.is_json:
        return
    field = too_deep_field(request.get_data(cache=True))
    if field is not None:
        message = f"Nested deeper than {MAX_JSON_DEPTH} levels."
        raise InvalidInput(f"The JSON body is n{message[1:]}", {field: [message]})


def init_json_input(app: Flask) -> None:
    """Check every JSON request body's depth before a view (or webargs) parses it."""
    app.before_request(refuse_deep_json)
