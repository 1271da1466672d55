"""Domain errors: services raise these; the API and dashboard map them to responses."""

from __future__ import annotations

from collections.abc import Callable


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


# --- unique constraints: the conflict each one means ---------------------------------------

_UNIQUE_CONFLICTS: dict[str, tuple[str, dict[str, list[str]]]] = {}
UNKNOWN_UNIQUE_MESSAGE = "This conflicts with something that already exists; reload and retry."


def unique_conflict(
    constraint: str, message: str, errors: dict[str, list[str]] | None = None
) -> Callable[[], Conflict]:
    """Declare the ``Conflict`` a violation of the unique ``constraint`` (or unique index) means.

    Returns a factory of that same error, for the service's own check before the insert: a
    request that loses a race on the constraint then answers exactly like one that did not race
    (the API maps unique violations with :func:`conflict_for_unique`).
    """
    _UNIQUE_CONFLICTS[constraint] = (message, errors or {})

    def make() -> Conflict:
        return conflict_for_unique(constraint)

    return make


def conflict_for_unique(constraint: str | None) -> Conflict:
    """The ``Conflict`` declared for ``constraint``, or a generic one."""
    message, errors = _UNIQUE_CONFLICTS.get(constraint or "", (UNKNOWN_UNIQUE_MESSAGE, {}))
    return Conflict(message, {field: list(msgs) for field, msgs in errors.items()})
