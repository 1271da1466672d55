"""A local stand-in of the Stripe API for tests that drive the real ``stripe`` SDK over HTTP.

Start it, point a ``stripe.StripeClient`` at it, and inspect what happened::

    from stripe_standin import StripeStandin

    with StripeStandin() as standin:
        client = stripe.StripeClient(
            standin.api_key,
            base_addresses={"api": standin.base_url},
            max_network_retries=0,
        )
        client.v1.accounts.create({"type": "express", ...})
        assert standin.accounts()

Covers accounts, account links, payment intents, charges, refunds, transfers and reversals,
balance transactions and events, with Stripe's form encoding, error shape, idempotency-key
replay, signed webhooks and fault injection. Standard library only.
"""

from .errors import StripeError
from .faults import Fault, FaultMode
from .server import RequestRecord, StripeStandin
from .webhooks import WebhookDelivery, sign_payload

__all__ = [
    "Fault",
    "FaultMode",
    "RequestRecord",
    "StripeError",
    "StripeStandin",
    "WebhookDelivery",
    "sign_payload",
]
