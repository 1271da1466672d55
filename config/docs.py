"""README's configuration table, generated from the settings class (``config.BaseConfig``).

    python -m config.docs            # print the table (markdown)
    python -m config.docs --write    # put it into README.md between the markers
    python -m config.docs --check    # exit 1 when README.md's table is not the generated one

The table sits in README.md between ``<!-- settings-table:start -->`` and
``<!-- settings-table:end -->``; ``tests/test_settings_docs.py`` fails when they differ.
"""

from __future__ import annotations

import argparse
import sys
import types
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic.fields import FieldInfo

from config import (
    RATE_LIMIT_SETTINGS,
    UNBOUNDED_SETTINGS,
    BaseConfig,
    EmbeddedConfig,
    ProductionConfig,
)

START = "<!-- settings-table:start -->"
END = "<!-- settings-table:end -->"
README = Path(__file__).resolve().parents[1] / "README.md"
URL_SETTINGS = ("DATABASE_URL", "REDIS_URL", "STRIPE_API_BASE", "RATELIMIT_STORAGE_URI")
BASE_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string"}


class MarkersMissing(ValueError):
    """README.md has no settings-table markers (or only one of them)."""


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _range(constraints: list[Any]) -> str:
    """``in [0, 1]``, ``≥ 1``, ... from the fields' annotated-types bounds (Ge, Gt, Le, Lt)."""
    low = high = ""
    for c in constraints:
        if getattr(c, "ge", None) is not None:
            low = f"[{_number(c.ge)}"
        elif getattr(c, "gt", None) is not None:
            low = f"({_number(c.gt)}"
        elif getattr(c, "le", None) is not None:
            high = f"{_number(c.le)}]"
        elif getattr(c, "lt", None) is not None:
            high = f"{_number(c.lt)})"
    if low and high:
        return f" in {low}, {high}"
    if low:
        return (" ≥ " if low[0] == "[" else " > ") + low[1:]
    if high:
        return (" ≤ " if high[-1] == "]" else " < ") + high[:-1]
    return ""


def _unwrap(annotation: Any, metadata: list[Any]) -> tuple[Any, list[Any]]:
    """The base type and every constraint, through ``Annotated`` and ``X | None``."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        return _unwrap(inner[0], metadata)
    if hasattr(annotation, "__metadata__"):  # Annotated[...]
        extra: list[Any] = []
        for m in annotation.__metadata__:
            extra.extend(m.metadata if isinstance(m, FieldInfo) else [m])
        return _unwrap(annotation.__origin__, [*metadata, *extra])
    return annotation, metadata


def type_of(name: str, field: FieldInfo) -> str:
    """How the table names a setting's type, with its allowed range or values."""
    if name in RATE_LIMIT_SETTINGS:
        return "rate limit"
    if name in URL_SETTINGS:
        return "URL"
    base, constraints = _unwrap(field.annotation, list(field.metadata))
    if get_origin(base) is Literal:
        return " \\| ".join(f"`{v}`" for v in get_args(base))
    text = BASE_TYPES.get(base, getattr(base, "__name__", str(base))) + _range(constraints)
    if name in UNBOUNDED_SETTINGS:
        text += " or `none`"
    return text


def _value(value: Any) -> str:
    if value is None or value == "":
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{_number(value)}`"


def default_of(name: str) -> str:
    """The embedded default, and production's when it differs."""
    embedded = EmbeddedConfig.model_fields[name].default
    production = ProductionConfig.model_fields[name].default
    text = _value(embedded)
    if production != embedded and name != "DANDELION_ENV":
        text += f" (production: {_value(production)})"
    return text


def settings_table() -> str:
    """The markdown table of every setting: variable, type, default, description."""
    rows = ["| variable | type | default | description |", "|---|---|---|---|"]
    for name, field in BaseConfig.model_fields.items():
        description = (field.description or "").replace("|", "\\|")
        rows.append(f"| `{name}` | {type_of(name, field)} | {default_of(name)} | {description} |")
    return "\n".join(rows) + "\n"


def _bounds(text: str) -> tuple[int, int]:
    start, end = text.find(START), text.find(END)
    if start < 0 or end < 0 or end < start:
        raise MarkersMissing(f"README.md needs the lines {START} and {END} around the table")
    return start + len(START), end


def readme_table(text: str) -> str:
    """The table between the markers in README's ``text``."""
    start, end = _bounds(text)
    return text[start:end].strip("\n") + "\n"


def with_table(text: str, table: str) -> str:
    """README's ``text`` with ``table`` between the markers."""
    start, end = _bounds(text)
    return f"{text[:start]}\n{table}{text[end:]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m config.docs", description=__doc__.split("\n")[0]
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help="update README.md in place")
    action.add_argument("--check", action="store_true", help="fail if README.md is stale")
    parser.add_argument("--readme", type=Path, default=README)
    args = parser.parse_args(argv)
    table = settings_table()
    if not (args.write or args.check):
        sys.stdout.write(table)
        return 0
    text = args.readme.read_text(encoding="utf-8")
    try:
        if args.write:
            args.readme.write_text(with_table(text, table), encoding="utf-8")
            return 0
        if readme_table(text) != table:
            print(f"{args.readme}: the settings table is stale; run python -m config.docs --write")
            return 1
    except MarkersMissing as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
