"""The route table: ``(method, path template) -> handler``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import invalid_request
from .resources import accounts, events, ledger, payments, transfers
from .state import Request, State

Handler = Callable[[State, Request], dict[str, Any]]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template) + "$")


ROUTES: tuple[Route, ...] = (
    Route("GET", "/v1/account", accounts.retrieve_platform_account),
    Route("POST", "/v1/accounts", accounts.create_account),
    Route("GET", "/v1/accounts", accounts.list_accounts),
    Route("GET", "/v1/accounts/{id}", accounts.retrieve_account),
    Route("POST", "/v1/accounts/{id}", accounts.update_account),
    Route("DELETE", "/v1/accounts/{id}", accounts.delete_account),
    Route("POST", "/v1/account_links", accounts.create_account_link),
    Route(
        "POST", "/v1/test_helpers/accounts/{id}/complete_onboarding", accounts.complete_onboarding
    ),
    Route("POST", "/v1/payment_intents", payments.create_payment_intent),
    Route("GET", "/v1/payment_intents", payments.list_payment_intents),
    Route("GET", "/v1/payment_intents/{id}", payments.retrieve_payment_intent),
    Route("POST", "/v1/payment_intents/{id}", payments.update_payment_intent),
    Route("POST", "/v1/payment_intents/{id}/confirm", payments.confirm_payment_intent),
    Route("POST", "/v1/payment_intents/{id}/cancel", payments.cancel_payment_intent),
    Route("GET", "/v1/charges", payments.list_charges),
    Route("GET", "/v1/charges/{id}", payments.retrieve_charge),
    Route("POST", "/v1/refunds", payments.create_refund),
    Route("GET", "/v1/refunds", payments.list_refunds),
    Route("GET", "/v1/refunds/{id}", payments.retrieve_refund),
    Route("POST", "/v1/transfers", transfers.create_transfer),
    Route("GET", "/v1/transfers", transfers.list_transfers),
    Route("GET", "/v1/transfers/{id}", transfers.retrieve_transfer),
    Route("POST", "/v1/transfers/{id}", transfers.update_transfer),
    Route("POST", "/v1/transfers/{id}/reversals", transfers.create_reversal),
    Route("GET", "/v1/transfers/{id}/reversals", transfers.list_reversals),
    Route("GET", "/v1/transfers/{id}/reversals/{reversal}", transfers.retrieve_reversal),
    Route("GET", "/v1/balance", ledger.retrieve_balance),
    Route("GET", "/v1/balance_transactions", ledger.list_balance_transactions),
    Route("GET", "/v1/balance_transactions/{id}", ledger.retrieve_balance_transaction),
    Route("GET", "/v1/events", events.list_events),
    Route("GET", "/v1/events/{id}", events.retrieve_event),
)

_COMPILED = [(route, route.pattern) for route in ROUTES]


def resolve(method: str, path: str) -> tuple[Route, dict[str, str]]:
    """The route for a request and its path arguments, or Stripe's unrecognised-URL 404."""
    for route, pattern in _COMPILED:
        match = pattern.match(path)
        if match and route.method == method:
            return route, match.groupdict()
    raise invalid_request(
        f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or "
        "we can help at https://support.stripe.com/.",
        status=404,
    )
