"""Assertions shared by the API tests: the one error shape, and row counts that see new writes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

MISSING_ID = 999_999


def assert_error(response: Any, code: int, *fields: str, only: bool = True) -> dict[str, Any]:
    """Assert ``response`` is our error shape for ``code`` with a message under every field path.

    A path is dotted for nested errors (``budget.amount``, ``target_audience.interests``).
    With ``only``, no top-level field other than the named ones is reported, so a test fails
    if its input broke a different rule than the one it means to check.
    """
    assert response.status_code == code, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"code", "status", "message", "errors"}, body
    assert body["code"] == code
    assert body["status"] == HTTPStatus(code).phrase
    assert isinstance(body["message"], str) and body["message"].strip()
    assert isinstance(body["errors"], dict)
    for path in fields:
        node: Any = body["errors"]
        for part in path.split("."):
            assert isinstance(node, dict) and part in node, (path, body["errors"])
            node = node[part]
        assert node, (path, body["errors"])
        if isinstance(node, list):
            assert all(isinstance(m, str) and m for m in node), node
    if only and fields:
        assert set(body["errors"]) == {p.split(".")[0] for p in fields}, body["errors"]
    return body


def count_rows(session: Session, model: Any) -> int:
    """Rows of ``model`` now (ends the session's transaction first, so SQLite sees new commits)."""
    session.rollback()
    total = session.scalar(select(func.count()).select_from(model))
    session.rollback()
    return int(total or 0)


def check_each(cases: Iterable[tuple[str, Any]], check: Callable[[Any], None]) -> None:
    """Run ``check`` on every ``(case_id, case)`` and report every failing case, not just the first.

    The rule tables run in one test (one app and one account instead of one per case, which
    keeps the suite fast); the failure message still names each broken rule.
    """
    failures = []
    for case_id, case in cases:
        try:
            check(case)
        except AssertionError as exc:
            failures.append(f"{case_id}: {exc}")
    assert not failures, "\n".join(failures)
