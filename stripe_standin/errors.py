"""Stripe's error shape: ``{"error": {"type", "message", "code", "param", ...}}`` with a status."""

from __future__ import annotations

from typing import Any

DOCS = "https://stripe.com/docs/error-codes"


class StripeError(Exception):
    """An API error, rendered as Stripe renders it (only non-null fields are sent)."""

    def __init__(
        self,
        status: int,
        type: str,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type
        self.message = message
        self.code = code
        self.param = param
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"{DOCS}/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        error.update(self.extra)
        return {"error": error}


def invalid_request(
    message: str, param: str | None = None, code: str | None = None, *, status: int = 400
) -> StripeError:
    return StripeError(status, "invalid_request_error", message, code=code, param=param)


def resource_missing(kind: str, object_id: str, param: str = "id") -> StripeError:
    """``No such transfer: 'tr_x'`` - 404 when the id is in the URL, 400 when it is a parameter."""
    status = 404 if param == "id" else 400
    return invalid_request(
        f"No such {kind}: '{object_id}'", param=param, code="resource_missing", status=status
    )


def authentication_error(message: str) -> StripeError:
    # Stripe reports bad keys as invalid_request_error with HTTP 401.
    return StripeError(401, "invalid_request_error", message)


def idempotency_error(message: str) -> StripeError:
    return StripeError(400, "idempotency_error", message)


def api_error(message: str, status: int = 500) -> StripeError:
    return StripeError(status, "api_error", message)
