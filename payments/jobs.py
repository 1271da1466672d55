"""Thin job wrappers for payments: take ids, open a session, call a service, commit."""

from __future__ import annotations

from extensions import payment_provider
from payments import service
from queueing import get_queue, job_session, missing_jobs


class RetryLater(Exception):
    """Raised after the attempt was recorded, so RQ's Retry schedules another one."""


def execute_payout_job(payout_id: int) -> str:
    """Transfer one approved payout to its creator."""
    with job_session() as session:
        outcome = service.execute_payout(session, payout_id, payment_provider())
    if outcome.retry:
        raise RetryLater(f"payout {payout_id}: {outcome.message}")
    return outcome.status.value


def execute_refund_job(refund_id: int) -> str:
    """Refund a cancelled or completed campaign's unspent money to the brand."""
    with job_session() as session:
        retry = service.execute_refund(session, refund_id, payment_provider())
    if retry:
        raise RetryLater(f"refund {refund_id} will be retried")
    return "done"


def pay_pending_payouts_job(creator_id: int | None = None) -> int:
    """Retry every pending payout (all creators, or one who just finished onboarding)."""
    with job_session() as session:
        ids = service.pending_payout_ids(session, creator_id)
    for payout_id in ids:
        try:
            execute_payout_job(payout_id)
        except RetryLater:
            continue
    return len(ids)


def retry_pending_refunds_job() -> int:
    """Retry every refund still pending at the provider."""
    with job_session() as session:
        ids = service.pending_refund_ids(session)
    for refund_id in ids:
        try:
            execute_refund_job(refund_id)
        except RetryLater:
            continue
    return len(ids)


def requeue_lost_payment_jobs_job() -> list[str]:
    """The orphan sweep (every minute): pending payouts and refunds whose job is gone from
    Redis are queued again. Embedded mode has no such orphans: a no-op there."""
    if get_queue() is None:
        return []
    with job_session() as session:
        return service.requeue_lost_payment_jobs(session, missing_jobs)
