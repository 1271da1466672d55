"""What creators and brands are told as money moves: a payout sent or failed, a campaign
funded, completed or refunded. Written to the outbox in the transaction that books the money,
which happens once (a status checked under the row's lock). The payout and refund notices,
written by jobs, also carry a dedupe key naming their row.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.models import Brand, Creator
from campaigns.models import Campaign
from collaborations.models import Sponsorship
from core.money import Money
from notifications.service import notify
from payments.models import CampaignFunding, CampaignRefund, Payout

PAYOUT_SENT = "payout.sent"
PAYOUT_FAILED = "payout.failed"
FUNDED = "campaign.funded"
COMPLETED = "campaign.completed"
REFUNDED = "campaign.refunded"


def _campaign_and_brand_account(session: Session, campaign_id: int) -> tuple[Campaign, int]:
    row = session.execute(
        select(Campaign, Brand.account_id)
        .join(Brand, Brand.id == Campaign.brand_id)
        .where(Campaign.id == campaign_id)
    ).one()
    return row[0], int(row[1])


def _title_of_sponsorship(session: Session, sponsorship_id: int) -> str:
    title = session.scalar(
        select(Campaign.title)
        .join(Sponsorship, Sponsorship.campaign_id == Campaign.id)
        .where(Sponsorship.id == sponsorship_id)
    )
    return str(title)


def _payout_notice(session: Session, payout: Payout, kind: str, subject: str, body: str) -> None:
    """Tell the payout's creator ``subject``/``body`` ({amount} and {title} filled in), once."""
    account_id = session.scalar(select(Creator.account_id).where(Creator.id == payout.creator_id))
    assert account_id is not None
    fill = {
        "title": _title_of_sponsorship(session, payout.sponsorship_id),
        "amount": Money(payout.amount, payout.currency).format(),
    }
    notify(
        session,
        account_id,
        kind,
        subject.format(**fill)[:200],
        body.format(**fill),
        {"payout": payout.id, "sponsorship": payout.sponsorship_id, "amount": payout.amount},
        dedupe_key=f"{kind}:{payout.id}",
    )


def payout_sent(session: Session, payout: Payout) -> None:
    """The creator hears the transfer left: how much, for which post."""
    _payout_notice(
        session,
        payout,
        PAYOUT_SENT,
        "{amount} is on its way to you",
        "Your payout of {amount} for “{title}” was sent to your payout account. Banks usually "
        "show it within a few working days.",
    )


def payout_failed(session: Session, payout: Payout) -> None:
    """The creator hears the transfer was refused, and what to do."""
    _payout_notice(
        session,
        payout,
        PAYOUT_FAILED,
        "Your payout of {amount} failed",
        "The payout of {amount} for “{title}” was refused by the payment provider. Check your "
        "payout account's details; Dandelion's support will send it again once they are fixed.",
    )


def campaign_funded(session: Session, funding: CampaignFunding) -> None:
    """The brand hears its payment arrived and the campaign can be published."""
    campaign, account_id = _campaign_and_brand_account(session, funding.campaign_id)
    total = Money(funding.total, funding.currency).format()
    budget = Money(funding.budget, funding.currency).format()
    notify(
        session,
        account_id,
        FUNDED,
        f"“{campaign.title}” is funded"[:200],
        f"Your payment of {total} ({budget} budget and the platform fee) arrived. Publish the "
        "campaign to start matching creators.",
        {"campaign": campaign.id, "funding": funding.id},
    )


def campaign_completed(session: Session, campaign: Campaign, unspent: int) -> None:
    """The brand hears the campaign closed, and whether unspent budget goes back."""
    _, account_id = _campaign_and_brand_account(session, campaign.id)
    back = (
        f" {Money(unspent, campaign.currency).format()} not committed to creators goes back to "
        "you; you hear when the refund is made."
        if unspent > 0
        else " All of its budget was committed, so nothing is refunded."
    )
    notify(
        session,
        account_id,
        COMPLETED,
        f"“{campaign.title}” is completed"[:200],
        f"The campaign takes no more creators. Posts already handed in stay for you to review."
        f"{back}",
        {"campaign": campaign.id},
    )


def campaign_refunded(session: Session, refund: CampaignRefund) -> None:
    """The brand hears the refund was made, how much of it budget and how much fee."""
    campaign, account_id = _campaign_and_brand_account(session, refund.campaign_id)
    total = Money(refund.total, refund.currency).format()
    notify(
        session,
        account_id,
        REFUNDED,
        f"{total} refunded for “{campaign.title}”"[:200],
        f"{total} was refunded to your payment method: "
        f"{Money(refund.budget_part, refund.currency).format()} budget not spent and "
        f"{Money(refund.fee_part, refund.currency).format()} of the platform fee on it.",
        {"campaign": campaign.id, "refund": refund.id},
        dedupe_key=f"{REFUNDED}:{refund.id}",
    )
