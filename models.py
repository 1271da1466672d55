"""Import every model module so that ``Base.metadata`` knows all tables (Alembic, tests)."""

from accounts.models import Account, ApiToken, Brand, Creator, Role
from campaigns.models import Campaign, CampaignStatus
from collaborations.models import Offer, OfferStatus, Sponsorship, SponsorshipStatus
from matching.models import MatchRun, MatchRunStatus
from payments.models import Payout, PayoutStatus

__all__ = [
    "Account", "ApiToken", "Brand", "Campaign", "CampaignStatus", "Creator", "MatchRun",
    "MatchRunStatus", "Offer", "OfferStatus", "Payout", "PayoutStatus", "Role", "Sponsorship",
    "SponsorshipStatus",
]  # fmt: skip
