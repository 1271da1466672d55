"""Discovery: brands find creators by audience (``GET /creators``, the "Find creators" page).

Only creators open to paid work today appear, who accept the category asked for (or the
campaign's), not on the brand's block list; a brand sees their public profile, never contact
details. Filters: category, interest tags, follower and price range, audience leanings (gender,
city tiers, age bands) and reliability on Dandelion.

With one of the brand's campaigns the results are ranked by **fit to its target**, by the same
model as matching (``matching.market.fit``): ``fit = relevance × demographics`` where the
relevance is ``min(1, Σ_tag share_tag × w_tag)`` with ``w = graded_target(target interests)``
and the demographic factor, a weighted geometric mean of each part's match, is at most their
weighted arithmetic mean. So relevance × that mean bounds the fit from above, and SQL computes
it from the indexed ``creator_interest_shares`` rows of the target's tags and the demographic
columns of ``creators`` (no JSON), with every filter in the same query. The threshold
algorithm then fetches candidates in decreasing bound, computes their exact fit in numpy, and
stops as soon as the next candidate's bound cannot beat the page's last exact fit: the exact
ranking without scoring every profile (the bound is tight, so it nearly always stops after
its first batch). A creator who shares no interest with the
target (or whose audience is entirely outside one of its demographic parts) has fit 0 and is
not listed. Without a campaign, creators come by followers, largest first, straight off the
``(is_open, followers)`` index.

Reads only: nothing is flushed.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from accounts.audience_columns import DEMOGRAPHIC_COLUMNS
from accounts.models import Brand, Creator, CreatorCategory, CreatorInterestShare
from accounts.public_profile import CampaignFit, CreatorFacts, PublicReliability
from campaigns import services as campaigns
from campaigns.models import Campaign
from collaborations.models import BrandBlock
from collaborations.reliability_counters import Counts, read_many_counts
from collaborations.services import reliability_from
from core.audience import FIXED_KEYS, city_tiers_apply
from core.db import utcnow
from core.errors import InvalidInput
from core.money import Money
from core.pagination import MAX_PAGE_SIZE, Page
from matching.market.fit import (
    DEMOGRAPHIC_WEIGHTS,
    PARTS,
    RELEVANCE_PART,
    AudienceError,
    AudienceSpace,
    FitModel,
    check_audience,
    combine,
    graded_target,
    scaled_targets,
)

# A leaning asks that at least this share of the audience is in the chosen segment(s).
DEFAULT_LEANING_SHARE = 0.5
# An interest filter asks that at least this share of the audience is interested in the tags.
DEFAULT_MIN_INTEREST_SHARE = 0.1
# The smallest first batch of ranked candidates, and the bound's slack: the exact fit rounds
# each part to 6 digits (``FitModel.pair_parts``), so it may exceed the SQL bound by ~2e-6.
MIN_BATCH = 200
# The first batch holds this many candidates per result up to the page's end; then it doubles.
BATCH_PER_RESULT = 2.0
_BOUND_SLACK = 1e-5
# PostgreSQL's sort memory for a search's statements (see ``_plan_for_the_values``).
SEARCH_WORK_MEM = "16MB"
DEMOGRAPHIC_PARTS = ("gender", "city_tiers", "age")


@dataclass(frozen=True)
class CreatorFilters:
    """What a brand asks for; every field optional. Money in minor units of ``currency``."""

    category: str | None = None
    interests: tuple[str, ...] = ()
    min_interest_share: float = DEFAULT_MIN_INTEREST_SHARE
    min_followers: int | None = None
    max_followers: int | None = None
    min_rate: int | None = None
    max_rate: int | None = None
    currency: str | None = None
    gender: str | None = None
    min_gender_share: float = DEFAULT_LEANING_SHARE
    city_tiers: tuple[str, ...] = ()
    min_city_tier_share: float = DEFAULT_LEANING_SHARE
    ages: tuple[str, ...] = ()
    min_age_share: float = DEFAULT_LEANING_SHARE
    min_reply_rate: float | None = None
    min_on_time_rate: float | None = None
    verified_only: bool = False


@dataclass(frozen=True)
class FoundCreator(CreatorFacts):
    """One search result: the public profile, reliability and, for a campaign, the fit."""

    creator: Creator
    reliability: PublicReliability
    match: CampaignFit | None = None

    @property
    def categories(self) -> list[str]:
        return sorted(self.creator.open_categories or [])

    @property
    def campaign_id(self) -> int | None:
        return self.match.campaign_id if self.match else None

    @property
    def fit(self) -> float | None:
        return self.match.fit if self.match else None

    @property
    def expected_value(self) -> int | None:
        """Engaged people of the campaign's target audience per post (followers × engagement
        rate × fit), as on the profile page and in the matching's explanations."""
        return self.match.expected_value if self.match else None

    @property
    def price_per_engaged(self) -> Money | None:
        """The rate divided by the engaged target people, rounded half up to minor units (at
        least one: reaching a person is never free)."""
        rate, people = self.rate, self.expected_value
        if rate is None or not people:
            return None
        return Money(max(1, (2 * rate.amount + people) // (2 * people)), rate.currency)


@dataclass
class _Candidate:
    """A ranked candidate once its exact fit is known."""

    creator_id: int
    fit: float
    parts: dict[str, float] = field(default_factory=dict)
    expected_value: int = 0


def search_creators(
    session: Session,
    brand: Brand,
    filters: CreatorFilters,
    *,
    campaign_id: int | None = None,
    page: int = 1,
    page_size: int = 20,
    now: datetime | None = None,
) -> Page[FoundCreator]:
    """Open creators matching ``filters``; ranked by fit to ``campaign_id`` when given.

    Parameters: ``campaign_id`` must be one of the brand's campaigns (its category and currency
    then apply; ``filters.category`` and ``filters.currency``, if given, must agree).
    Returns one page of :class:`FoundCreator`, best fit first (or largest following first
    without a campaign). Raises ``NotFound`` for another brand's (or a missing) campaign and
    ``InvalidInput`` for contradictory filters.
    """
    now = now or utcnow()
    page = max(1, page)
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    _plan_for_the_values(session)
    campaign = (
        campaigns.get_campaign(session, brand, campaign_id) if campaign_id is not None else None
    )
    filters = _effective(filters, campaign)
    conditions = _conditions(brand, filters, now.date())
    in_category = _in_category(filters, driving=True)
    if campaign is None:
        # Counted from the category index (an IN list); the page itself is read off the
        # (is_open, followers) index, checking the category row by row (it stops at the page).
        total = session.scalar(
            select(func.count()).select_from(Creator).where(*conditions, *in_category)
        )
        query = select(Creator).where(*conditions, *_in_category(filters, driving=False))
        query = query.order_by(*BROWSE_ORDER).limit(page_size).offset((page - 1) * page_size)
        creators = list(session.scalars(query))
        counts = read_many_counts(session, [c.id for c in creators], now)
        items = [FoundCreator(c, _reliability(counts.get(c.id), c)) for c in creators]
        return Page(items=items, total=int(total or 0), page=page, page_size=page_size)
    return _ranked(session, campaign, [*conditions, *in_category], page, page_size, now)


def _plan_for_the_values(session: Session) -> None:
    """On PostgreSQL, plan this transaction's statements for their values and give their sort
    room (``SET LOCAL``: undone when the request's transaction ends).

    A search's SQL text is the same for every campaign with as many target tags and the same
    filters, so psycopg prepares it on its fifth use and PostgreSQL may then switch to a
    generic plan, which cannot see the size of the category or of the tags, nor how much the
    filters keep. At 100k creators generic plans made the ranked query 3-4x slower (p50 53 ->
    210 ms); a custom plan costs about 1 ms of planning. The ranked query of a large category
    sorts ~70k joined index rows, which spilled to disk with the default 4 MB (about 10 % of
    its time).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        session.execute(text(f"SET LOCAL work_mem = '{SEARCH_WORK_MEM}'"))


def _in_category(f: CreatorFilters, *, driving: bool) -> list[ColumnElement[bool]]:
    """The category and interest conditions on the search index: as IN lists of the index
    when they should drive the query (counts, ranking), as per-row lookups when the
    (is_open, followers) index drives it and the page stops it early."""
    out: list[ColumnElement[bool]] = []
    k, s = CreatorCategory, CreatorInterestShare
    if f.category is not None:
        if driving:
            out.append(Creator.id.in_(select(k.creator_id).where(k.category == f.category)))
        else:
            out.append(exists().where(k.creator_id == Creator.id, k.category == f.category))
    if f.interests:
        tags = sorted(set(f.interests))
        if not driving:
            share = (
                select(func.sum(s.share))
                .where(s.creator_id == Creator.id, s.tag.in_(tags))
                .scalar_subquery()
            )
            out.append(share >= f.min_interest_share)
        elif len(tags) == 1:  # one index range: (tag, share >= min)
            interested = select(s.creator_id).where(s.tag == tags[0])
            out.append(Creator.id.in_(interested.where(s.share >= f.min_interest_share)))
        else:
            interested = (
                select(s.creator_id)
                .where(s.tag.in_(tags))
                .group_by(s.creator_id)
                .having(func.sum(s.share) >= f.min_interest_share)
            )
            out.append(Creator.id.in_(interested))
    return out


# Without a campaign: largest following first (the (is_open, followers) index, read backwards).
BROWSE_ORDER = (Creator.followers.desc(), Creator.id.desc())


def _effective(filters: CreatorFilters, campaign: Campaign | None) -> CreatorFilters:
    """The filters with the campaign's category and currency; contradictions are 422s."""
    errors: dict[str, list[str]] = {}
    low, high = filters.min_followers, filters.max_followers
    if low is not None and high is not None and low > high:
        errors["max_followers"] = ["Must be at least min_followers."]
    low, high = filters.min_rate, filters.max_rate
    if low is not None and high is not None and low > high:
        errors["max_rate"] = ["Must be at least min_rate."]
    category, currency = filters.category, filters.currency
    if campaign is not None:
        if category is not None and category != campaign.category:
            errors["category"] = [
                f"The campaign is in '{campaign.category}'; leave category out or use it."
            ]
        if currency is not None and currency != campaign.currency:
            errors["currency"] = [f"The campaign pays in {campaign.currency}."]
        category, currency = campaign.category, campaign.currency
    elif currency is None and (filters.min_rate is not None or filters.max_rate is not None):
        errors["currency"] = ["Name the currency of min_rate/max_rate (or give a campaign_id)."]
    if errors:
        raise InvalidInput("The search has invalid filters.", errors)
    return CreatorFilters(**{**filters.__dict__, "category": category, "currency": currency})


def _share(part: str, keys: Sequence[str]) -> ColumnElement[float]:
    """The audience's combined share in ``keys`` of ``part``: off the demographic columns
    (``accounts.audience_columns``) for gender, city tiers and age, so no JSON is read per row;
    from the profile's JSON for countries (open-ended keys, and only when a target names them)."""
    total: ColumnElement[float] = literal(0.0)
    for key in keys:
        column = DEMOGRAPHIC_COLUMNS.get((part, key))
        if column is not None:
            total = total + getattr(Creator, column)
        else:
            total = total + func.coalesce(Creator.audience[(part, key)].as_float(), 0.0)
    return total


def _conditions(brand: Brand, f: CreatorFilters, today: date) -> list[ColumnElement[bool]]:
    """The WHERE clause every search shares (open, not blocked, the filters; the category is
    :func:`_in_category`)."""
    c = Creator
    out: list[ColumnElement[bool]] = [
        c.is_open.is_(True),
        or_(c.open_until.is_(None), c.open_until >= today),
        ~exists().where(BrandBlock.brand_id == brand.id, BrandBlock.creator_id == c.id),
    ]
    if f.min_followers is not None:
        out.append(c.followers >= f.min_followers)
    if f.max_followers is not None:
        out.append(c.followers <= f.max_followers)
    if f.currency is not None:
        out.append(c.rate_currency == f.currency)
    if f.min_rate is not None:
        out.append(c.rate_amount >= f.min_rate)
    if f.max_rate is not None:
        out.append(c.rate_amount <= f.max_rate)
    if f.verified_only:
        out.append(c.verified.is_(True))
    if f.gender is not None:
        out.append(_share("gender", [f.gender]) >= f.min_gender_share)
    if f.city_tiers:
        out.append(_share("city_tiers", sorted(set(f.city_tiers))) >= f.min_city_tier_share)
    if f.ages:
        out.append(_share("age", sorted(set(f.ages))) >= f.min_age_share)
    # Reliability as of the last sweep of the counters (hourly): a creator with nothing due
    # yet has no rate and does not pass a minimum.
    if f.min_reply_rate is not None:
        out.append(and_(c.replies_due > 0, c.replies_in_time >= f.min_reply_rate * c.replies_due))
    if f.min_on_time_rate is not None:
        out.append(
            and_(
                c.deliveries_due > 0,
                c.deliveries_on_time >= f.min_on_time_rate * c.deliveries_due,
            )
        )
    return out


def _reliability(counts: Counts | None, creator: Creator | None = None) -> PublicReliability:
    delivery = (creator.delivery_ratio, creator.delivery_sponsorships) if creator else (None, 0)
    if counts is None:
        return PublicReliability(None, None, 0, *delivery)
    own = reliability_from(counts)
    return PublicReliability(
        reply_rate_48h=own.reply_rate_48h,
        on_time_delivery_rate=own.on_time_delivery_rate,
        completed_sponsorships=counts.sponsorships_completed,
        delivery_ratio=delivery[0],
        measured_sponsorships=delivery[1],
    )


# --- ranked by fit to a campaign ----------------------------------------------------------------


def _demographics_reachable(target: dict[str, Any]) -> list[ColumnElement[bool]]:
    """A part whose target leaves segments out gives fit 0 to an audience with none of its
    people in the segments it names: those creators are left out in SQL, so ``total`` counts
    exactly the creators with a fit above 0."""
    out = []
    for part in (*DEMOGRAPHIC_PARTS, "countries"):
        if part == "city_tiers" and not city_tiers_apply(target):
            continue  # tiers do not count for a target outside mainland China
        wanted = [k for k, v in (target.get(part) or {}).items() if v > 0]
        if wanted and set(wanted) != set(FIXED_KEYS[part]):
            reached = _share(part, sorted(wanted)) > 0
            if part == "city_tiers":  # an audience without tiers lives outside China: neutral
                reached = or_(reached, _share(part, FIXED_KEYS[part]) == 0)
            out.append(reached)
    return out


def _capped(x: ColumnElement[float]) -> ColumnElement[float]:
    """``min(1, x)``, portably."""
    return case((x > 1.0, 1.0), else_=x)


def _demographics_bound(target: dict[str, Any]) -> ColumnElement[float]:
    """An upper bound of the fit's demographic factor, linear in the demographic columns.

    The factor is the weighted geometric mean ``Π match_p ** w_p`` of each part's match
    ``min(1, Σ_k share_k × graded_k)`` (weights summing to 1); by the inequality of the means
    it is at most the weighted arithmetic mean ``Σ_p w_p × match_p``, which SQL computes off
    the columns. Equal when the parts match alike, which is the common case: so ordering by
    ``relevance × this`` puts candidates in nearly their exact order and the threshold loop
    stops after its first batch.
    """
    if not math.isclose(sum(DEMOGRAPHIC_WEIGHTS.values()), 1.0):
        return literal(1.0)  # the means' inequality needs weights summing to 1
    total: ColumnElement[float] = literal(0.0)
    for part, part_weight in DEMOGRAPHIC_WEIGHTS.items():
        graded = graded_target(target.get(part) or {})
        if part == "city_tiers" and (not graded or not city_tiers_apply(target)):
            total = total + part_weight  # tiers left open by the target: every audience matches
            continue
        match: ColumnElement[float] = literal(0.0)
        for key, g in sorted(graded.items()):
            match = match + getattr(Creator, DEMOGRAPHIC_COLUMNS[(part, key)]) * g
        if part == "city_tiers":  # an audience tiers do not describe (columns 0) matches fully
            tiers = _share(part, FIXED_KEYS[part])
            total = total + part_weight * case((tiers == 0, 1.0), else_=_capped(match))
        else:
            total = total + part_weight * _capped(match)
    return total


def _ranked(
    session: Session,
    campaign: Campaign,
    conditions: list[ColumnElement[bool]],
    page: int,
    page_size: int,
    now: datetime,
) -> Page[FoundCreator]:
    target = campaign.target_audience or {}
    try:
        check_audience(target, "target")
    except AudienceError:
        return Page(items=[], total=0, page=page, page_size=page_size)
    weights = graded_target(target[RELEVANCE_PART])
    s = CreatorInterestShare
    weight = case(*((s.tag == tag, w) for tag, w in sorted(weights.items())), else_=0.0)
    bound = (_capped(func.sum(s.share * weight)) * func.max(_demographics_bound(target))).label(
        "bound"
    )
    query: Select[Any] = (
        select(Creator.id, bound, func.count().over().label("total"))
        .join(s, s.creator_id == Creator.id)
        .where(s.tag.in_(sorted(weights)), *conditions, *_demographics_reachable(target))
        .group_by(Creator.id)
        .order_by(bound.desc(), Creator.id)
    )
    needed = page * page_size
    batch, offset, total = max(MIN_BATCH, math.ceil(BATCH_PER_RESULT * needed)), 0, 0
    best: list[tuple[float, int]] = []  # a min-heap of (fit, -id): the `needed` best so far
    scored: dict[int, _Candidate] = {}
    while True:
        rows = session.execute(query.limit(batch).offset(offset)).all()
        if not rows:
            break
        total = int(rows[0].total)
        for candidate in _exact_fits(session, [r.id for r in rows], target):
            scored[candidate.creator_id] = candidate
            key = (candidate.fit, -candidate.creator_id)
            if len(best) < needed:
                heapq.heappush(best, key)
            elif key > best[0]:
                heapq.heapreplace(best, key)
        offset += len(rows)
        if len(rows) < batch or offset >= total:
            break
        next_bound = float(rows[-1].bound) + _BOUND_SLACK
        if len(best) >= needed and best[0][0] > next_bound:
            break
        batch *= 2
    ranked = sorted(scored.values(), key=lambda k: (-k.fit, k.creator_id))
    window = ranked[(page - 1) * page_size : needed]
    creators = {
        c.id: c
        for c in session.scalars(
            select(Creator).where(Creator.id.in_([k.creator_id for k in window]))
        )
    }
    counts = read_many_counts(session, list(creators), now)
    items = [
        FoundCreator(
            creators[k.creator_id],
            _reliability(counts.get(k.creator_id), creators[k.creator_id]),
            _campaign_fit(campaign, k),
        )
        for k in window
    ]
    return Page(items=items, total=total, page=page, page_size=page_size)


def _campaign_fit(campaign: Campaign, k: _Candidate) -> CampaignFit:
    """The fit in the shape the profile page uses (rounded to 4 digits like there)."""
    demographics = combine(
        {part: np.array([k.parts[part]]) for part in PARTS} | {RELEVANCE_PART: np.ones(1)}
    )
    return CampaignFit(
        campaign=campaign,
        fit=round(k.fit, 4),
        relevance=round(k.parts[RELEVANCE_PART], 4),
        demographics=round(float(demographics[0]), 4),
        parts={part: round(k.parts[part], 4) for part in PARTS},
        expected_value=k.expected_value,
    )


def _exact_fits(
    session: Session, creator_ids: list[int], target: dict[str, Any]
) -> list[_Candidate]:
    """The exact fit of a batch of candidates, by the matching's model, in one matrix pass."""
    rows = session.execute(
        select(Creator.id, Creator.followers, Creator.engagement_rate, Creator.audience).where(
            Creator.id.in_(creator_ids)
        )
    ).all()
    # Profiles were validated when written; only what the matrix layout needs is re-checked.
    valid = [row for row in rows if _readable(row.audience)]
    if not valid:
        return []
    profiles = [row.audience for row in valid]
    space = AudienceSpace.from_profiles(profiles, [target])
    model = FitModel.build(space, space.shares(profiles), scaled_targets([target], space))
    n = len(valid)
    parts = model.pair_parts(np.arange(n, dtype=np.int64), np.zeros(n, dtype=np.int64))
    fits = combine(parts)
    return [
        _Candidate(
            creator_id=row.id,
            fit=float(fits[i]),
            parts={part: float(parts[part][i]) for part in PARTS},
            expected_value=round(row.followers * row.engagement_rate * float(fits[i])),
        )
        for i, row in enumerate(valid)
    ]


def _readable(audience: Any) -> bool:
    """Whether the fit model can lay ``audience`` out: known parts and keys, numeric shares."""
    if not isinstance(audience, dict) or not audience.get(RELEVANCE_PART):
        return False
    for part, shares in audience.items():
        if part not in PARTS or not isinstance(shares, dict):
            return False
        if part != RELEVANCE_PART and not set(shares) <= _FIXED_KEYS[part]:
            return False
        if not all(isinstance(v, int | float) and v >= 0 for v in shares.values()):
            return False
    return True


_FIXED_KEYS = {part: frozenset(keys) for part, keys in FIXED_KEYS.items()}
