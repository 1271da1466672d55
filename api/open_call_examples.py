"""OpenAPI examples for open calls (kept beside ``api/examples.py``, in the same conventions)."""

from __future__ import annotations

from typing import Any

from api.examples import CAMPAIGN_OFFER, CAMPAIGN_SUMMARY, OFFER_CREATOR, PRICE

OPEN_CALL_INPUT = {"closes_at": "2026-12-14T18:00:00+00:00"}
OPEN_CALL = {
    "id": 5,
    "campaign_id": 7,
    "status": "open",
    "opened_at": "2026-11-30T09:00:00+00:00",
    "closes_at": OPEN_CALL_INPUT["closes_at"],
    "closed_at": None,
    "applications": {"submitted": 4, "selected": 1, "not_selected": 0, "withdrawn": 0},
}
CLOSED_OPEN_CALL = {
    **OPEN_CALL,
    "status": "closed",
    "closed_at": "2026-12-02T10:00:00+00:00",
    "applications": {"submitted": 0, "selected": 1, "not_selected": 4, "withdrawn": 0},
}
APPLICATION_INPUT = {
    "price": PRICE,
    "pitch": "I film my evening routine every Sunday; your serum would be the hero of it.",
}
APPLICATION = {
    "id": 61,
    "campaign_id": 7,
    "campaign": CAMPAIGN_SUMMARY,
    "status": "submitted",
    "price": PRICE,
    "pitch": APPLICATION_INPUT["pitch"],
    "offer_id": None,
    "created_at": "2026-11-30T12:00:00+00:00",
    "decided_at": None,
}
WITHDRAWN_APPLICATION = {
    **APPLICATION,
    "status": "withdrawn",
    "decided_at": "2026-12-01T08:00:00+00:00",
}
OPEN_CALL_FOR_CREATOR = {
    "campaign_id": 7,
    "campaign": CAMPAIGN_SUMMARY,
    "closes_at": OPEN_CALL_INPUT["closes_at"],
    "budget_per_creator": {"amount": 100_000, "currency": "EUR"},
    "fit": 0.91,
    "expected_value": 3440,
    "applied": False,
    "application": None,
}
RELIABILITY = {
    "reply_rate_48h": 0.9,
    "on_time_delivery_rate": 1.0,
    "completed_sponsorships": 3,
    "delivery_ratio": 0.95,
    "measured_sponsorships": 2,
}
APPLICANT = {
    "id": 61,
    "status": "submitted",
    "creator": OFFER_CREATOR,
    "fit": 0.91,
    "fit_components": {"interests": 0.94, "gender": 0.98, "city_tiers": 0.95, "age": 0.93},
    "expected_value": 3440,
    "price": PRICE,
    "price_per_engaged_person": {"amount": 13, "currency": "EUR"},
    "reliability": RELIABILITY,
    "pitch": APPLICATION_INPUT["pitch"],
    "offer_id": None,
    "created_at": "2026-11-30T12:00:00+00:00",
    "decided_at": None,
}
SELECTED_OFFER = {
    **CAMPAIGN_OFFER,
    "id": 330,
    "status": "accepted",
    "source": "open_call",
    "match_run_id": None,
    "responded_at": "2026-12-01T09:00:00+00:00",
    "explanation": {
        "source": "open_call",
        "application_id": 61,
        "fit": 0.91,
        "engaged_target": 3440,
        "text": "Selected from the open call at the price the creator named (450.00 EUR): about "
        "3,440 engaged people of your target audience, 0.13 EUR per person; audience fit 0.91.",
    },
}
AUTO_SELECTION: dict[str, Any] = {
    "dry_run": True,
    "text": (
        "The optimiser would select 2 of 3 applicants (@mia.glow, @lea.skin): about 6,100 "
        "engaged people of your target audience for 900.00 EUR of the 1,000.00 EUR left, 2 of "
        "2 open slots. Picking the biggest reach first would have reached only about 4,200: "
        "the budget goes further with this set."
    ),
    "chosen": [APPLICANT],
    "left_out": [
        {
            "application_id": 62,
            "creator": {**OFFER_CREATOR, "id": 42, "handle": "big.glow"},
            "price": {"amount": 90_000, "currency": "EUR"},
            "expected_value": 4200,
            "reason": "lower_value_per_price",
            "rule": None,
            "text": "Its price (900.00 EUR) does not fit in the 100.00 EUR left beside the "
            "chosen set, and it reaches fewer engaged people per unit of money.",
        }
    ],
    "offers": [],
    "expected_value": 6100,
    "by_value_alone": 4200,
    "budget_available": {"amount": 100_000, "currency": "EUR"},
    "budget_used": {"amount": 90_000, "currency": "EUR"},
    "slots_available": 2,
    "slots_used": 2,
    "solver": {"status": "optimal", "objective": 6.1, "bound": 6.1, "seconds": 0.01},
}
