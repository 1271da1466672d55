"""A small, believable demo market: brands, ~50 creators with varied audiences, campaigns.

Deterministic (seeded) and idempotent: running it twice adds nothing the second time.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import services as accounts
from accounts.models import Account
from campaigns import services as campaigns
from collaborations.authenticity import recompute_sponsored_shares
from core.audience import FIXED_KEYS
from core.db import utcnow
from payments.providers import LedgerProvider

DEMO_PASSWORD = "sunny-meadow-lantern"
DEMO_DOMAIN = "demo.dandelion.test"
CREATOR_COUNT = 50

# Countries a campaign targets (None: anywhere); city tiers only apply to audiences in China.
DACH = ("DE", "AT", "CH")
BRANDS = [
    ("Lumen Skin", "lumen", [
        ("Winter barrier serum", "skincare", "skincare", {"skincare": 0.5, "sensitive-skin": 0.2, "makeup": 0.15, "wellness": 0.15}, 900_000, 4, DACH),
        ("Night cream launch", "skincare", "skincare", {"skincare": 0.6, "anti-aging": 0.25, "wellness": 0.15}, 450_000, 2, None),
    ]),
    ("Petal & Co", "petal", [
        ("Spring lip tints", "beauty", "skincare", {"makeup": 0.6, "beauty": 0.2, "fashion": 0.2}, 600_000, 3, None),
    ]),
    ("Trailhead Outfitters", "trailhead", [
        ("Weekend hiking kit", "outdoors", None, {"hiking": 0.4, "outdoors": 0.3, "travel": 0.2, "fitness": 0.1}, 750_000, 3, DACH),
        ("Rain shell review", "fashion", None, {"outdoors": 0.4, "streetwear": 0.4, "hiking": 0.2}, 300_000, 2, None),
    ]),
    ("Bean Theory Coffee", "beantheory", [
        ("Home espresso rituals", "food", "coffee", {"coffee": 0.6, "cooking": 0.2, "kitchenware": 0.2}, 500_000, 4, None),
    ]),
    ("Pixel Forge", "pixelforge", [
        ("Handheld console week", "gaming", None, {"gaming": 0.5, "console-gaming": 0.3, "gadgets": 0.2}, 800_000, 3, None),
    ]),
]  # fmt: skip

CREATOR_NICHES = {
    "skincare": ["skincare", "sensitive-skin", "makeup", "wellness"],
    "beauty": ["makeup", "beauty", "skincare", "haircare"],
    "fashion": ["fashion", "streetwear", "sneakers", "photography"],
    "food": ["food", "cooking", "coffee", "kitchenware"],
    "outdoors": ["outdoors", "hiking", "travel", "fitness"],
    "gaming": ["gaming", "console-gaming", "tech", "gadgets"],
    "fitness": ["fitness", "yoga", "running", "wellness"],
    "home": ["home", "interior", "sustainability", "diy"],
}
# Where creators' audiences live: most of the demo's creators speak to German-speaking
# countries, the others to the rest of western Europe (weights before jitter).
AUDIENCE_COUNTRIES = [
    {"DE": 0.7, "AT": 0.2, "CH": 0.1},
    {"DE": 0.55, "CH": 0.25, "AT": 0.2},
    {"FR": 0.6, "BE": 0.25, "CH": 0.15},
    {"NL": 0.6, "BE": 0.25, "DE": 0.15},
    {"ES": 0.5, "IT": 0.3, "FR": 0.2},
]
# The category next door that some creators of a niche also cover (and its interest tags).
NEIGHBOURS = {
    "skincare": "beauty", "beauty": "skincare", "fashion": "beauty", "food": "home",
    "outdoors": "fitness", "gaming": "tech", "fitness": "outdoors", "home": "food",
}  # fmt: skip


def _shares(rng: random.Random, keys: list[str] | tuple[str, ...], weights: list[float]) -> dict:
    raw = [max(w * rng.uniform(0.6, 1.4), 0.0) for w in weights]
    total = sum(raw)
    shares = [round(v / total, 3) for v in raw]
    shares[0] = round(1.0 - sum(shares[1:]), 3)
    return {k: s for k, s in zip(keys, shares, strict=True) if s > 0}


def _audience(rng: random.Random, niche: str, neighbour: str | None) -> dict:
    tags = list(CREATOR_NICHES[niche])
    weights = [0.5, 0.2, 0.15, 0.15]
    if neighbour in CREATOR_NICHES:  # a creator who covers two niches has both audiences
        extra = next(t for t in CREATOR_NICHES[neighbour] if t not in tags)
        tags, weights = [*tags, extra], [0.4, 0.15, 0.1, 0.1, 0.25]
    female = rng.choice([0.85, 0.7, 0.55, 0.4, 0.25])
    countries = AUDIENCE_COUNTRIES[
        0 if rng.random() < 0.4 else rng.randrange(len(AUDIENCE_COUNTRIES))
    ]
    return {
        "interests": _shares(rng, tags, weights),
        "gender": _shares(rng, ["female", "male"], [female, 1 - female]),
        "age": _shares(rng, FIXED_KEYS["age"], [0.05, 0.35, 0.35, 0.15, 0.1]),
        # European audiences: countries, and no city tiers (those describe China's cities)
        "countries": _shares(rng, list(countries), list(countries.values())),
    }


def _seed_creators(session: Session, rng: random.Random, today: date) -> int:
    created = 0
    niches = list(CREATOR_NICHES)
    for i in range(CREATOR_COUNT):
        email = f"creator{i:02d}@{DEMO_DOMAIN}"
        if session.scalar(select(Account.id).where(Account.email == email)):
            continue
        niche = niches[i % len(niches)]
        creator = accounts.create_creator(
            session, handle=f"{niche}_{i:02d}", email=email, password=DEMO_PASSWORD
        )
        followers = int(2_000 * (1 / (1 - rng.random() * 0.97)) ** 1.3)  # heavy-tailed
        creator.display_name = f"{niche.title()} creator {i:02d}"
        creator.followers = followers
        creator.engagement_rate = round(rng.uniform(0.02, 0.09), 4)
        # Creators opt in to the categories they really cover: their niche, and for some the
        # one next door, never everything.
        neighbour = NEIGHBOURS[niche] if rng.random() < 0.4 else None
        creator.categories = [niche] if neighbour is None else [niche, neighbour]
        creator.audience = _audience(rng, niche, neighbour)
        creator.rate_amount = int(5_000 + followers * rng.uniform(0.8, 1.6)) // 100 * 100
        creator.rate_currency = "EUR"
        creator.weekly_capacity = rng.choice([1, 1, 2, 2, 3])
        creator.is_open = i % 7 != 0  # a few creators are not taking paid work right now
        creator.open_until = today + timedelta(days=rng.choice([30, 60, 90]))
        creator.open_categories = sorted(creator.categories)
        creator.verified = rng.random() < 0.6
        # What the creator reports; the platform derives sponsored_share from it and from the
        # sponsored posts handed in through Dandelion (collaborations/authenticity.py).
        creator.recent_posts_30d = int(rng.uniform(6, 40))
        created += 1
    return created


def _seed_brands(session: Session, today: date) -> tuple[int, int]:
    brands_created = campaigns_created = 0
    for name, slug, briefs in BRANDS:
        email = f"{slug}@{DEMO_DOMAIN}"
        account = session.scalar(select(Account).where(Account.email == email))
        if account is not None:
            continue
        brand = accounts.create_brand(session, name=name, email=email, password=DEMO_PASSWORD)
        brands_created += 1
        for n, (title, category, group, interests, budget, slots, countries) in enumerate(briefs):
            target: dict = {
                "interests": interests,
                "gender": {"female": 0.6, "male": 0.4},
                "age": {"18-24": 0.35, "25-34": 0.45, "35-44": 0.2},
            }
            if countries:
                target["countries"] = {c: round(1 / len(countries), 6) for c in countries}
            else:  # anywhere; the tiers count for audiences in China only
                target["city_tiers"] = {"1": 0.4, "2": 0.35, "3": 0.25}
            campaign = campaigns.create_campaign(
                session,
                brand,
                {
                    "title": title,
                    "brief": f"{name} is looking for creators for '{title}'. Show it honestly, "
                    "in your own words, and label the post as sponsored.",
                    "category": category,
                    "competitor_group": group,
                    "budget_amount": budget,
                    "currency": "EUR",
                    "slots": slots,
                    "target_audience": target,
                    "starts_on": today,
                    "ends_on": today + timedelta(days=60),
                },
            )
            campaigns_created += 1
            if n == len(briefs) - 1 and len(briefs) > 1:
                continue  # leave one draft so the dashboard shows every state
            # Always the ledger: demo money must never reach a real payment provider.
            campaigns.fund_campaign(
                session, brand, campaign.id, provider=LedgerProvider(), fee_bps=1000
            )
            # The demo ends with this week's global run; no incremental run per campaign.
            campaigns.publish_campaign(session, brand, campaign.id, today=today, match_now=False)
    return brands_created, campaigns_created


def seed_demo(session: Session, today: date | None = None) -> str:
    """Create the demo market (skipping what exists) and return a summary with the logins."""
    today = today or date.today()
    rng = random.Random(20261130)
    creators = _seed_creators(session, rng, today)
    brands, new_campaigns = _seed_brands(session, today)
    session.flush()
    recompute_sponsored_shares(session, now=utcnow())
    return (
        f"Demo market: {brands} brands, {new_campaigns} campaigns, {creators} creators added "
        "(what already existed was kept).\n"
        f"Log in as a brand: lumen@{DEMO_DOMAIN} / {DEMO_PASSWORD}; "
        f"as a creator: creator01@{DEMO_DOMAIN} / {DEMO_PASSWORD}."
    )
