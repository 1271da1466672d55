"""Fault injection: make the next N matching calls fail, before or after their effect.

``*_before_effect`` faults fail the call without touching state (the request never reached
Stripe). ``*_after_effect`` faults apply the call - objects, events and the idempotency record
are stored exactly as for a successful call - and then lose the response (the request reached
Stripe but the answer never came back), so a retry with the same Idempotency-Key replays it.

- ``error_*``: respond with an HTTP 500 ``api_error`` (the SDK raises ``stripe.APIError``).
- ``timeout_*``: hold the connection for ``delay`` seconds, then close it without answering;
  with a client timeout shorter than ``delay`` the SDK raises ``stripe.APIConnectionError``.
- ``disconnect_*``: close the connection at once without answering (``APIConnectionError``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal

FaultMode = Literal[
    "error_before_effect",
    "error_after_effect",
    "timeout_before_effect",
    "timeout_after_effect",
    "disconnect_before_effect",
    "disconnect_after_effect",
]
MODES: tuple[str, ...] = FaultMode.__args__  # type: ignore[attr-defined]


@dataclass
class Fault:
    """A planned failure; ``remaining`` counts down as calls hit it."""

    path_prefix: str
    mode: FaultMode
    remaining: int = 1
    method: str | None = "POST"
    delay: float = 2.0
    status: int = 500
    hits: int = 0

    @property
    def before_effect(self) -> bool:
        return self.mode.endswith("_before_effect")

    @property
    def kind(self) -> str:
        """``error``, ``timeout`` or ``disconnect``."""
        return self.mode.split("_", 1)[0]

    def matches(self, method: str, path: str) -> bool:
        return (
            self.remaining > 0
            and path.startswith(self.path_prefix)
            and (self.method is None or self.method.upper() == method)
        )


class FaultPlan:
    """The planned faults, consumed first-come first-served by matching requests."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        if fault.mode not in MODES:
            raise ValueError(f"unknown fault mode {fault.mode!r}; expected one of {MODES}")
        if fault.remaining < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The first matching fault, with one use consumed; None when no fault applies."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.remaining -= 1
                    fault.hits += 1
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
