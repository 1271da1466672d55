"""Pure market layer: records → solver instance (eligibility, fit, pruning) and explanations."""

from matching.market.build import PairDetails, build_instance
from matching.market.explain import explain
from matching.market.fit import DEMOGRAPHIC_WEIGHTS, AudienceError, fit_breakdown
from matching.market.pricing import PricingConfig, PricingReport, build_instance_priced
from matching.market.records import MarketCampaign, MarketCreator, MatchingPolicy
from matching.market.tables import CreatorTable

__all__ = [
    "DEMOGRAPHIC_WEIGHTS",
    "AudienceError",
    "CreatorTable",
    "MarketCampaign",
    "MarketCreator",
    "MatchingPolicy",
    "PairDetails",
    "PricingConfig",
    "PricingReport",
    "build_instance",
    "build_instance_priced",
    "explain",
    "fit_breakdown",
]
