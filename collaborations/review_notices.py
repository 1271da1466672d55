"""What the brand and the creator are told as a post's review ends: rejections, disputes,
automatic approvals and an operator's decision. Written to the outbox
(``notifications.service.notify``) in the transaction that made the change.

The rejection notices double as the record of every reason a post was sent back for (the
sponsorship keeps only the latest): the dispute queue reads them back with
:func:`rejection_history`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.models import Brand, Creator
from campaigns.models import Campaign
from collaborations.models import Sponsorship
from notifications.models import Notification
from notifications.service import notify

REJECTED = "sponsorship.rejected"
DISPUTED = "sponsorship.disputed"
AUTO_APPROVED = "sponsorship.auto_approved"
DISPUTE_APPROVED = "sponsorship.dispute_approved"
DISPUTE_CANCELLED = "sponsorship.dispute_cancelled"
REVERSED = "sponsorship.reversed"


def _accounts(session: Session, sponsorship: Sponsorship) -> tuple[int, int, str, str]:
    """(brand account, creator account, campaign title, creator handle)."""
    brand_account, title = session.execute(
        select(Brand.account_id, Campaign.title)
        .join(Campaign, Campaign.brand_id == Brand.id)
        .where(Campaign.id == sponsorship.campaign_id)
    ).one()
    creator_account, handle = session.execute(
        select(Creator.account_id, Creator.handle).where(Creator.id == sponsorship.creator_id)
    ).one()
    return brand_account, creator_account, title, handle


def _data(sponsorship: Sponsorship, **extra: object) -> dict[str, object]:
    return {"sponsorship": sponsorship.id, "campaign": sponsorship.campaign_id, **extra}


def rejected(session: Session, sponsorship: Sponsorship, reason: str) -> None:
    """The creator hears that the post was sent back, and why."""
    _, creator_account, title, _ = _accounts(session, sponsorship)
    notify(
        session,
        creator_account,
        REJECTED,
        f"Your post for '{title}' was sent back",
        f"The brand's reason: {reason}",
        _data(sponsorship, reason=reason, rejection=sponsorship.rejections),
    )


def disputed(session: Session, sponsorship: Sponsorship, max_rejections: int) -> None:
    """Both sides hear that an operator decides now."""
    brand_account, creator_account, title, handle = _accounts(session, sponsorship)
    why = (
        f"The post was rejected {sponsorship.rejections} times (the limit is {max_rejections} "
        "before a dispute)."
    )
    notify(
        session,
        brand_account,
        DISPUTED,
        f"@{handle}'s post for '{title}' goes to a Dandelion operator",
        f"{why} An operator will review it and either approve it (the creator is paid) or "
        "cancel the sponsorship (you are refunded). The price stays reserved until then.",
        _data(sponsorship),
    )
    notify(
        session,
        creator_account,
        DISPUTED,
        f"Your post for '{title}' goes to a Dandelion operator",
        f"{why} You cannot deliver it again; an operator will review it and either approve "
        "it (you are paid) or cancel the sponsorship.",
        _data(sponsorship),
    )


def auto_approved(session: Session, sponsorship: Sponsorship, days: int) -> None:
    """The brand hears its silence approved the post; the creator hears they are paid."""
    brand_account, creator_account, title, handle = _accounts(session, sponsorship)
    price = sponsorship.price.format()
    notify(
        session,
        brand_account,
        AUTO_APPROVED,
        f"@{handle}'s post for '{title}' was approved automatically",
        f"The post was approved automatically after {days} days without review, and "
        f"@{handle} is paid {price}.",
        _data(sponsorship, days=days),
    )
    notify(
        session,
        creator_account,
        AUTO_APPROVED,
        f"Your post for '{title}' is approved: you are paid {price}",
        f"The brand did not review your post within {days} days, so it was approved "
        f"automatically and you are paid {price}.",
        _data(sponsorship, days=days),
    )


def resolved(session: Session, sponsorship: Sponsorship, *, approved: bool, note: str) -> None:
    """Both sides hear an operator's decision on a dispute."""
    brand_account, creator_account, title, handle = _accounts(session, sponsorship)
    price = sponsorship.price.format()
    if approved:
        kind = DISPUTE_APPROVED
        to_brand = (f"An operator approved @{handle}'s post; @{handle} is paid {price}.",)
        to_creator = (f"An operator approved your post; you are paid {price}.",)
    else:
        kind = DISPUTE_CANCELLED
        to_brand = (f"An operator cancelled the sponsorship; {price} is refunded to you.",)
        to_creator = ("An operator cancelled the sponsorship; it is not paid.",)
    subject = f"Dispute on '{title}' decided"
    for account, (text,) in ((brand_account, to_brand), (creator_account, to_creator)):
        notify(
            session,
            account,
            kind,
            subject,
            f"{text} The operator's note: {note}",
            _data(sponsorship),
        )


def reversed_payout(session: Session, sponsorship: Sponsorship, reason: str) -> None:
    """Both sides hear that a paid sponsorship was cancelled and its transfer taken back."""
    brand_account, creator_account, title, _ = _accounts(session, sponsorship)
    price = sponsorship.price.format()
    subject = f"Payment for '{title}' reversed"
    notify(
        session,
        brand_account,
        REVERSED,
        subject,
        f"An operator cancelled the sponsorship and reversed its payment; {price} is refunded "
        f"to you. Reason: {reason}",
        _data(sponsorship),
    )
    notify(
        session,
        creator_account,
        REVERSED,
        subject,
        f"An operator cancelled the sponsorship and took back the {price} transfer. "
        f"Reason: {reason}",
        _data(sponsorship),
    )


@dataclass(frozen=True)
class Rejection:
    """One time the brand sent the post back."""

    at: datetime
    reason: str


def rejection_history(
    session: Session, sponsorships: list[Sponsorship]
) -> dict[int, list[Rejection]]:
    """Every reason each sponsorship's post was sent back for, oldest first (one query)."""
    wanted = {s.id for s in sponsorships}
    creator_accounts = dict(
        session.execute(
            select(Creator.id, Creator.account_id).where(
                Creator.id.in_({s.creator_id for s in sponsorships})
            )
        ).all()
    )
    history: dict[int, list[Rejection]] = {s.id: [] for s in sponsorships}
    if not wanted:
        return history
    for notice in session.scalars(
        select(Notification)
        .where(
            Notification.kind == REJECTED,
            Notification.account_id.in_(set(creator_accounts.values())),
        )
        .order_by(Notification.id)
    ):
        sid = (notice.data or {}).get("sponsorship")
        if sid in wanted:
            history[sid].append(Rejection(notice.created_at, str(notice.data.get("reason", ""))))
    return history
