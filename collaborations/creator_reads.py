"""The creator's two hot reads, in as few statements as the answer allows.

Both start with the caller (:func:`read_caller`: the token, its creator, the read version and
the next expiry), which is all a read costs while ``collaborations.read_cache`` keeps its body.
Otherwise ``GET /api/v1/creators/me`` is one more statement: the token, its account, the
creator row, the
reliability counters (``reliability_counters.counts_columns``) and the offer-eligibility figures
(``eligibility.figures_columns``), all correlated to the creator and bounded by the sweep
interval, the week and the share window, never by the length of the history.
``GET /api/v1/creators/me/offers`` is one more: one page of offers (with the count of a
filtered inbox; the unfiltered total is the caller's count of offers ever received), each
offer's campaign and brand name and its turns. Rows are read with Core statements built once
(no ORM identity map, no lazy loads; the two one-row reads straight from psycopg, see
``core.db.HotRead``), on a connection that runs them outside an explicit transaction on
PostgreSQL (see ``core.db.reads_engine``).

The answers are the same as the ORM services' (``collaborations.services.list_offers``,
``reliability``, ``eligibility.offer_eligibility``): ``tests/test_creator_reads_json.py`` pins
them and compares both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, func, literal, select, type_coerce
from sqlalchemy.orm import Session, joinedload

from accounts.models import Account, ApiToken, Brand, Creator, Role
from accounts.services import INVALID_TOKEN, is_live, token_digest
from campaigns.models import Campaign
from collaborations import eligibility
from collaborations import reliability_counters as counters
from collaborations.creator_text import creator_text_for_offer
from collaborations.guardrails import OfferRules
from collaborations.models import (
    OPEN_OFFER_STATES,
    CreatorReadVersion,
    Offer,
    OfferStatus,
    OfferTurn,
)
from collaborations.services import Reliability, reliability_from, with_status
from collaborations.turns import TurnView, history_from
from core.db import HotRead, UTCDateTime, in_values
from core.errors import Unauthorized
from core.pagination import MAX_PAGE_SIZE, Page

TOKENS, ACCOUNTS, CREATORS = ApiToken.__table__, Account.__table__, Creator.__table__
OFFERS, CAMPAIGNS, BRANDS = Offer.__table__, Campaign.__table__, Brand.__table__
TURNS, READ_VERSIONS = OfferTurn.__table__, CreatorReadVersion.__table__
_CALLER_FROM = TOKENS.join(ACCOUNTS, ACCOUNTS.c.id == TOKENS.c.account_id).outerjoin(
    CREATORS, CREATORS.c.account_id == ACCOUNTS.c.id
)
_TOKEN = bindparam("token_hash")
_TOKEN_COLUMNS = (TOKENS.c.expires_at, TOKENS.c.revoked_at, ACCOUNTS.c.role)

# --- the caller --------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """Who a live token belongs to: the account's role and, for a creator, the creator id, how
    many offers they ever received (``creators.offers_received``, kept by
    ``reliability_counters``: the total of their unfiltered inbox), the version of what their
    own reads show (``creator_read_versions``, kept by triggers) and the next moment an open
    offer of theirs expires (when the inbox reads differently although nothing was written):
    what ``collaborations.read_cache`` keys their kept bodies on."""

    role: Role
    creator_id: int | None
    offers_received: int | None
    read_version: int = 0
    next_expiry: datetime | None = None


_NOW = bindparam("now", type_=UTCDateTime())
_NEXT_EXPIRY = (
    select(func.min(OFFERS.c.expires_at))
    .where(
        OFFERS.c.creator_id == CREATORS.c.id,
        in_values(OFFERS.c.status, OPEN_OFFER_STATES),
        OFFERS.c.expires_at > _NOW,
    )
    .scalar_subquery()
)
_CALLER = HotRead(
    select(
        *_TOKEN_COLUMNS,
        CREATORS.c.id,
        CREATORS.c.offers_received,
        func.coalesce(READ_VERSIONS.c.version, 0).label("read_version"),
        type_coerce(_NEXT_EXPIRY, UTCDateTime()).label("next_expiry"),
    )
    .select_from(_CALLER_FROM.outerjoin(READ_VERSIONS, READ_VERSIONS.c.creator_id == CREATORS.c.id))
    .where(TOKENS.c.token_hash == _TOKEN)
)
# Rows of the hot reads are read by position (``HotRead`` gives the driver's tuples): the
# token's expiry and revocation, the role, then each read's own columns.
_EXPIRES, _REVOKED, _ROLE = 0, 1, 2


def _live(row: Sequence[Any] | None, now: datetime) -> Sequence[Any]:
    if row is None or not is_live(row[_EXPIRES], row[_REVOKED], now):
        raise Unauthorized(INVALID_TOKEN)
    return row


def read_caller(conn: Connection, token: str, now: datetime) -> Caller:
    """The caller of a live bearer ``token`` in one query; 401 (``Unauthorized``) otherwise."""
    params = {"token_hash": token_digest(token), "now": now}
    row = _live(_CALLER.one_or_none(conn, params), now)
    creator_id, offers_received, read_version, next_expiry = row[3:]
    return Caller(
        role=Role(row[_ROLE]),
        creator_id=creator_id,
        offers_received=offers_received,
        read_version=int(read_version),
        next_expiry=next_expiry,
    )


# --- GET /creators/me --------------------------------------------------------------------

# The creator columns the profile and the eligibility rules read.
PROFILE_COLUMNS = (
    "id",
    "handle",
    "display_name",
    "followers",
    "engagement_rate",
    "categories",
    "audience",
    "rate_amount",
    "rate_currency",
    "weekly_capacity",
    "is_open",
    "open_until",
    "open_categories",
    "verified",
    "sponsored_share",
    "recent_posts_30d",
    "created_at",
)
_COUNTS = counters.counts_columns(CREATORS)
_FIGURES = eligibility.figures_columns(CREATORS.c.id)
_ME = HotRead(
    select(
        *_TOKEN_COLUMNS,
        ACCOUNTS.c.email,
        *(CREATORS.c[name] for name in PROFILE_COLUMNS),
        *_COUNTS,
        *_FIGURES,
    )
    .select_from(_CALLER_FROM)
    .where(TOKENS.c.token_hash == _TOKEN)
)
_FIRST_COUNT = 4 + len(PROFILE_COLUMNS)
_FIRST_FIGURE = _FIRST_COUNT + len(_COUNTS)


@dataclass(frozen=True)
class Profile:
    """The caller's profile as ``CreatorProfileSchema`` dumps it (``creator`` is None, and
    the rest empty, when the token is not a creator's)."""

    role: Role
    email: str
    creator: Creator | None
    reliability: Reliability | None = None
    offer_eligibility: eligibility.OfferEligibility | None = None


def read_profile(
    conn: Connection, token: str, *, now: datetime, rules: OfferRules, window_days: int
) -> Profile:
    """The profile of a live ``token``'s creator, its reliability and its eligibility for new
    offers, in one statement (two for a creator over the sponsored-share cap: the outlook
    reads their posts in the window). 401 (``Unauthorized``) for a token that is not live."""
    params = {
        "token_hash": token_digest(token),
        **counters.counts_params(now),
        **eligibility.figures_params(now, window_days),
    }
    row = _live(_ME.one_or_none(conn, params), now)
    role, email = Role(row[_ROLE]), row[3]
    if row[4] is None:  # the creator's id: the token is not a creator's
        return Profile(role=role, email=email, creator=None)
    # A detached Creator holding the columns read, for the rules written against the model.
    creator = Creator(**{name: row[4 + i] for i, name in enumerate(PROFILE_COLUMNS)})
    figures = eligibility.figures_from(row[_FIRST_FIGURE:])
    return Profile(
        role=role,
        email=email,
        creator=creator,
        reliability=reliability_from(counters.counts_from(row[_FIRST_COUNT:_FIRST_FIGURE])),
        offer_eligibility=eligibility.offer_eligibility(
            conn,  # type: ignore[arg-type]  # reads only, through the same API
            creator,
            now=now,
            rules=rules,
            window_days=window_days,
            figures=figures,
        ),
    )


# --- GET /creators/me/offers -------------------------------------------------------------

_OFFER_COLUMNS = (
    OFFERS.c.id,
    OFFERS.c.status,
    OFFERS.c.source,
    OFFERS.c.price_amount,
    OFFERS.c.currency,
    OFFERS.c.fit_score,
    OFFERS.c.explanation_for_creator,
    OFFERS.c.expires_at,
    OFFERS.c.created_at,
    OFFERS.c.responded_at,
    OFFERS.c.decline_reason,
    OFFERS.c.message,
    OFFERS.c.counter_price_amount,
    OFFERS.c.explanation["payout_notice"].label("payout_notice"),
    CAMPAIGNS.c.id.label("campaign_id"),
    CAMPAIGNS.c.title.label("campaign_title"),
    CAMPAIGNS.c.brief.label("campaign_brief"),
    CAMPAIGNS.c.category.label("campaign_category"),
    CAMPAIGNS.c.ends_on.label("campaign_ends_on"),
    BRANDS.c.name.label("brand_name"),
)
_TURN_COLUMNS = (
    TURNS.c.id.label("turn_id"),
    TURNS.c.actor.label("turn_actor"),
    TURNS.c.kind.label("turn_kind"),
    TURNS.c.price_amount.label("turn_price_amount"),
    TURNS.c.currency.label("turn_currency"),
    TURNS.c.message.label("turn_message"),
    TURNS.c.expires_at.label("turn_expires_at"),
    TURNS.c.created_at.label("turn_created_at"),
)
_PAGE_STATEMENTS: dict[OfferStatus | None, Any] = {}


def _page_statement(status: OfferStatus | None) -> Any:
    """One page of a creator's offers, newest first, filtered like ``services.list_offers``;
    with a ``status``, the filter's count on every row. Built once per status.

    The page's ids come from ``ix_offers_creator_id_id`` read backwards (20 index entries
    for the first page, whatever the creator's history); the offers, their campaigns, brand
    names and turns are joined to those ids."""
    if status not in _PAGE_STATEMENTS:
        mine = with_status(
            select(OFFERS.c.id).where(OFFERS.c.creator_id == bindparam("creator_id")),
            status,
            _NOW,
        )
        page = (
            mine.order_by(OFFERS.c.id.desc())
            .limit(bindparam("limit"))
            .offset(bindparam("offset"))
            .subquery("page")
        )
        total: Any = literal(None)
        if status is not None:  # without one, the total is the caller's offers_received
            total = mine.with_only_columns(func.count()).scalar_subquery()
        _PAGE_STATEMENTS[status] = (
            select(total.label("total"), *_OFFER_COLUMNS, *_TURN_COLUMNS)
            .select_from(
                page.join(OFFERS, OFFERS.c.id == page.c.id)
                .join(CAMPAIGNS, CAMPAIGNS.c.id == OFFERS.c.campaign_id)
                .join(BRANDS, BRANDS.c.id == CAMPAIGNS.c.brand_id)
                .outerjoin(TURNS, TURNS.c.offer_id == OFFERS.c.id)
            )
            .order_by(OFFERS.c.id.desc(), TURNS.c.id)
        )
    return _PAGE_STATEMENTS[status]


_COUNT_STATEMENTS: dict[OfferStatus, Any] = {}


def _count_statement(status: OfferStatus) -> Any:
    """The count of a filtered inbox, for a page past its end (no row to carry it)."""
    if status not in _COUNT_STATEMENTS:
        mine = OFFERS.c.creator_id == bindparam("creator_id")
        _COUNT_STATEMENTS[status] = with_status(select(func.count()).where(mine), status, _NOW)
    return _COUNT_STATEMENTS[status]


@dataclass(frozen=True)
class _Turn:
    """An ``OfferTurn``'s columns, as ``turns.history_from`` reads them."""

    actor: str
    kind: Any
    price_amount: int | None
    currency: str | None
    message: str | None
    expires_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class OfferItem:
    """One offer of the inbox: its row (offer, campaign and brand name columns), its
    negotiation history and the text written to the creator (``text_written_now`` for an
    offer stored before creator texts were: written from the creator's profile as it is)."""

    row: Row[Any]
    turns: list[TurnView]
    explanation_for_creator: str
    text_written_now: bool = False


def read_offers(
    conn: Connection,
    caller: Caller,
    *,
    status: OfferStatus | None = None,
    page: int = 1,
    page_size: int = 20,
    now: datetime,
) -> Page[OfferItem]:
    """``services.list_offers`` for the ``caller`` (a creator) in one statement (two for a
    filtered page past the last one, to count)."""
    assert caller.creator_id is not None and caller.offers_received is not None
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    page = max(1, page)
    params = {
        "creator_id": caller.creator_id,
        "now": now,
        "limit": page_size,
        "offset": (page - 1) * page_size,
    }
    rows = conn.execute(_page_statement(status), params).all()
    if status is None:
        total = caller.offers_received
    elif rows:
        total = int(rows[0].total)
    else:
        total = int(conn.execute(_count_statement(status), params).scalar_one())
    grouped: dict[int, tuple[Row[Any], list[_Turn]]] = {}
    for row in rows:
        _, turns = grouped.setdefault(row.id, (row, []))
        if row.turn_id is not None:
            turns.append(_Turn(*row[-7:]))
    legacy = [offer_id for offer_id, (row, _) in grouped.items() if not row.explanation_for_creator]
    texts = _legacy_texts(conn, legacy) if legacy else {}
    items = [
        OfferItem(
            row=row,
            turns=history_from(
                turns,
                source=row.source,
                price_amount=row.price_amount,
                currency=row.currency,
                message=row.message,
                created_at=row.created_at,
                expires_at=row.expires_at,
            ),
            explanation_for_creator=row.explanation_for_creator or texts[row.id],
            text_written_now=not row.explanation_for_creator,
        )
        for row, turns in grouped.values()
    ]
    return Page(items=items, total=total, page=page, page_size=page_size)


def _legacy_texts(conn: Connection, offer_ids: list[int]) -> dict[int, str]:
    """The creator text of offers stored before it was (written now, as the ORM read does)."""
    with Session(bind=conn) as session:
        offers = session.scalars(
            select(Offer)
            .where(Offer.id.in_(offer_ids))
            .options(
                joinedload(Offer.campaign).joinedload(Campaign.brand), joinedload(Offer.creator)
            )
        )
        return {offer.id: creator_text_for_offer(offer) for offer in offers}
