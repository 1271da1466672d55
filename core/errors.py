"""Domain errors: services raise these; the API and dashboard map them to responses."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the operation; ``status`` is the HTTP status it maps to."""

    status = 400

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NotFound(DomainError):
    """The object does not exist or belongs to another tenant (indistinguishable on purpose)."""

    status = 404


class Conflict(DomainError):
    """The object is not in a state that allows the operation."""

    status = 409


class InvalidInput(DomainError):
    """Input passed the schema but breaks a rule that needs the database to check."""

    status = 422


class Unauthorized(DomainError):
    """Missing, wrong or expired credentials."""

    status = 401


class Forbidden(DomainError):
    """Authenticated, but this kind of account may not do that."""

    status = 403
