"""Stripe's form encoding: nested bracket keys in, typed parameter access out.

Stripe v1 takes ``application/x-www-form-urlencoded`` bodies (and query strings for GET) where
nesting is spelled with brackets: ``metadata[key]=v``, ``capabilities[transfers][requested]=true``,
``expand[]=x`` or ``expand[0]=x``. :func:`decode_form` turns them into dicts and lists;
:class:`Params` gives handlers typed, validated access with Stripe's error messages.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from .errors import invalid_request

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")

METADATA_MAX_KEYS = 50
METADATA_KEY_MAX = 40
METADATA_VALUE_MAX = 500


def decode_form(raw: str) -> dict[str, Any]:
    """Decode a form-encoded string with Stripe's bracket syntax into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(raw, keep_blank_values=True):
        _assign(root, _split_key(key), value, key)
    return _listify(root)


def _split_key(key: str) -> list[str]:
    match = _KEY.match(key)
    if not match:
        raise invalid_request(f"Invalid parameter name: {key}", param=key)
    return [match.group(1), *_SEGMENT.findall(match.group(2))]


def _assign(node: dict[str, Any], path: list[str], value: str, raw_key: str) -> None:
    for i, segment in enumerate(path):
        last = i == len(path) - 1
        name = str(sum(1 for k in node if k.isdigit())) if segment == "" else segment
        if last:
            if isinstance(node.get(name), dict):
                raise invalid_request(f"Invalid value for {raw_key}: conflicting types", raw_key)
            node[name] = value
            return
        child = node.setdefault(name, {})
        if not isinstance(child, dict):
            raise invalid_request(f"Invalid value for {raw_key}: conflicting types", raw_key)
        node = child


def _listify(value: Any) -> Any:
    """Turn dicts whose keys are all array indices into lists (ordered by index)."""
    if not isinstance(value, dict):
        return value
    items = {k: _listify(v) for k, v in value.items()}
    if items and all(k.isdigit() for k in items):
        return [items[k] for k in sorted(items, key=int)]
    return items


class Params:
    """Typed, validated access to decoded request parameters (values arrive as strings)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def __contains__(self, name: str) -> bool:
        return name in self.data

    def allow(self, *names: str) -> None:
        """Reject parameters the endpoint does not know, as Stripe does."""
        allowed = {*names, "expand"}
        for name in self.data:
            if name not in allowed:
                raise invalid_request(
                    f"Received unknown parameter: {name}", param=name, code="parameter_unknown"
                )

    def str(self, name: str, *, required: bool = False) -> str | None:
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise invalid_request(
                f"Invalid string: {name}", param=name, code="parameter_invalid_string"
            )
        return value

    def int(self, name: str, *, required: bool = False, minimum: int | None = None) -> int | None:
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, str) or not re.fullmatch(r"-?\d+", value):
            raise invalid_request(
                f"Invalid integer: {value}", param=name, code="parameter_invalid_integer"
            )
        number = int(value)
        if minimum is not None and number < minimum:
            raise invalid_request(
                f"This value must be greater than or equal to {minimum}.",
                param=name,
                code="parameter_invalid_integer",
            )
        return number

    def positive_int(self, name: str, *, required: bool = False) -> int | None:
        number = self.int(name, required=required)
        if number is not None and number <= 0:
            raise invalid_request(
                "Invalid positive integer", param=name, code="parameter_invalid_integer"
            )
        return number

    def bool(self, name: str) -> bool | None:
        value = self.data.get(name)
        return None if value is None else parse_bool(value, name)

    def dict(self, name: str) -> dict[str, Any] | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, dict):
            raise invalid_request(
                f"Invalid hash: {name}", param=name, code="parameter_invalid_hash"
            )
        return value

    def list(self, name: str) -> list[Any]:
        value = self.data.get(name)
        if value is None or value == "":
            return []
        if isinstance(value, list):
            return value
        if isinstance(value, str):
            return [value]
        raise invalid_request(f"Invalid array: {name}", param=name, code="parameter_invalid_array")

    def choice(self, name: str, options: tuple[str, ...], *, required: bool = False) -> str | None:
        value = self.str(name, required=required)
        if value is not None and value not in options:
            raise invalid_request(
                f"Invalid {name}: must be one of {', '.join(options)}", param=name
            )
        return value

    def currency(self, name: str = "currency", *, required: bool = False) -> str | None:
        value = self.str(name, required=required)
        if value is None:
            return None
        if not re.fullmatch(r"[A-Za-z]{3}", value):
            raise invalid_request(f"Invalid currency: {value}", param=name)
        return value.lower()

    def metadata(self, name: str = "metadata") -> dict[str, str] | None:
        """Metadata as sent: a dict of strings, ``{}`` when explicitly cleared with ``""``."""
        value = self.data.get(name)
        if value is None:
            return None
        if value == "":
            return {}
        if not isinstance(value, dict):
            raise invalid_request("Invalid metadata: must be a hash", param=name)
        if len(value) > METADATA_MAX_KEYS:
            raise invalid_request(
                f"Invalid metadata: metadata can have up to {METADATA_MAX_KEYS} keys", param=name
            )
        for key, item in value.items():
            if len(key) > METADATA_KEY_MAX:
                raise invalid_request(
                    f"Invalid metadata: keys can be up to {METADATA_KEY_MAX} characters long",
                    param=f"{name}[{key}]",
                )
            if not isinstance(item, str):
                raise invalid_request(
                    "Invalid metadata: values must be strings", param=f"{name}[{key}]"
                )
            if len(item) > METADATA_VALUE_MAX:
                raise invalid_request(
                    f"Invalid metadata: values can be up to {METADATA_VALUE_MAX} characters long",
                    param=f"{name}[{key}]",
                )
        return dict(value)

    def expand(self) -> list[str]:
        return [str(path) for path in self.list("expand")]

    def _get(self, name: str, required: bool) -> Any:
        value = self.data.get(name)
        if required and (value is None or value == ""):
            raise invalid_request(
                f"Missing required param: {name}.", param=name, code="parameter_missing"
            )
        return value


def parse_bool(value: Any, name: str) -> bool:
    if value in ("true", True):
        return True
    if value in ("false", False):
        return False
    raise invalid_request(f"Invalid boolean: {value}", param=name)


def merge_metadata(current: dict[str, str], update: dict[str, str] | None) -> dict[str, str]:
    """Stripe's metadata update: keys merge, ``""`` deletes a key, an empty update clears all."""
    if update is None:
        return dict(current)
    if not update:
        return {}
    merged = dict(current)
    for key, value in update.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged
