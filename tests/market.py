"""A seeded synthetic market written straight to the database, for match-run tests.

Bulk inserts (one shared password hash) keep thousands of creators cheap to create.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy.orm import Session

from accounts.models import Account, Brand, Creator, Role
from accounts.services import hash_password
from campaigns import services as campaigns
from core.audience import FIXED_KEYS
from payments.providers import LedgerProvider

NICHES = {
    "skincare": ["skincare", "makeup", "wellness"],
    "food": ["food", "cooking", "coffee"],
    "outdoors": ["outdoors", "travel", "fitness"],
    "gaming": ["gaming", "tech", "gadgets"],
}


def _shares(rng: random.Random, keys: list[str] | tuple[str, ...]) -> dict[str, float]:
    raw = [rng.random() + 0.05 for _ in keys]
    total = sum(raw)
    return {k: v / total for k, v in zip(keys, raw, strict=True)}


def audience(rng: random.Random, niche: str) -> dict[str, dict[str, float]]:
    return {
        "interests": _shares(rng, NICHES[niche]),
        "gender": _shares(rng, FIXED_KEYS["gender"]),
        "city_tiers": _shares(rng, FIXED_KEYS["city_tiers"]),
        "age": _shares(rng, FIXED_KEYS["age"]),
    }


def seed_market(
    session: Session,
    *,
    creators: int,
    campaigns_per_niche: int,
    seed: int = 7,
    budget: int = 400_000,
    slots: int = 4,
) -> None:
    """Open creators across four niches and published, funded campaigns in each (EUR)."""
    rng = random.Random(seed)
    today = date.today()
    password = hash_password("correct horse battery")
    niches = list(NICHES)
    for i in range(creators):
        niche = niches[i % len(niches)]
        account = Account(
            email=f"k{seed}-{i}@market.test", password_hash=password, role=Role.CREATOR
        )
        followers = int(1_000 * (1 / (1 - rng.random() * 0.99)) ** 1.2)
        session.add(
            Creator(
                account=account,
                handle=f"k{seed}_{i}",
                display_name=f"Creator {i}",
                followers=followers,
                engagement_rate=round(rng.uniform(0.01, 0.09), 4),
                categories=[niche],
                audience=audience(rng, niche),
                rate_amount=int(5_000 + followers * rng.uniform(0.5, 1.5)),
                rate_currency="EUR",
                weekly_capacity=rng.choice([1, 2, 3]),
                is_open=True,
                open_until=today + timedelta(days=60),
                open_categories=[niche],
                sponsored_share=round(rng.uniform(0, 0.3), 2),
            )
        )
    provider = LedgerProvider()
    for n, niche in enumerate(niches):
        brand = Brand(
            account=Account(
                email=f"b{seed}-{n}@market.test", password_hash=password, role=Role.BRAND
            ),
            name=f"Brand {niche}",
        )
        session.add(brand)
        session.flush()
        for j in range(campaigns_per_niche):
            campaign = campaigns.create_campaign(
                session,
                brand,
                {
                    "title": f"{niche} campaign {j}",
                    "brief": "A synthetic campaign for match-run tests.",
                    "category": niche,
                    "competitor_group": niche if j % 2 == 0 else None,
                    "budget_amount": budget,
                    "currency": "EUR",
                    "slots": slots,
                    "target_audience": audience(rng, niche),
                    "starts_on": today,
                    "ends_on": today + timedelta(days=30),
                },
            )
            campaigns.fund_campaign(session, brand, campaign.id, provider=provider, fee_bps=1000)
            # the tests run the weekly matching themselves
            campaigns.publish_campaign(session, brand, campaign.id, today=today, match_now=False)
    session.flush()
