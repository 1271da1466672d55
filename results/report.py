"""The report's results: forecast against actual, and attribution, per sponsorship and for
the campaign. Reads only.

Definitions (also in README, "Results"):

- *forecast engaged people*: followers × engagement rate when the offer was accepted; the
  *forecast engaged target audience* is that × the offer's fit (what matching forecast);
- *actual engagements*: likes + comments + saves + shares of the post's latest unflagged
  snapshot (one person may do several: an upper bound on the people who engaged);
- *delivery ratio*: actual engagements ÷ forecast engaged people;
- *cost per engagement* = price ÷ engagements; *per thousand views* = price × 1000 ÷ views;
  *cost per conversion* = price ÷ conversions; all money, rounded half up to minor units.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from campaigns.models import Campaign
from collaborations.models import Sponsorship, SponsorshipStatus
from core.money import Money
from results.metrics import snapshots
from results.models import Click, Conversion, PostMetric, snapshot_label


def per(amount: int, count: int, scale: int = 1) -> int | None:
    """``amount × scale ÷ count`` rounded half up (None when ``count`` is 0)."""
    if count <= 0:
        return None
    return (2 * amount * scale + count) // (2 * count)


@dataclass
class SponsorshipResult:
    """One sponsorship's forecast, actual figures and attribution."""

    sponsorship: Sponsorship
    forecast_engaged: int | None
    fit: float | None
    snapshots: list[PostMetric]
    latest: PostMetric | None
    clicks: int = 0
    conversions: int = 0
    revenue_amount: int = 0

    @property
    def sponsorship_id(self) -> int:
        return self.sponsorship.id

    @property
    def creator_id(self) -> int:
        return self.sponsorship.creator_id

    @property
    def handle(self) -> str:
        return self.sponsorship.creator.handle

    @property
    def status(self) -> str:
        return self.sponsorship.status.value

    @property
    def currency(self) -> str:
        return self.sponsorship.currency

    @property
    def price(self) -> Money:
        return self.sponsorship.price

    @property
    def tracking_code(self) -> str | None:
        return self.sponsorship.tracking_code

    @property
    def promo_code(self) -> str | None:
        return self.sponsorship.promo_code

    @property
    def forecast_engaged_target(self) -> int | None:
        if self.forecast_engaged is None or self.fit is None:
            return None
        return round(self.forecast_engaged * self.fit)

    @property
    def measured_at(self):  # type: ignore[no-untyped-def]
        return self.latest.measured_at if self.latest else None

    @property
    def label(self) -> str | None:
        if self.latest is None:
            return None
        s = self.sponsorship
        return snapshot_label(self.latest.measured_at, s.first_delivered_at or s.delivered_at)

    @property
    def views(self) -> int | None:
        return self.latest.views if self.latest else None

    @property
    def engagements(self) -> int | None:
        return self.latest.engagements if self.latest else None

    @property
    def delivery_ratio(self) -> float | None:
        if self.latest is None or not self.forecast_engaged:
            return None
        return round(self.latest.engagements / self.forecast_engaged, 4)

    def _money(self, amount: int | None) -> Money | None:
        return Money(amount, self.currency) if amount is not None else None

    @property
    def cost_per_engagement(self) -> Money | None:
        return self._money(per(self.price.amount, self.engagements or 0))

    @property
    def cost_per_thousand_views(self) -> Money | None:
        return self._money(per(self.price.amount, self.views or 0, 1000))

    @property
    def flagged_snapshots(self) -> int:
        return sum(m.flagged for m in self.snapshots)

    @property
    def revenue(self) -> Money:
        return Money(self.revenue_amount, self.currency)

    @property
    def cost_per_conversion(self) -> Money | None:
        return self._money(per(self.price.amount, self.conversions))


@dataclass
class ResultsTotals:
    """The campaign's figures over its sponsorships (actuals over the measured ones)."""

    currency: str
    forecast_engaged: int = 0
    forecast_engaged_target: int = 0
    measured_sponsorships: int = 0
    engagements: int = 0
    views: int = 0
    measured_forecast: int = 0
    cost_amount: int = 0
    price_amount: int = 0
    clicks: int = 0
    conversions: int = 0
    revenue_amount: int = 0

    @property
    def delivery_ratio(self) -> float | None:
        return (
            round(self.engagements / self.measured_forecast, 4) if self.measured_forecast else None
        )

    def _money(self, amount: int | None) -> Money | None:
        return Money(amount, self.currency) if amount is not None else None

    @property
    def cost(self) -> Money:
        return Money(self.cost_amount, self.currency)

    @property
    def cost_per_engagement(self) -> Money | None:
        return self._money(per(self.cost_amount, self.engagements))

    @property
    def cost_per_thousand_views(self) -> Money | None:
        return self._money(per(self.cost_amount, self.views, 1000))

    @property
    def revenue(self) -> Money:
        return Money(self.revenue_amount, self.currency)

    @property
    def cost_per_conversion(self) -> Money | None:
        return self._money(per(self.price_amount, self.conversions))


@dataclass
class CampaignResults:
    currency: str
    totals: ResultsTotals
    sponsorships: list[SponsorshipResult] = field(default_factory=list)


@dataclass(frozen=True)
class ReportWithResults:
    """A ``collaborations.services.CampaignReport`` (its fields and properties, by delegation)
    with ``results`` beside them, for the report's schema."""

    report: Any
    results: CampaignResults

    def __getattr__(self, name: str) -> Any:
        return getattr(self.report, name)


def report_with_results(report: Any, results: CampaignResults) -> ReportWithResults:
    """The campaign report with its ``results``."""
    return ReportWithResults(report, results)


def campaign_results(session: Session, campaign: Campaign) -> CampaignResults:
    """Forecast against actual and attribution for every sponsorship of ``campaign`` that was
    not cancelled (the caller checked the campaign is the brand's): four queries."""
    rows = list(
        session.scalars(
            select(Sponsorship)
            .where(
                Sponsorship.campaign_id == campaign.id,
                Sponsorship.status != SponsorshipStatus.CANCELLED,
            )
            .options(joinedload(Sponsorship.creator), joinedload(Sponsorship.offer))
            .order_by(Sponsorship.id)
        )
    )
    ids = [s.id for s in rows]
    shots = snapshots(session, ids)
    clicks: dict[int, int] = defaultdict(int)
    conversions: dict[int, tuple[int, int]] = {}
    if ids:
        clicks.update(
            session.execute(
                select(Click.sponsorship_id, func.count(Click.id))
                .where(Click.sponsorship_id.in_(ids))
                .group_by(Click.sponsorship_id)
            ).all()
        )
        for sid, n, revenue in session.execute(
            select(
                Conversion.sponsorship_id,
                func.count(Conversion.id),
                func.coalesce(func.sum(Conversion.revenue_amount), 0),
            )
            .where(Conversion.campaign_id == campaign.id)
            .group_by(Conversion.sponsorship_id)
        ):
            conversions[sid] = (int(n), int(revenue))
    totals = ResultsTotals(currency=campaign.currency)
    results = []
    for s in rows:
        unflagged = [m for m in shots[s.id] if not m.flagged]
        n, revenue = conversions.get(s.id, (0, 0))
        r = SponsorshipResult(
            sponsorship=s,
            forecast_engaged=s.forecast_engaged,
            fit=s.offer.fit_score if s.offer is not None else None,
            snapshots=shots[s.id],
            latest=unflagged[-1] if unflagged else None,
            clicks=int(clicks.get(s.id, 0)),
            conversions=n,
            revenue_amount=revenue,
        )
        results.append(r)
        totals.forecast_engaged += r.forecast_engaged or 0
        totals.forecast_engaged_target += r.forecast_engaged_target or 0
        totals.price_amount += s.price_amount
        totals.clicks += r.clicks
        totals.conversions += r.conversions
        totals.revenue_amount += r.revenue_amount
        if r.latest is not None:
            totals.measured_sponsorships += 1
            totals.engagements += r.latest.engagements
            totals.views += r.latest.views
            totals.measured_forecast += r.forecast_engaged or 0
            totals.cost_amount += s.price_amount
    return CampaignResults(currency=campaign.currency, totals=totals, sponsorships=results)
