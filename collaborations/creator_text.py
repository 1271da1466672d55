"""The offer as the creator reads it: what the brand asks, the price, the deadline and why them.

Written to the creator, from facts the creator may see: the brand's name, the campaign's title,
category and brief, the price, the expiry, and the creator's own audience against the target.
Never the brand's explanation text, the brand's budget or anything about other creators: the
brand-side explanation dict is read only for this pair's own figures (its engaged target
audience and its fit per audience part).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from core.money import Money

if TYPE_CHECKING:
    from accounts.models import Creator
    from campaigns.models import Campaign
    from collaborations.models import Offer

BRIEF_EXCERPT_CHARS = 180
MIN_SHARED_INTEREST = 0.05  # an interest both sides hold at least this share of counts
CLOSE_PART = 0.85  # a demographic part matching at least this well is "close to theirs"
_PART_WORDS = {"gender": "gender mix", "city_tiers": "cities", "age": "age groups"}
_OPENING = {
    "match": "{brand} would like to work with you on their campaign “{title}”",
    "invite": "{brand} invited you to their campaign “{title}”",
    "open_call": "{brand} picked your application to their campaign “{title}”",
}


def brief_excerpt(brief: str, limit: int = BRIEF_EXCERPT_CHARS) -> str:
    """The start of a brief, cut at a word boundary (with an ellipsis when cut)."""
    text = " ".join((brief or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:.-–—")
    return cut + "…"


def _about(people: float) -> str:
    """``2,347`` → ``about 2,300``; small counts stay exact."""
    n = int(round(people))
    if n < 100:
        return f"about {n:,}" if n else "a few"
    digits = int(math.floor(math.log10(n))) - 1
    return f"about {round(n, -digits):,}"


def _duration(delta: timedelta) -> str:
    hours = max(int(delta.total_seconds() // 3600), 0)
    if hours >= 48:
        days = round(hours / 24)
        return f"{days} days"
    return f"{hours} hour{'s' if hours != 1 else ''}"


def _shared_interests(audience: Mapping[str, Any], target: Mapping[str, Any]) -> list[str]:
    mine = audience.get("interests") or {}
    theirs = target.get("interests") or {}
    shared = [
        (min(float(mine[k]), float(theirs[k])), k)
        for k in theirs
        if k in mine and min(float(mine[k]), float(theirs[k])) >= MIN_SHARED_INTEREST
    ]
    return [k for _, k in sorted(shared, key=lambda sk: (-sk[0], sk[1]))[:3]]


def _words(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def explanation_for_creator(
    campaign: Campaign,
    creator: Creator,
    explanation: Mapping[str, Any] | None,
    *,
    price: Money,
    expires_at: datetime,
    created_at: datetime | None = None,
    fit: float | None = None,
    source: str = "match",
) -> str:
    """The offer's explanation written to ``creator`` (plain text, a few sentences).

    Parameters: the ``campaign`` (its brand loaded or loadable), the ``creator``, the offer's
    brand-side ``explanation`` (read for its figures only; may be empty), the offer's
    ``price``, ``expires_at`` and ``created_at`` (for how long the offer is open), its
    ``fit`` score (a fallback for the reach) and ``source`` (match, invite or open_call).
    """
    brand = campaign.brand.name
    explanation = explanation or {}
    opening = _OPENING.get(source, _OPENING["match"]).format(brand=brand, title=campaign.title)
    sentences = [f"{opening} ({campaign.category})."]
    excerpt = brief_excerpt(campaign.brief)
    if excerpt:
        sentences.append(f"What they ask: {excerpt}")
    sentences.append(
        f"They offer {price.format()} for one post labelled as sponsored, "
        f"to publish by {campaign.ends_on:%d %b %Y}."
    )
    deadline = f"{expires_at:%a %d %b %Y, %H:%M} UTC"
    if created_at is not None and expires_at > created_at:
        sentences.append(
            f"The offer is open for {_duration(expires_at - created_at)}: answer by {deadline}."
        )
    else:
        sentences.append(f"Answer by {deadline}.")
    why = _why(campaign, creator, explanation, brand, fit)
    if why:
        sentences.append(why)
    return " ".join(sentences)


def _why(
    campaign: Campaign,
    creator: Creator,
    explanation: Mapping[str, Any],
    brand: str,
    fit: float | None,
) -> str:
    """Why this creator, in their terms: shared interests, close demographics, reach."""
    audience = creator.audience or {}
    target = campaign.target_audience or {}
    interests = _shared_interests(audience, target)
    reasons = []
    if interests:
        reasons.append(
            f"your audience's interest in {_words(interests)} matches what {brand} is looking for"
        )
    parts = explanation.get("fit_components") or {}
    close = [
        _PART_WORDS[p]
        for p in ("age", "gender", "city_tiers")
        if p in parts and float(parts[p]) >= CLOSE_PART
    ]
    if close and interests:
        verb = "are" if len(close) > 1 or close[0].endswith("s") else "is"
        reasons[-1] += f", and its {_words(close)} {verb} close to theirs"
    people = explanation.get("engaged_target")
    if people is None and explanation.get("value") is not None:
        people = float(explanation["value"]) * 1000.0
    if people is None and fit is not None:
        people = creator.followers * creator.engagement_rate * fit
    if people and interests:
        reasons.append(f"{_about(float(people))} of your engaged followers are in their target")
    if not reasons:
        return ""
    text = "; ".join(reasons)
    return f"Why you: {text}."


def creator_text_for_offer(offer: Offer) -> str:
    """The offer's creator text: the stored one, or computed now for offers stored before."""
    if offer.explanation_for_creator:
        return offer.explanation_for_creator
    return explanation_for_creator(
        offer.campaign,
        offer.creator,
        offer.explanation,
        price=offer.price,
        expires_at=offer.expires_at,
        created_at=offer.created_at,
        fit=offer.fit_score,
        source=str(getattr(offer.source, "value", offer.source) or "match"),
    )
