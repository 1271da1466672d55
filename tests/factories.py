"""Factories for the creator-side tests: complete profiles, offers written straight to the
database (the weekly matching that normally creates them is not built yet) and sponsorships.

Fixtures defined in a plain module would have to be imported into each test module (which
linters read as a redefinition), so this module holds builder functions; each test module wraps
the ones it needs in a two-line fixture.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.models import Creator
from collaborations.models import Offer, OfferSource, OfferStatus, Sponsorship
from core.db import utcnow
from matching import runs
from payments.models import Payout
from tests.conftest import operator_user

AUDIENCE: dict[str, Any] = {
    "interests": {"skincare": 0.6, "makeup": 0.4},
    "gender": {"female": 0.7, "male": 0.3},
    "city_tiers": {"1": 0.5, "2": 0.5},
    "age": {"18-24": 0.5, "25-34": 0.5},
}


def profile_body(**overrides: Any) -> dict[str, Any]:
    """A complete, valid creator profile (everything matching needs)."""
    body: dict[str, Any] = {
        "display_name": "Mia Cooks",
        "followers": 12_000,
        "engagement_rate": 0.05,
        "categories": ["skincare", "beauty"],
        "audience": AUDIENCE,
        "rate": {"amount": 40_000, "currency": "EUR"},
        "weekly_capacity": 3,
    }
    body.update(overrides)
    return body


def complete_profile(creator: Any, **overrides: Any) -> dict[str, Any]:
    """PATCH a complete profile for ``creator`` (an ``ApiUser``) and return the response body."""
    r = creator.patch("/api/v1/creators/me", json=profile_body(**overrides))
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def open_up(creator: Any, categories: list[str] | None = None, until: date | None = None) -> None:
    """Complete the profile and opt in."""
    complete_profile(creator)
    r = creator.put(
        "/api/v1/creators/me/availability",
        json={
            "open": True,
            "until": until.isoformat() if until else None,
            "categories": categories or ["skincare"],
        },
    )
    assert r.status_code == 200, r.get_json()


def offer_factory(session: Session) -> Callable[..., Offer]:
    """``make(campaign, creator, **fields)``: write a committed offer like a match run would."""

    def make(
        campaign: dict[str, Any] | int,
        creator: Any,
        *,
        price_amount: int = 50_000,
        currency: str | None = None,
        fit_score: float = 0.8,
        explanation: dict[str, Any] | None = None,
        expires_at: datetime | None = None,
        created_at: datetime | None = None,
        status: OfferStatus = OfferStatus.PROPOSED,
        responded_at: datetime | None = None,
        source: OfferSource = OfferSource.MATCH,
        match_run_id: int | None = None,
        explanation_for_creator: str = "",
    ) -> Offer:
        session.rollback()  # write from a fresh transaction, never from a stale snapshot
        campaign_id = campaign if isinstance(campaign, int) else campaign["id"]
        if currency is None:
            currency = "EUR" if isinstance(campaign, int) else campaign["budget"]["currency"]
        now = utcnow()
        offer = Offer(
            campaign_id=campaign_id,
            creator_id=creator if isinstance(creator, int) else creator.id,
            price_amount=price_amount,
            currency=currency,
            fit_score=fit_score,
            explanation=explanation
            if explanation is not None
            else {"summary": "Your audience is 70% women 18-34 who follow skincare."},
            expires_at=expires_at or now + timedelta(days=7),
            created_at=created_at or now,
            status=status,
            responded_at=responded_at,
            source=source,
            match_run_id=match_run_id,
            explanation_for_creator=explanation_for_creator,
        )
        session.add(offer)
        session.commit()
        return offer

    return make


def fresh(session: Session, model: Any, obj_id: int) -> Any:
    """The row as committed now (ends the session's transaction so new commits are visible)."""
    session.rollback()
    session.expire_all()
    return session.get(model, obj_id)


def update_row(session: Session, model: Any, obj_id: int, **values: Any) -> None:
    """Change a committed row, from a fresh transaction (a stale SQLite snapshot cannot write)."""
    row = fresh(session, model, obj_id)
    for name, value in values.items():
        setattr(row, name, value)
    session.commit()


def creator_row(session: Session, creator_id: int) -> dict[str, Any]:
    """Every column of a creator as committed now, to prove a refused request wrote nothing."""
    session.rollback()
    row = session.execute(
        select(Creator.__table__).where(Creator.__table__.c.id == creator_id)
    ).mappings()
    result = dict(row.one())
    session.rollback()
    return result


def sponsorships_of(session: Session, creator_id: int) -> list[Sponsorship]:
    session.rollback()
    session.expire_all()
    return list(
        session.scalars(
            select(Sponsorship).where(Sponsorship.creator_id == creator_id).order_by(Sponsorship.id)
        )
    )


def payouts_of(session: Session, creator_id: int) -> list[Payout]:
    session.rollback()
    session.expire_all()
    return list(session.scalars(select(Payout).where(Payout.creator_id == creator_id)))


def ago(**delta: float) -> datetime:
    return utcnow() - timedelta(**delta)


def run_matching(app: Any, client: Any) -> dict[str, Any]:
    """An operator runs this week's matching through the API; the finished run (it succeeded)."""
    ops = operator_user(app, client)
    r = ops.post("/api/v1/match-runs", json={"week": runs.current_week()})
    assert r.status_code == 202, r.get_json()
    run = ops.get(f"/api/v1/match-runs/{r.get_json()['id']}").get_json()
    assert run["status"] == "succeeded", run
    return run
