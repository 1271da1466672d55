"""A campaign's CSV exports: offers, sponsorships, payouts and ledger lines.

Each export is a column spec (``*_COLUMNS``) and a query that yields its rows in batches, so a
campaign with many rows is streamed, never built in memory. To add columns (post metrics, say),
append :class:`~exports.spreadsheet.Column` entries to the list; the rows are SQLAlchemy rows
with the model under its class name (``row.Sponsorship``) and ``row.handle``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from accounts.models import Creator
from campaigns.models import Campaign
from collaborations.models import Offer, Sponsorship, SponsorshipStatus
from core.money import Money
from exports.spreadsheet import Column, csv_lines, money_columns
from payments.models import LedgerAccount, LedgerEntry, LedgerTransaction, Payout
from results.models import PostMetric

BATCH = 500  # rows fetched per round trip while streaming

OFFER_COLUMNS: list[Column[Any]] = [
    Column("offer_id", lambda r: r.Offer.id),
    Column("created_at", lambda r: r.Offer.created_at),
    Column("creator_id", lambda r: r.Offer.creator_id),
    Column("creator_handle", lambda r: r.handle),
    Column("source", lambda r: r.Offer.source),
    Column("status", lambda r: r.Offer.status),
    *money_columns("price", lambda r: Money(r.Offer.price_amount, r.Offer.currency)),
    Column("fit", lambda r: round(r.Offer.fit_score, 4)),
    # followers × engagement × fit / 1000 from the creator's own profile: a forecast
    Column("forecast_engaged_target_thousands", lambda r: round(r.Offer.value, 4)),
    Column("expires_at", lambda r: r.Offer.expires_at),
    Column("responded_at", lambda r: r.Offer.responded_at),
    Column("decline_reason", lambda r: r.Offer.decline_reason),
    Column("withdraw_reason", lambda r: r.Offer.withdraw_reason),
]

SPONSORSHIP_COLUMNS: list[Column[Any]] = [
    Column("sponsorship_id", lambda r: r.Sponsorship.id),
    Column("offer_id", lambda r: r.Sponsorship.offer_id),
    Column("creator_id", lambda r: r.Sponsorship.creator_id),
    Column("creator_handle", lambda r: r.handle),
    Column("status", lambda r: r.Sponsorship.status),
    *money_columns("price", lambda r: Money(r.Sponsorship.price_amount, r.Sponsorship.currency)),
    Column("created_at", lambda r: r.Sponsorship.created_at),
    Column("due_on", lambda r: r.Sponsorship.due_on),
    Column("post_url", lambda r: r.Sponsorship.post_url),
    Column("disclosure", lambda r: r.Sponsorship.disclosure),
    Column("first_delivered_at", lambda r: r.Sponsorship.first_delivered_at),
    Column("delivered_at", lambda r: r.Sponsorship.delivered_at),
    Column("reviewed_at", lambda r: r.Sponsorship.reviewed_at),
    Column(
        "approved_at",
        lambda r: (
            r.Sponsorship.reviewed_at
            if r.Sponsorship.status is SponsorshipStatus.APPROVED
            else None
        ),
    ),
    Column("auto_approved", lambda r: r.Sponsorship.auto_approved),
    Column("rejections", lambda r: r.Sponsorship.rejections),
    Column("rejection_reason", lambda r: r.Sponsorship.rejection_reason),
    # The post's latest plausible metrics snapshot (results/metrics.py); empty before one.
    *(
        Column(f"metrics_{name}", lambda r, name=name: _metric(r, name))
        for name in ("measured_at", "views", "likes", "comments", "saves", "shares")
    ),
    Column(
        "metrics_engagements",
        lambda r: (
            None
            if r.PostMetric is None
            else r.PostMetric.likes
            + r.PostMetric.comments
            + r.PostMetric.saves
            + r.PostMetric.shares
        ),
    ),
]


def _metric(row: Any, name: str) -> Any:
    return None if row.PostMetric is None else getattr(row.PostMetric, name)


PAYOUT_COLUMNS: list[Column[Any]] = [
    Column("payout_id", lambda r: r.Payout.id),
    Column("sponsorship_id", lambda r: r.Payout.sponsorship_id),
    Column("creator_id", lambda r: r.Payout.creator_id),
    Column("creator_handle", lambda r: r.handle),
    *money_columns("amount", lambda r: r.Payout.money),
    Column("status", lambda r: r.Payout.status),
    Column("provider", lambda r: r.Payout.provider),
    Column("provider_reference", lambda r: r.Payout.provider_reference),
    Column("reversal_reference", lambda r: r.Payout.reversal_reference),
    Column("created_at", lambda r: r.Payout.created_at),
    Column("paid_at", lambda r: r.Payout.paid_at),
]

LEDGER_COLUMNS: list[Column[Any]] = [
    Column("transaction_id", lambda r: r.LedgerTransaction.id),
    Column("created_at", lambda r: r.LedgerTransaction.created_at),
    Column("kind", lambda r: r.LedgerTransaction.kind),
    Column("reference", lambda r: r.LedgerTransaction.reference),
    Column("sponsorship_id", lambda r: r.LedgerTransaction.sponsorship_id),
    Column("account", lambda r: r.code),
    # debits positive, credits negative (the ledger's own sign convention)
    *money_columns("amount", lambda r: Money(r.LedgerEntry.amount, r.LedgerEntry.currency)),
]


def _offers(campaign_id: int) -> Select[Any]:
    return (
        select(Offer, Creator.handle.label("handle"))
        .join(Creator, Creator.id == Offer.creator_id)
        .where(Offer.campaign_id == campaign_id)
        .order_by(Offer.created_at, Offer.id)
    )


def _sponsorships(campaign_id: int) -> Select[Any]:
    latest = (
        select(PostMetric.id)
        .where(PostMetric.sponsorship_id == Sponsorship.id, PostMetric.flagged.is_(False))
        .order_by(PostMetric.measured_at.desc(), PostMetric.id.desc())
        .limit(1)
        .correlate(Sponsorship)
        .scalar_subquery()
    )
    return (
        select(Sponsorship, Creator.handle.label("handle"), PostMetric)
        .join(Creator, Creator.id == Sponsorship.creator_id)
        .outerjoin(PostMetric, PostMetric.id == latest)
        .where(Sponsorship.campaign_id == campaign_id)
        .order_by(Sponsorship.created_at, Sponsorship.id)
    )


def _payouts(campaign_id: int) -> Select[Any]:
    return (
        select(Payout, Creator.handle.label("handle"))
        .join(Sponsorship, Sponsorship.id == Payout.sponsorship_id)
        .join(Creator, Creator.id == Payout.creator_id)
        .where(Sponsorship.campaign_id == campaign_id)
        .order_by(Payout.created_at, Payout.id)
    )


def _ledger(campaign_id: int) -> Select[Any]:
    return (
        select(LedgerTransaction, LedgerEntry, LedgerAccount.code.label("code"))
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerTransaction.campaign_id == campaign_id)
        .order_by(LedgerTransaction.created_at, LedgerTransaction.id, LedgerEntry.id)
    )


@dataclass(frozen=True)
class Export:
    """One downloadable CSV of a campaign."""

    name: str  # the file's stem: ``offers`` → ``campaign-12-offers.csv``
    title: str
    columns: Sequence[Column[Any]]
    query: Any  # campaign id -> Select


EXPORTS: dict[str, Export] = {
    e.name: e
    for e in (
        Export("offers", "Offers", OFFER_COLUMNS, _offers),
        Export("sponsorships", "Sponsorships", SPONSORSHIP_COLUMNS, _sponsorships),
        Export("payouts", "Payouts", PAYOUT_COLUMNS, _payouts),
        Export("ledger", "Ledger lines", LEDGER_COLUMNS, _ledger),
    )
}


def filename(campaign: Campaign, export: Export) -> str:
    """``campaign-12-offers.csv``: ASCII, so every browser keeps it."""
    return f"campaign-{campaign.id}-{export.name}.csv"


def export_lines(session: Session, campaign_id: int, export: Export) -> Iterator[str]:
    """The CSV text of ``export`` for the campaign, a line at a time, read in batches.

    The caller has checked that the campaign is the brand's; ``session`` should be one the
    caller closes when the stream ends (the request's own session commits before streaming).
    """
    result = session.execute(export.query(campaign_id).execution_options(yield_per=BATCH))
    try:
        yield from csv_lines(export.columns, result)
    finally:
        result.close()
