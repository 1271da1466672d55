"""Import every model module so that ``Base.metadata`` knows all tables (Alembic, tests)."""

from accounts.models import (
    Account,
    ApiToken,
    Brand,
    Creator,
    CreatorCategory,
    CreatorInterestShare,
    Role,
)
from campaigns.models import Campaign, CampaignStatus
from collaborations.models import (
    Application,
    ApplicationStatus,
    BrandBlock,
    Offer,
    OfferSource,
    OfferStatus,
    OfferTurn,
    OpenCall,
    Sponsorship,
    SponsorshipStatus,
    TurnKind,
)
from matching.models import MatchRun, MatchRunKind, MatchRunStatus
from notifications.models import (
    DeliveryStatus,
    Notification,
    NotificationEmail,
    NotificationPreference,
    NotificationStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from payments.models import (
    CampaignFunding,
    CampaignRefund,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payout,
    PayoutStatus,
    StripeEvent,
)
from results.models import Click, Conversion, MetricsSource, PostMetric
from taxonomy.models import InterestTag, TaxonomyCategory, TaxonomyVersion
from trends.models import TrendSide, TrendSnapshot

__all__ = [
    "Application", "ApplicationStatus", "CreatorCategory", "CreatorInterestShare", "OfferTurn",
    "OpenCall", "TurnKind",
    "Account", "ApiToken", "Brand", "BrandBlock", "Campaign", "CampaignFunding", "CampaignRefund",
    "CampaignStatus", "Creator", "LedgerAccount", "LedgerEntry", "LedgerTransaction", "MatchRun",
    "StripeEvent", "DeliveryStatus", "NotificationEmail", "NotificationPreference",
    "WebhookDelivery", "WebhookEndpoint",
    "MatchRunKind", "MatchRunStatus", "Notification", "NotificationStatus", "Offer", "OfferSource", "OfferStatus", "Payout", "PayoutStatus", "Role", "Sponsorship",
    "SponsorshipStatus", "Click", "Conversion", "MetricsSource", "PostMetric", "TrendSide", "TrendSnapshot", "InterestTag", "TaxonomyCategory", "TaxonomyVersion",
]  # fmt: skip
