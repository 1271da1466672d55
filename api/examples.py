"""Examples for the OpenAPI document, one per request body and success response.

Kept here so the views stay thin. They follow the API's conventions: ids are integers, money is
``{amount: integer minor units, currency}``, audience profiles carry all four parts with shares
summing to 1, dates and times are ISO 8601. ``tests/test_openapi_examples.py`` sends the request
examples to the API, so they must stay valid input.
"""

from __future__ import annotations

from typing import Any

from flask_smorest.error_handler import ErrorSchema

from api.errors import error_payload

# --- building blocks -------------------------------------------------------------------------

AUDIENCE: dict[str, dict[str, float]] = {
    "interests": {"skincare": 0.5, "makeup": 0.3, "wellness": 0.2},
    "gender": {"female": 0.82, "male": 0.18},
    "city_tiers": {"1": 0.45, "2": 0.35, "3": 0.2},
    "age": {"18-24": 0.38, "25-34": 0.44, "35-44": 0.18},
}
TARGET_AUDIENCE: dict[str, dict[str, float]] = {
    "interests": {"skincare": 0.7, "makeup": 0.3},
    "gender": {"female": 0.8, "male": 0.2},
    "city_tiers": {"1": 0.5, "2": 0.3, "3": 0.2},
    "age": {"18-24": 0.4, "25-34": 0.4, "35-44": 0.2},
}
BUDGET = {"amount": 500_000, "currency": "EUR"}
RATE = {"amount": 45_000, "currency": "EUR"}
PRICE = {"amount": 45_000, "currency": "EUR"}
NOW = "2026-11-30T09:15:00+00:00"


def page(item: dict[str, Any], total: int = 1) -> dict[str, Any]:
    """The list envelope around one example item."""
    return {"items": [item], "total": total, "page": 1, "page_size": 20, "pages": 1}


# --- accounts --------------------------------------------------------------------------------

BRAND_SIGNUP = {
    "name": "Lumi Skin",
    "email": "marketing@lumiskin.example.com",
    "password": "correct horse battery",
}
BRAND = {
    "id": 12,
    "name": "Lumi Skin",
    "email": "marketing@lumiskin.example.com",
    "created_at": NOW,
}
CREATOR_SIGNUP = {
    "handle": "mia.glow",
    "email": "mia@example.com",
    "password": "correct horse battery",
}
CREATOR_ACCOUNT = {
    "id": 41,
    "handle": "mia.glow",
    "email": "mia@example.com",
    "created_at": NOW,
}
PASSWORD_RESET_REQUEST = {"email": "mia@example.com"}
PASSWORD_RESET_ACCEPTED = {
    "message": "If an account has this email, a link to set a new password is on its way."
}
PASSWORD_RESET_CONFIRM = {
    "token": "Yb1MkV0bN1xR7yLmC2pW9sE4uJ6hA5dGfK0oTiq3Zt8",
    "password": "violet harbour compass",
}
PASSWORD_RESET_DONE = {
    "message": "Your password is changed; your API tokens are revoked. Get a new one with it."
}
TOKEN_REQUEST = {"email": "mia@example.com", "password": "correct horse battery"}
TOKEN = {
    "token": "q3Zt8kV0bN1xR7yLmC2pW9sE4uJ6hA5dGfK0oTiYb1M",
    "kind": "creator",
    "expires_at": "2026-12-30T09:15:00+00:00",
}

# --- campaigns -------------------------------------------------------------------------------

CAMPAIGN_INPUT = {
    "title": "Winter barrier serum",
    "brief": "Show our barrier serum in your evening routine, in your own words.",
    "category": "skincare",
    "competitor_group": "skincare",
    "budget": BUDGET,
    "slots": 3,
    "min_creators": 0,
    "target_audience": TARGET_AUDIENCE,
    "min_followers": 1_000,
    "max_followers": 500_000,
    "starts_on": "2026-12-07",
    "ends_on": "2027-01-31",
}
CAMPAIGN_PATCH = {
    "brief": "Show our barrier serum in your evening routine; mention the fragrance-free formula.",
    "slots": 4,
}
CAMPAIGN = {
    "id": 7,
    **CAMPAIGN_INPUT,
    "status": "draft",
    "created_at": NOW,
    "updated_at": NOW,
    "funded_at": None,
    "published_at": None,
    "closed_at": None,
    "landing_url": "https://shop.example.com/spring",
}
FUNDED_CAMPAIGN = {**CAMPAIGN, "status": "funded", "funded_at": "2026-11-30T09:20:00+00:00"}
PUBLISHED_CAMPAIGN = {
    **FUNDED_CAMPAIGN,
    "status": "published",
    "published_at": "2026-11-30T09:25:00+00:00",
}
CANCELLED_CAMPAIGN = {
    **PUBLISHED_CAMPAIGN,
    "status": "cancelled",
    "closed_at": "2026-12-02T16:00:00+00:00",
}
COMPLETED_CAMPAIGN = {
    **PUBLISHED_CAMPAIGN,
    "status": "completed",
    "closed_at": "2027-02-01T08:00:00+00:00",
}
FUND_RESULT = {
    "campaign": FUNDED_CAMPAIGN,
    "payment": {
        "provider": "ledger",
        "status": "succeeded",
        "amount": 550_000,
        "budget": 500_000,
        "fee": 50_000,
        "currency": "EUR",
        "payment_intent_id": None,
        "client_secret": None,
    },
}
OFFER_CREATOR = {
    "id": 41,
    "handle": "mia.glow",
    "display_name": "Mia | skincare for real skin",
    "followers": 84_000,
    "engagement_rate": 0.045,
    "verified": True,
    "audience": AUDIENCE,
}
EXPLANATION = {
    "creator": 41,
    "campaign": 7,
    "fit": 0.91,
    "fit_components": {"interests": 0.94, "gender": 0.98, "city_tiers": 0.95, "age": 0.93},
    "rate": 45_000,
    "binding": "none",
    "text": (
        "41 should reach about 3,440 engaged people of your target audience for 450.00 EUR "
        "(7.6 per unit of money); audience fit 0.91 (interests 0.94, gender 0.98, "
        "city tiers 0.95, age 0.93)."
    ),
}
CAMPAIGN_OFFER = {
    "id": 301,
    "status": "proposed",
    "source": "match",
    "match_run_id": 12,
    "creator": OFFER_CREATOR,
    "fit_score": 0.91,
    "price": PRICE,
    "explanation": EXPLANATION,
    "expires_at": "2026-12-07T09:00:00+00:00",
    "created_at": "2026-11-30T09:00:00+00:00",
    "responded_at": None,
    "decline_reason": None,
    "withdraw_reason": None,
}
WITHDRAW_OFFER = {"reason": "Her audience skews to makeup; we want skincare routines."}
WITHDRAWN_OFFER = {
    **CAMPAIGN_OFFER,
    "status": "withdrawn",
    "responded_at": "2026-11-30T10:02:00+00:00",
    "withdraw_reason": WITHDRAW_OFFER["reason"],
}
BLOCK_INPUT = {"creator_id": 41, "reason": "Posted for a competitor last month."}
BLOCK = {
    "creator_id": 41,
    "handle": "mia.glow",
    "display_name": "Mia | skincare for real skin",
    "reason": BLOCK_INPUT["reason"],
    "created_at": "2026-11-30T10:05:00+00:00",
}
CAMPAIGN_SPONSORSHIP = {
    "id": 88,
    "status": "delivered",
    "creator": OFFER_CREATOR,
    "price": PRICE,
    "due_on": "2026-12-21",
    "post_url": "https://www.xiaohongshu.com/explore/abc123",
    "disclosure": True,
    "delivered_at": "2026-12-10T18:30:00+00:00",
    "reviewed_at": None,
    "rejection_reason": None,
    "tracking_url": "https://dandelion.example/r/k7mq2xw9ta",
    "promo_code": "MIA10",
}
CAMPAIGN_REPORT = {
    "campaign_id": 7,
    "status": "published",
    "currency": "EUR",
    "budget": 500_000,
    "funded": 500_000,
    "committed": 90_000,
    "paid": 45_000,
    "refunded": 0,
    "remaining": 365_000,
    "fees": 50_000,
    "fee_charged": 50_000,
    "fee_refunded": 0,
    "sponsorships": {"active": 1, "delivered": 1, "approved": 1, "rejected": 0, "cancelled": 0},
    "offers": {"proposed": 1, "accepted": 3, "declined": 1, "expired": 0},
    "forecast_engaged_reach": 3_780,
    "engaged_reach": 3_780,
    "series": [
        {
            "at": "2026-11-30T09:20:00+00:00",
            "funded": 500_000,
            "committed": 0,
            "paid": 0,
            "refunded": 0,
        },
        {
            "at": "2026-12-12T10:00:00+00:00",
            "funded": 500_000,
            "committed": 90_000,
            "paid": 45_000,
            "refunded": 0,
        },
    ],
}

# --- creators --------------------------------------------------------------------------------

PROFILE_PATCH = {
    "display_name": "Mia | skincare for real skin",
    "followers": 84_000,
    "engagement_rate": 0.045,
    "categories": ["beauty", "skincare"],
    "audience": AUDIENCE,
    "rate": RATE,
    "weekly_capacity": 2,
    "recent_posts_30d": 24,
}
PROFILE = {
    "id": 41,
    "handle": "mia.glow",
    "email": "mia@example.com",
    **PROFILE_PATCH,
    "verified": True,
    "sponsored_share": 0.125,
    "reliability": {
        "offers_received": 14,
        "reply_rate_48h": 0.93,
        "acceptance_rate": 0.57,
        "on_time_delivery_rate": 1.0,
    },
    "offer_eligibility": {
        "eligible": True,
        "reasons": [],
        "sponsored_share": {
            "share": 0.125,
            "sponsored_posts": 3,
            "posts": 24,
            "window_days": 30,
            "cap": 0.5,
            "over_cap": False,
            "under_cap_on": None,
            "posts_needed": None,
        },
    },
    "created_at": "2026-09-14T11:02:00+00:00",
}
AVAILABILITY_INPUT = {"open": True, "until": None, "categories": ["beauty", "skincare"]}
AVAILABILITY = {**AVAILABILITY_INPUT, "lapsed": False}
PUBLIC_PROFILE = {
    "id": 41,
    "handle": "mia.glow",
    "display_name": "Mia | skincare for real skin",
    "followers": 84_000,
    "engagement_rate": 0.045,
    "audience": AUDIENCE,
    "rate": RATE,
    "categories": ["beauty", "skincare"],
    "open": True,
    "verified": True,
    "reliability": {
        "reply_rate_48h": 0.93,
        "on_time_delivery_rate": 1.0,
        "completed_sponsorships": 6,
        "delivery_ratio": 0.92,
        "measured_sponsorships": 4,
    },
    "fit": {
        "campaign_id": 7,
        "fit": 0.7526,
        "relevance": 0.7586,
        "demographics": 0.992,
        "parts": {"interests": 0.7586, "gender": 1.0, "city_tiers": 0.9737, "age": 1.0},
        "expected_value": 2845,
    },
}
FOUND_CREATOR = {
    "id": 41,
    "handle": "mia.glow",
    "display_name": "Mia | skincare for real skin",
    "followers": 84_000,
    "engagement_rate": 0.045,
    "verified": True,
    "audience": AUDIENCE,
    "rate": RATE,
    "categories": ["beauty", "skincare"],
    "reliability": PUBLIC_PROFILE["reliability"],
    "campaign_id": 7,
    "fit": 0.7526,
    "expected_value": 2845,
    "price_per_engaged": {"amount": 16, "currency": "EUR"},
    "fit_details": {
        "relevance": 0.7586,
        "demographics": 0.992,
        "parts": {"interests": 0.7586, "gender": 1.0, "city_tiers": 0.9737, "age": 1.0},
    },
}
CAMPAIGN_SUMMARY = {
    "id": 7,
    "title": "Winter barrier serum",
    "brief": "Show our barrier serum in your evening routine, in your own words.",
    "category": "skincare",
    "brand_name": "Lumi Skin",
    "ends_on": "2027-01-31",
}
OFFER = {
    "id": 301,
    "status": "proposed",
    "source": "match",
    "campaign": CAMPAIGN_SUMMARY,
    "price": PRICE,
    "fit_score": 0.91,
    "explanation_for_creator": (
        "Lumi Skin would like to work with you on their campaign “Winter barrier serum” "
        "(skincare). What they ask: Show our barrier serum in your evening routine, in your own "
        "words. They offer 450.00 EUR for one post labelled as sponsored, to publish by "
        "31 Jan 2027. The offer is open for 7 days: answer by Mon 07 Dec 2026, 09:00 UTC. "
        "Why you: your audience's interest in skincare and makeup matches what Lumi Skin is "
        "looking for, and its age groups, gender mix and cities are close to theirs; about "
        "3,400 of your engaged followers are in their target."
    ),
    "payout_notice": None,
    "expires_at": "2026-12-07T09:00:00+00:00",
    "created_at": "2026-11-30T09:00:00+00:00",
    "responded_at": None,
    "decline_reason": None,
}
DECLINE = {"reason": "I am travelling that month and cannot film my evening routine."}
DECLINED_OFFER = {
    **OFFER,
    "status": "declined",
    "responded_at": "2026-11-30T20:04:00+00:00",
    "decline_reason": DECLINE["reason"],
}
SPONSORSHIP = {
    "id": 88,
    "offer_id": 301,
    "status": "active",
    "campaign": CAMPAIGN_SUMMARY,
    "creator_id": 41,
    "price": PRICE,
    "due_on": "2026-12-21",
    "post_url": None,
    "disclosure": False,
    "delivered_at": None,
    "reviewed_at": None,
    "tracking_url": "https://dandelion.example/r/k7mq2xw9ta",
    "promo_code": None,
    "rejection_reason": None,
    "created_at": "2026-11-30T20:01:00+00:00",
    "rejections": 0,
    "rejections_left": 2,
    "auto_approve_on": None,
    "auto_approved": False,
    "disputed_at": None,
    "dispute_resolution": None,
}
DELIVERABLE = {"url": "https://www.xiaohongshu.com/explore/abc123", "disclosure": True}
DELIVERED_SPONSORSHIP = {
    **SPONSORSHIP,
    "status": "delivered",
    "post_url": DELIVERABLE["url"],
    "disclosure": True,
    "delivered_at": "2026-12-10T18:30:00+00:00",
    "auto_approve_on": "2026-12-24",
}
APPROVED_SPONSORSHIP = {
    **DELIVERED_SPONSORSHIP,
    "status": "approved",
    "reviewed_at": "2026-12-11T08:45:00+00:00",
    "auto_approve_on": None,
}
REVIEW_REJECT = {"reason": "The post does not show the serum; please add it to the routine."}
REJECTED_SPONSORSHIP = {
    **DELIVERED_SPONSORSHIP,
    "status": "rejected",
    "reviewed_at": "2026-12-11T08:45:00+00:00",
    "rejection_reason": REVIEW_REJECT["reason"],
    "rejections": 1,
    "rejections_left": 1,
    "auto_approve_on": None,
}
DISPUTED_SPONSORSHIP = {
    **REJECTED_SPONSORSHIP,
    "status": "disputed",
    "rejections": 3,
    "rejections_left": 0,
    "disputed_at": "2026-12-11T08:45:00+00:00",
}
DISPUTE = {
    "sponsorship": DISPUTED_SPONSORSHIP,
    "brand": {"id": 3, "name": "Lumi Skin"},
    "creator": {"id": 41, "handle": "mia.cooks"},
    "rejection_history": [
        {"at": "2026-12-05T10:00:00+00:00", "reason": "The serum is not in the shot."},
        {"at": "2026-12-08T09:10:00+00:00", "reason": "Please show the label."},
        {"at": "2026-12-11T08:45:00+00:00", "reason": REVIEW_REJECT["reason"]},
    ],
}
DISPUTE_DECISION = {"note": "The post shows the serum and is labelled: approved."}
DISPUTE_APPROVED = {
    **DISPUTED_SPONSORSHIP,
    "status": "approved",
    "reviewed_at": "2026-12-12T09:00:00+00:00",
    "dispute_resolution": DISPUTE_DECISION["note"],
}
DISPUTE_CANCELLED = {
    **DISPUTED_SPONSORSHIP,
    "status": "cancelled",
    "reviewed_at": "2026-12-12T09:00:00+00:00",
    "dispute_resolution": "The post is not the one the brief asks for: refunded.",
}
REVERSAL_REQUEST = {"reason": "The post was deleted a day after approval."}
REVERSED_SPONSORSHIP = {
    **APPROVED_SPONSORSHIP,
    "status": "cancelled",
    "reviewed_at": "2026-12-14T16:00:00+00:00",
    "dispute_resolution": REVERSAL_REQUEST["reason"],
}
PAYOUT = {
    "id": 19,
    "sponsorship_id": 88,
    "amount": PRICE,
    "status": "paid",
    "provider": "ledger",
    "created_at": "2026-12-11T08:45:00+00:00",
    "paid_at": "2026-12-11T08:45:00+00:00",
}
PAYOUT_ACCOUNT = {
    "provider": "stripe",
    "account_id": "acct_1QxYz2AbCdEfGh34",
    "payouts_enabled": False,
    "onboarding_url": "https://connect.stripe.com/setup/e/acct_1QxYz2AbCdEfGh34/Xk3pV9",
}

# --- operators and webhooks ------------------------------------------------------------------

MATCH_RUN_REQUEST = {"week": "2026-W49"}
MATCH_RUN = {
    "id": 5,
    "week": "2026-W49",
    "kind": "weekly",
    "scope": {},
    "status": "succeeded",
    "stage": "done",
    "progress": 100,
    "objective": 1_284.6,
    "bound": 1_290.1,
    "gap": 0.0043,
    "seconds": 41.7,
    "solver_status": "optimal",
    "candidates": 182_340,
    "offers": 1_204,
    "shards": 4,
    "attempts": 1,
    "error": None,
    "created_at": "2026-11-30T02:00:00+00:00",
    "started_at": "2026-11-30T02:00:03+00:00",
    "finished_at": "2026-11-30T02:00:45+00:00",
    "health": {
        "eligible_creators": 4_230,
        "offered_creators": 1_102,
        "offered_share": 0.2605,
        "koc_offer_share": 0.6771,
        "koc_floor": 0.01,
        "koc_floor_cost": 0.0099,
        "top_decile_budget_share": 0.5912,
        "max_offers_per_creator": 3,
        "bound": {
            "value": 1_290.1,
            "source": "whole-market pricing at the shards' LP prices",
            "gap": 0.0043,
            "candidate_bound": 1_288.7,
            "candidate_gap": 0.0032,
            "pricing_seconds": 12.4,
        },
    },
}
QUEUED_MATCH_RUN = {
    **MATCH_RUN,
    "status": "queued",
    "stage": "queued",
    "progress": 0,
    "objective": None,
    "bound": None,
    "gap": None,
    "seconds": None,
    "solver_status": None,
    "candidates": None,
    "offers": None,
    "started_at": None,
    "finished_at": None,
    "health": None,
}
STRIPE_EVENT = {
    "id": "evt_1QyZ3cAbCdEfGh34IjKlMnOp",
    "object": "event",
    "type": "payment_intent.succeeded",
    "created": 1_796_030_400,
    "livemode": False,
    "data": {
        "object": {
            "id": "pi_3QyZ3bAbCdEfGh341xYz2AbC",
            "object": "payment_intent",
            "amount": 550_000,
            "currency": "eur",
            "status": "succeeded",
        }
    },
}
WEBHOOK_RESULT = {"received": True, "result": "processed"}

# --- invitations and counter-offers -------------------------------------------------------------

INVITATION_INPUT = {
    "creator_id": 41,
    "price": {"amount": 48_000, "currency": "EUR"},
    "message": "We loved your evening-routine series; would you film our serum in one?",
}
TURN_OFFER = {
    "actor": "brand",
    "kind": "offer",
    "price": {"amount": 48_000, "currency": "EUR"},
    "message": INVITATION_INPUT["message"],
    "at": "2026-11-30T09:00:00+00:00",
    "expires_at": "2026-12-07T09:00:00+00:00",
}
INVITATION = {
    **CAMPAIGN_OFFER,
    "id": 302,
    "source": "invite",
    "match_run_id": None,
    "price": {"amount": 48_000, "currency": "EUR"},
    "explanation": {
        **EXPLANATION,
        "invited": True,
        "text": (
            "You invited @mia.glow: they should reach about 3,440 engaged people of your target "
            "audience for 480.00 EUR (7.2 per unit of money); audience fit 0.91 (interests "
            "0.94, gender 0.98, city tiers 0.95, age 0.93)."
        ),
    },
    "message": INVITATION_INPUT["message"],
    "counter_price": None,
    "turns": [TURN_OFFER],
}
COUNTER_INPUT = {
    "price": {"amount": 55_000, "currency": "EUR"},
    "message": "A routine video takes me two days to film and edit; 550 covers it.",
}
TURN_COUNTER = {
    "actor": "creator",
    "kind": "counter",
    "price": COUNTER_INPUT["price"],
    "message": COUNTER_INPUT["message"],
    "at": "2026-11-30T20:04:00+00:00",
    "expires_at": "2026-12-07T20:04:00+00:00",
}
COUNTERED_OFFER = {
    **OFFER,
    "id": 302,
    "source": "invite",
    "status": "countered",
    "price": {"amount": 48_000, "currency": "EUR"},
    "responded_at": "2026-11-30T20:04:00+00:00",
    "expires_at": "2026-12-07T20:04:00+00:00",
    "message": INVITATION_INPUT["message"],
    "counter_price": COUNTER_INPUT["price"],
    "turns": [TURN_OFFER, TURN_COUNTER],
}
COUNTER_ANSWER = {"message": "Our budget for this post is 480; thank you for asking."}
COUNTER_SPONSORSHIP = {
    **CAMPAIGN_SPONSORSHIP,
    "status": "active",
    "price": COUNTER_INPUT["price"],
    "post_url": None,
    "disclosure": False,
    "delivered_at": None,
}
COUNTER_DECLINED_OFFER = {
    **INVITATION,
    "responded_at": "2026-11-30T20:04:00+00:00",
    "expires_at": "2026-12-08T08:30:00+00:00",
    "turns": [
        TURN_OFFER,
        TURN_COUNTER,
        {
            "actor": "brand",
            "kind": "decline",
            "price": COUNTER_INPUT["price"],
            "message": COUNTER_ANSWER["message"],
            "at": "2026-12-01T08:30:00+00:00",
            "expires_at": None,
        },
        {
            **TURN_OFFER,
            "message": None,
            "at": "2026-12-01T08:30:00+00:00",
            "expires_at": "2026-12-08T08:30:00+00:00",
        },
    ],
}


# --- errors ----------------------------------------------------------------------------------

VALIDATION_ERROR = error_payload(
    422,
    "The request has invalid fields.",
    {"slots": ["Must be greater than or equal to 1 and less than or equal to 500."]},
)
DEFAULT_ERROR = error_payload(404, "Campaign not found.")


def error_doc(code: int, description: str, message: str | None = None) -> dict[str, Any]:
    """``alt_response`` keywords for an error: its description, the error schema, an example.

    Use as ``@blp.alt_response(409, **error_doc(409, "Only drafts can be deleted."))``.
    """
    return {
        "description": description,
        "schema": ErrorSchema,
        "example": error_payload(code, message or description),
    }


# --- trends ----------------------------------------------------------------------------------

TREND_REPORT = {
    "category": "skincare",
    "weeks": ["2026-11-16", "2026-11-23", "2026-11-30"],
    "current_week": "2026-11-30",
    "min_contributors": 10,
    "change_threshold": 0.02,
    "audience": {
        "side": "audience",
        "weighting": "followers",
        "population": [212, 220, 231],
        "tags": [
            {
                "tag": "skincare",
                "shares": [0.41, 0.43, 0.46],
                "change": 0.05,
                "direction": "rising",
            },
            {"tag": "makeup", "shares": [0.22, 0.21, 0.21], "change": -0.01, "direction": "steady"},
            {"tag": "pets", "shares": [None, 0.03, 0.04], "change": 0.01, "direction": "steady"},
        ],
    },
    "demand": {
        "side": "demand",
        "weighting": "campaigns",
        "population": [None, 11, 12],
        "tags": [
            {
                "tag": "skincare",
                "shares": [None, 0.66, 0.61],
                "change": -0.05,
                "direction": "falling",
            },
        ],
    },
    "rising": [{"side": "audience", "tag": "skincare", "change": 0.05}],
    "falling": [{"side": "demand", "tag": "skincare", "change": -0.05}],
}
