"""A person's webhook endpoints: create (the secret shown once), list, delete, re-enable, and
the delivery log. Every read is walled by account: another person's endpoint is a 404."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from accounts.models import Account
from core.db import utcnow
from core.errors import InvalidInput, NotFound
from core.pagination import Page, paginate
from notifications import kinds
from notifications.delivery import new_secret, url_problem
from notifications.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

MAX_ENDPOINTS = 10


def create_endpoint(
    session: Session, account: Account, url: str, events: list[str], *, production: bool
) -> WebhookEndpoint:
    """A new endpoint for the kinds in ``events`` (kinds the person's role receives), with a
    fresh signing secret. Production takes only https URLs to public hosts (422 otherwise)."""
    problem = url_problem(url, production=production)
    if problem:
        raise InvalidInput("The endpoint URL is refused.", {"url": [problem]})
    allowed = {k.key for k in kinds.kinds_for(kinds.Audience(account.role.value))}
    unknown = [e for e in events if e not in allowed]
    if unknown:
        raise InvalidInput(
            "Some events are not notification kinds you receive.",
            {"events": [f"Unknown for {account.role.value} accounts: {', '.join(unknown)}."]},
        )
    if len(_live(session, account.id)) >= MAX_ENDPOINTS:
        raise InvalidInput(
            f"You have {MAX_ENDPOINTS} webhook endpoints already; delete one first.",
            {"url": [f"At most {MAX_ENDPOINTS} endpoints per account."]},
        )
    endpoint = WebhookEndpoint(
        account_id=account.id,
        url=url,
        events=list(dict.fromkeys(events)),
        secret=new_secret(),
        consecutive_failures=0,
    )
    session.add(endpoint)
    session.flush()
    return endpoint


def _live(session: Session, account_id: int) -> list[WebhookEndpoint]:
    return list(
        session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.account_id == account_id, WebhookEndpoint.deleted_at.is_(None))
            .order_by(WebhookEndpoint.id)
        )
    )


def list_endpoints(session: Session, account_id: int) -> list[WebhookEndpoint]:
    """The person's endpoints (deleted ones are gone), oldest first."""
    return _live(session, account_id)


def get_endpoint(session: Session, account_id: int, endpoint_id: int) -> WebhookEndpoint:
    """One of the person's endpoints; anyone else's (or a deleted one) is a 404."""
    endpoint = session.scalar(
        select(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id,
            WebhookEndpoint.account_id == account_id,
            WebhookEndpoint.deleted_at.is_(None),
        )
    )
    if endpoint is None:
        raise NotFound("Webhook endpoint not found.")
    return endpoint


def delete_endpoint(session: Session, account_id: int, endpoint_id: int) -> None:
    """Stop sending to the endpoint; its deliveries still waiting are given up. The row stays
    (soft delete) so the delivery log keeps its history."""
    endpoint = get_endpoint(session, account_id, endpoint_id)
    now = utcnow()
    endpoint.deleted_at = now
    session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint.id,
            WebhookDelivery.status == DeliveryStatus.PENDING,
        )
        .values(status=DeliveryStatus.FAILED, last_error="endpoint deleted")
        .execution_options(synchronize_session=False)
    )
    session.flush()


def enable_endpoint(
    session: Session, account_id: int, endpoint_id: int, now: datetime | None = None
) -> WebhookEndpoint:
    """Re-enable a disabled endpoint: failures count from zero and the deliveries that waited
    while it was disabled are due at once."""
    endpoint = get_endpoint(session, account_id, endpoint_id)
    now = now or utcnow()
    if endpoint.disabled_at is not None:
        endpoint.disabled_at = None
        endpoint.consecutive_failures = 0
        session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.endpoint_id == endpoint.id,
                WebhookDelivery.status == DeliveryStatus.PENDING,
            )
            .values(next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
        session.flush()
    return endpoint


def list_deliveries(
    session: Session, account_id: int, endpoint_id: int, *, page: int = 1, page_size: int = 20
) -> Page[WebhookDelivery]:
    """The endpoint's delivery log, newest first."""
    endpoint = get_endpoint(session, account_id, endpoint_id)
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.id.desc())
    )
    return paginate(session, query, page, page_size)
