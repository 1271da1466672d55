"""The one error payload of the API, and the one place unique violations become a 409."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Index, UniqueConstraint
from sqlalchemy.exc import IntegrityError

from core.db import Base
from core.errors import conflict_for_unique

PG_UNIQUE_VIOLATION = "23505"
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?:index '(?P<index>[^']+)'|(?P<cols>.+))")


def error_payload(code: int, message: str, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    """``{code, status, message, errors}`` for HTTP status ``code``."""
    return {
        "code": code,
        "status": HTTPStatus(code).phrase,
        "message": message,
        "errors": errors or {},
    }


def _sqlite_constraint(columns: str) -> str | None:
    """The name of the unique constraint or index on ``table.col, table.col`` (SQLite's words)."""
    qualified = [c.strip().split(".", 1) for c in columns.split(",")]
    table = Base.metadata.tables.get(qualified[0][0])
    if table is None or any(len(q) != 2 for q in qualified):
        return None
    wanted = {q[1] for q in qualified}
    candidates = [c for c in table.constraints if isinstance(c, UniqueConstraint)]
    candidates += [i for i in table.indexes if isinstance(i, Index) and i.unique]
    for candidate in candidates:
        if {col.name for col in candidate.columns} == wanted and isinstance(candidate.name, str):
            return str(candidate.name)
    return None


def unique_violation(exc: IntegrityError) -> tuple[bool, str | None]:
    """(is it a unique violation, the constraint or unique index's name when known)."""
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is not None:  # psycopg (PostgreSQL)
        if sqlstate != PG_UNIQUE_VIOLATION:
            return False, None
        return True, getattr(getattr(orig, "diag", None), "constraint_name", None)
    match = _SQLITE_UNIQUE.match(str(orig))
    if match is None:
        return False, None
    return True, match["index"] or _sqlite_constraint(match["cols"])


def init_integrity_errors(app: Flask) -> None:
    """Answer a unique violation escaping a request (a concurrent request won the race to the
    constraint) as the domain's ``Conflict`` declared for that constraint, after rolling back:
    the API's 409 in the one shape, the dashboard's flashed message. Any other integrity error
    stays a bug (500)."""

    @app.errorhandler(IntegrityError)
    def _integrity_error(exc: IntegrityError) -> Any:
        session = g.get("db_session")  # the request's session (extensions.Database)
        if session is not None:
            session.rollback()
        unique, constraint = unique_violation(exc)
        if not unique:
            raise exc
        # Flask's own lookup: the handler a Conflict raised by the view would have met.
        return current_app.handle_user_exception(conflict_for_unique(constraint))
