"""The one error payload of the API."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any


def error_payload(code: int, message: str, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    """``{code, status, message, errors}`` for HTTP status ``code``."""
    return {
        "code": code,
        "status": HTTPStatus(code).phrase,
        "message": message,
        "errors": errors or {},
    }
