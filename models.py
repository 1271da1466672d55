"""Import every model module so that ``Base.metadata`` knows all tables (Alembic, tests)."""

from accounts.models import Account, ApiToken, Brand, Creator, Role
from campaigns.models import Campaign, CampaignStatus

__all__ = ["Account", "ApiToken", "Brand", "Campaign", "CampaignStatus", "Creator", "Role"]
