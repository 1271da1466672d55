"""CSV that opens cleanly in a spreadsheet: UTF-8 with a BOM (Excel reads it as UTF-8), the
``csv`` module's quoting, cells that would run as formulas defused, dates in ISO 8601 and money
as a decimal in the currency's precision (made from integer minor units, never a float).

An export is a list of :class:`Column` specs; appending a column (post metrics, say) is one more
entry in the list, and every row is written by the same code.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, Generic, TypeVar

from core.money import Money

Row = TypeVar("Row")
BOM = "\ufeff"
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP's list; tab and
# carriage return also start one in some programs).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column(Generic[Row]):
    """One CSV column: its header and how to read the cell from a row."""

    header: str
    value: Callable[[Row], Any]


def money_columns(name: str, amount: Callable[[Any], Money | None]) -> list[Column[Any]]:
    """``<name>`` as a decimal and ``<name>_currency`` beside it."""
    return [
        Column(name, amount),
        Column(f"{name}_currency", lambda row: m.currency if (m := amount(row)) else None),
    ]


def cell(value: Any) -> str:
    """The text of one cell. Text from users that a spreadsheet would run as a formula gets a
    leading ``'``; numbers and money we format ourselves (``-12.50``) are left as they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Money):
        return value.decimal()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(columns: Sequence[Column[Row]], rows: Iterable[Row]) -> Iterator[str]:
    """The CSV text, a line at a time (BOM and header first), for a streamed response."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([c.header for c in columns])
    yield BOM + take()
    for row in rows:
        writer.writerow([cell(c.value(row)) for c in columns])
        yield take()
