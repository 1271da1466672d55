"""Stripe webhook handling: each event once, its effect in the same transaction, any order.

Effects never trust the event's copy of an object: they fetch its current state from Stripe,
so an old event delivered late cannot undo a newer one.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accounts.models import Creator
from core.jobs import defer_job
from payments import service
from payments.models import CampaignFunding, StripeEvent
from payments.providers import PaymentProvider

log = logging.getLogger(__name__)


HANDLED_TYPES = ("payment_intent.succeeded", "payment_intent.payment_failed", "account.updated")


class MalformedEvent(ValueError):
    """A correctly signed event without the fields every Stripe event has; nothing written."""


def check_event(event: Any) -> None:
    """Refuse (``MalformedEvent``) an event with no string ``id`` and ``type`` or no object
    ``data.object`` (with a string ``id``, for the types we act on)."""
    problems = []
    if not isinstance(event, dict):
        raise MalformedEvent("the event is not a JSON object")
    for name in ("id", "type"):
        if not isinstance(event.get(name), str) or not event[name]:
            problems.append(f"no {name}")
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict):
        problems.append("no data.object")
    elif event.get("type") in HANDLED_TYPES and not isinstance(obj.get("id"), str):
        problems.append("no data.object.id")
    if problems:
        raise MalformedEvent(", ".join(problems))


def handle_event(session: Session, event: dict[str, Any], provider: PaymentProvider) -> str:
    """Apply one verified event; returns ``processed``, ``duplicate`` or ``ignored``.

    The event id is inserted first: a concurrent or repeated delivery of the same event fails
    on the primary key and is answered as a duplicate, with no second effect. An event without
    the fields every Stripe event has raises ``MalformedEvent`` before anything is written.
    """
    check_event(event)
    event_id, event_type = event["id"], event["type"]
    if session.get(StripeEvent, event_id) is not None:
        return "duplicate"
    try:
        with session.begin_nested():
            session.add(StripeEvent(id=event_id, type=event_type))
    except IntegrityError:
        return "duplicate"
    obj = event["data"]["object"]
    if event_type in ("payment_intent.succeeded", "payment_intent.payment_failed"):
        _sync_payment_intent(session, obj["id"], provider)
    elif event_type == "account.updated":
        _sync_account(session, obj["id"], provider)
    else:
        return "ignored"
    session.flush()
    return "processed"


def _sync_payment_intent(
    session: Session, payment_intent_id: str, provider: PaymentProvider
) -> None:
    funding = session.scalar(
        select(CampaignFunding)
        .where(CampaignFunding.payment_intent_id == payment_intent_id)
        .with_for_update()
    )
    if funding is None:
        log.warning("payment intent %s matches no funding", payment_intent_id)
        return
    intent = provider.payment_intent(payment_intent_id)
    if intent.status == "succeeded":
        service.record_funding_succeeded(session, funding, charge_id=intent.charge_id)
    elif intent.status in ("requires_payment_method", "canceled"):
        service.record_funding_failed(session, funding)


def _sync_account(session: Session, account_id: str, provider: PaymentProvider) -> None:
    creator = session.scalar(select(Creator).where(Creator.stripe_account_id == account_id))
    if creator is None:
        log.warning("connected account %s matches no creator", account_id)
        return
    state = provider.account(account_id)
    became_payable = state.payouts_enabled and not creator.payouts_enabled
    creator.payouts_enabled = state.payouts_enabled
    if became_payable:
        # Heavy work goes to the queue: the webhook answers at once.
        defer_job(
            session,
            "payments.jobs.pay_pending_payouts_job",
            creator.id,
            job_id=f"payouts-after-onboarding:{creator.id}:{account_id}",
        )
