"""Pure market layer: records → solver instance (eligibility, fit, pruning) and explanations."""

from matching.market.build import PairDetails, build_instance
from matching.market.explain import explain
from matching.market.fit import FIT_WEIGHTS, AudienceError
from matching.market.pricing import PricingConfig, PricingReport, build_instance_priced
from matching.market.records import MarketCampaign, MarketCreator, MatchingPolicy
from matching.market.tables import CreatorTable

__all__ = [
    "FIT_WEIGHTS",
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
]
