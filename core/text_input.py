"""Rules for text people send us, shared by the API's schemas and the dashboard's forms.

Every string anywhere in an input must be storable: no NUL (PostgreSQL refuses it) and no lone
surrogate (it cannot be encoded). Names, titles and handles are stricter: they are shown to
other people, so no control characters, no invisible format characters (zero-width spaces,
direction marks, BOMs) and no line or paragraph separators; they are stripped, and blank is
refused. Free text (a brief, a reason) keeps tabs and newlines but no other control characters.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator, Mapping
from typing import Any

NUL_MESSAGE = "Must not contain NUL (\\u0000) characters."
SURROGATE_MESSAGE = "Must not contain unpaired surrogates (invalid Unicode)."
CONTROL_MESSAGE = "Must not contain control characters."
INVISIBLE_MESSAGE = "Must not contain invisible characters (zero-width, direction marks…)."
SEPARATOR_MESSAGE = "Must be on one line."
BLANK_MESSAGE = "Must not be blank."

# Whitespace that free text (a brief, a reason) may hold; names hold none of these but spaces.
TEXT_WHITESPACE = frozenset("\t\n\r")
_REFUSED_IN_NAMES = {
    "Cc": CONTROL_MESSAGE,
    "Cf": INVISIBLE_MESSAGE,
    "Zl": SEPARATOR_MESSAGE,
    "Zp": SEPARATOR_MESSAGE,
}


def _char_class(keep: Callable[[str], bool]) -> str:
    """The code points of the Basic Multilingual Plane that ``keep`` picks, as the inside of a
    regex character class (``\\uXXXX`` escapes, which JSON Schema's ECMA regexes and Python's
    ``re`` read alike)."""
    ranges: list[tuple[int, int]] = []
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF or not keep(chr(cp)):
            continue
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    return "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)


_REFUSED = _char_class(lambda c: unicodedata.category(c) in _REFUSED_IN_NAMES)
_SPACES = _char_class(lambda c: c.isspace() and unicodedata.category(c) not in _REFUSED_IN_NAMES)
# What the OpenAPI document says of names and free text: the same rules as ``name_problem`` and
# ``text_problem`` (beyond the BMP the document cannot name characters; the validators refuse
# those invisible ones too).
# Any text but NUL (lone surrogates cannot be written in JSON Schema).
STORABLE_PATTERN = "^[^\\u0000]*$"
NAME_PATTERN = f"^[{_SPACES}]*[^{_SPACES}{_REFUSED}][^{_REFUSED}]*$"
TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$"


def storable_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored (NUL, lone surrogate), or None."""
    if "\x00" in text:
        return NUL_MESSAGE
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE_MESSAGE
    return None


def name_problem(text: str) -> str | None:
    """Why ``text`` is not a valid name, title or handle (checked as typed), or None."""
    problem = storable_problem(text)
    if problem:
        return problem
    for char in text:
        message = _REFUSED_IN_NAMES.get(unicodedata.category(char))
        if message:
            return message
    if not text.strip():
        return BLANK_MESSAGE
    return None


def text_problem(text: str) -> str | None:
    """Why ``text`` is not valid free text (tabs and newlines allowed), or None."""
    problem = storable_problem(text)
    if problem:
        return problem
    for char in text:
        if char not in TEXT_WHITESPACE and unicodedata.category(char) == "Cc":
            return CONTROL_MESSAGE
    return None


def _strings(value: Any) -> Iterator[str]:
    """Every string in ``value``: itself, or the keys and values of nested mappings and lists."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key in value:
            if isinstance(key, str):
                yield key
            yield from _strings(value[key])
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def unstorable_fields(data: Any) -> dict[str, list[str]]:
    """``{field: [message]}`` for each top-level field of ``data`` holding an unstorable string
    anywhere inside it (nested objects, lists and keys too); ``_schema`` for a bad key itself."""
    errors: dict[str, list[str]] = {}
    if not isinstance(data, Mapping):
        for text in _strings(data):
            problem = storable_problem(text)
            if problem:
                return {"_schema": [problem]}
        return errors
    for key in data:
        if isinstance(key, str) and storable_problem(key):
            errors.setdefault("_schema", []).append(
                f"A field name is invalid: {storable_problem(key)}"
            )
            continue
        for text in _strings(data[key]):
            problem = storable_problem(text)
            if problem:
                errors[str(key)] = [problem]
                break
    return errors
