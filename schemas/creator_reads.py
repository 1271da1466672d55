"""The JSON of the creator's two hot reads, written out by hand.

``CreatorProfileSchema`` and ``page_of(OfferSchema)`` stay the documented contract (the OpenAPI
document is generated from them) and the reference: these functions build the same dictionaries
from ``collaborations.creator_reads`` without marshmallow's per-field machinery (a page of 20
offers with their campaigns and turns is ~1,500 field dumps). Field for field they do what the
schema's fields do (``Integer`` → ``int``, ``Float`` → ``float``, ``DateTime`` →
``isoformat()``, ``None`` stays ``None``); ``tests/test_creator_reads_json.py`` checks they
return exactly what the schemas dump, and that they cover every field the schemas declare.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from collaborations.creator_reads import OfferItem, Profile
from collaborations.eligibility import OfferEligibility
from collaborations.models import effective_status
from collaborations.services import Reliability
from collaborations.turns import TurnView
from core.money import Money
from core.pagination import Page


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _iso(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def _money(money: Money | None) -> dict[str, Any] | None:
    return None if money is None else {"amount": int(money.amount), "currency": money.currency}


def _reliability(r: Reliability) -> dict[str, Any]:
    return {
        "offers_received": _int(r.offers_received),
        "reply_rate_48h": _float(r.reply_rate_48h),
        "acceptance_rate": _float(r.acceptance_rate),
        "on_time_delivery_rate": _float(r.on_time_delivery_rate),
    }


def _eligibility(e: OfferEligibility) -> dict[str, Any]:
    s = e.sponsored_share
    return {
        "eligible": bool(e.eligible),
        "reasons": [{"rule": _str(r.rule), "message": _str(r.message)} for r in e.reasons],
        "sponsored_share": {
            "share": _float(s.share),
            "sponsored_posts": _int(s.sponsored_posts),
            "posts": _int(s.posts),
            "window_days": _int(s.window_days),
            "cap": _float(s.cap),
            "over_cap": bool(s.over_cap),
            "under_cap_on": _iso(s.under_cap_on),
            "posts_needed": _int(s.posts_needed),
        },
    }


def profile_json(profile: Profile) -> dict[str, Any]:
    """``CreatorProfileSchema().dump(...)`` of a creator's :class:`Profile`."""
    c = profile.creator
    assert c is not None and profile.reliability and profile.offer_eligibility
    rate = None
    if c.rate_amount is not None:
        rate = {"amount": c.rate_amount, "currency": c.rate_currency}
    return {
        "id": _int(c.id),
        "handle": _str(c.handle),
        "email": _str(profile.email),
        "display_name": _str(c.display_name),
        "followers": _int(c.followers),
        "engagement_rate": _float(c.engagement_rate),
        "categories": None if c.categories is None else [_str(x) for x in c.categories],
        "audience": None if c.audience is None else dict(c.audience),
        "rate": rate,
        "weekly_capacity": _int(c.weekly_capacity),
        "verified": None if c.verified is None else bool(c.verified),
        "sponsored_share": _float(c.sponsored_share),
        "recent_posts_30d": _int(c.recent_posts_30d),
        "reliability": _reliability(profile.reliability),
        "offer_eligibility": _eligibility(profile.offer_eligibility),
        "created_at": _iso(c.created_at),
    }


def _turn(t: TurnView) -> dict[str, Any]:
    return {
        "actor": _str(t.actor),
        "kind": _str(t.kind),
        "price": _money(t.price),
        "message": _str(t.message),
        "at": _iso(t.at),
        "expires_at": _iso(t.expires_at),
    }


def offer_json(item: OfferItem, now: datetime) -> dict[str, Any]:
    """``OfferSchema().dump(...)`` of one :class:`OfferItem` as of ``now``."""
    o = item.row
    notice = o.payout_notice
    counter = o.counter_price_amount
    return {
        "id": _int(o.id),
        "status": str(effective_status(o.status, o.expires_at, now).value),
        "source": o.source.value,
        "campaign": {
            "id": _int(o.campaign_id),
            "title": _str(o.campaign_title),
            "brief": _str(o.campaign_brief),
            "category": _str(o.campaign_category),
            "brand_name": _str(o.brand_name),
            "ends_on": _iso(o.campaign_ends_on),
        },
        "price": {"amount": int(o.price_amount), "currency": o.currency},
        "fit_score": _float(o.fit_score),
        "explanation_for_creator": item.explanation_for_creator,
        "payout_notice": str(notice) if notice else None,
        "expires_at": _iso(o.expires_at),
        "created_at": _iso(o.created_at),
        "responded_at": _iso(o.responded_at),
        "decline_reason": _str(o.decline_reason),
        "message": _str(o.message),
        "counter_price": None
        if counter is None
        else {"amount": int(counter), "currency": o.currency},
        "turns": [_turn(t) for t in item.turns],
    }


def offers_page_json(page: Page[OfferItem], now: datetime) -> dict[str, Any]:
    """``page_of(OfferSchema)().dump(...)`` of a page of :class:`OfferItem`."""
    return {
        "items": [offer_json(item, now) for item in page.items],
        "total": page.total,
        "page": page.page,
        "page_size": page.page_size,
        "pages": page.pages,
    }
