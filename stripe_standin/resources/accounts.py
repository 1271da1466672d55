"""Connected accounts, account links and the onboarding test helper."""

from __future__ import annotations

import copy
import secrets
from typing import Any

from ..encoding import merge_metadata, parse_bool
from ..errors import invalid_request
from ..state import AccountLinkGrant, Request, State, new_id, now

ACCOUNT_TYPES = ("standard", "express", "custom")
ONBOARDING_DUE = ["business_profile.url", "external_account", "tos_acceptance.date"]
LINK_TTL = 300


def _requested_capabilities(raw: dict[str, Any] | None) -> list[str]:
    if not raw:
        return []
    names = []
    for name, options in raw.items():
        requested = options.get("requested") if isinstance(options, dict) else None
        if requested is not None and parse_bool(requested, f"capabilities[{name}][requested]"):
            names.append(name)
    return names


def _requirements(onboarded: bool) -> dict[str, Any]:
    due = [] if onboarded else list(ONBOARDING_DUE)
    return {
        "currently_due": due,
        "eventually_due": due,
        "past_due": due,
        "pending_verification": [],
        "disabled_reason": None if onboarded else "requirements.past_due",
        "current_deadline": None,
        "errors": [],
    }


def create_account(state: State, req: Request) -> dict[str, Any]:
    p = req.params
    p.allow(
        "type", "country", "email", "capabilities", "business_type", "business_profile",
        "metadata", "default_currency", "controller", "tos_acceptance", "settings",
        "individual", "company", "external_account",
    )  # fmt: skip
    account_type = p.choice("type", ACCOUNT_TYPES) or "standard"
    capabilities = _requested_capabilities(p.dict("capabilities"))
    if account_type in ("express", "custom") and not capabilities:
        raise invalid_request(
            "You must request at least one capability for express and custom accounts, "
            "e.g. capabilities[transfers][requested]=true.",
            param="capabilities",
        )
    if account_type == "standard" and not capabilities:
        capabilities = ["card_payments", "transfers"]
    account = {
        "id": new_id("acct", 16),
        "object": "account",
        "type": account_type,
        "business_profile": p.dict("business_profile") or {},
        "business_type": p.str("business_type"),
        "capabilities": dict.fromkeys(capabilities, "inactive"),
        "charges_enabled": False,
        "payouts_enabled": False,
        "details_submitted": False,
        "country": (p.str("country") or "US").upper(),
        "default_currency": p.currency("default_currency") or "usd",
        "email": p.str("email"),
        "metadata": p.metadata() or {},
        "requirements": _requirements(False),
        "created": now(),
        "livemode": False,
    }
    return state.add(account)


def retrieve_account(state: State, req: Request) -> dict[str, Any]:
    req.params.allow()
    return state.get(req.path_args["id"], "account")


def retrieve_platform_account(state: State, req: Request) -> dict[str, Any]:
    req.params.allow()
    return {
        "id": state.platform_account_id,
        "object": "account",
        "type": "standard",
        "charges_enabled": True,
        "payouts_enabled": True,
        "details_submitted": True,
        "country": "US",
        "default_currency": "usd",
        "capabilities": {"card_payments": "active", "transfers": "active"},
        "metadata": {},
        "created": 0,
        "livemode": False,
    }


def update_account(state: State, req: Request) -> dict[str, Any]:
    p = req.params
    p.allow("email", "metadata", "business_profile", "capabilities", "settings", "tos_acceptance")
    account = state.get(req.path_args["id"], "account")
    metadata = p.metadata()
    new_caps = _requested_capabilities(p.dict("capabilities"))
    previous = copy.deepcopy(account)
    if metadata is not None:
        account["metadata"] = merge_metadata(account["metadata"], metadata)
    if p.str("email") is not None:
        account["email"] = p.str("email")
    if p.dict("business_profile"):
        account["business_profile"] = {**account["business_profile"], **p.dict("business_profile")}
    status = "active" if account["details_submitted"] else "inactive"
    for name in new_caps:
        account["capabilities"].setdefault(name, status)
    _emit_account_updated(state, req, account, previous)
    return account


def delete_account(state: State, req: Request) -> dict[str, Any]:
    req.params.allow()
    account = state.get(req.path_args["id"], "account")
    account["deleted"] = True
    return {"id": account["id"], "object": "account", "deleted": True}


def list_accounts(state: State, req: Request) -> dict[str, Any]:
    req.params.allow("limit", "starting_after", "ending_before", "created")
    accounts = [a for a in state.all("account") if not a.get("deleted")]
    return state.paginate(accounts, req.params, "/v1/accounts")


def set_account_status(
    state: State,
    req: Request | None,
    account_id: str,
    *,
    charges_enabled: bool | None = None,
    payouts_enabled: bool | None = None,
    details_submitted: bool | None = None,
) -> dict[str, Any]:
    """Flip the onboarding flags (and capabilities with them); emits ``account.updated``."""
    account = state.get(account_id, "account")
    previous = copy.deepcopy(account)
    if charges_enabled is not None:
        account["charges_enabled"] = charges_enabled
    if payouts_enabled is not None:
        account["payouts_enabled"] = payouts_enabled
    if details_submitted is not None:
        account["details_submitted"] = details_submitted
    onboarded = account["details_submitted"] and account["payouts_enabled"]
    status = "active" if onboarded else "inactive"
    account["capabilities"] = dict.fromkeys(account["capabilities"], status)
    account["requirements"] = _requirements(onboarded)
    _emit_account_updated(state, req, account, previous)
    return account


def complete_onboarding(state: State, req: Request) -> dict[str, Any]:
    """Test helper (not a Stripe endpoint): the account holder finished onboarding."""
    req.params.allow()
    return set_account_status(
        state,
        req,
        req.path_args["id"],
        charges_enabled=True,
        payouts_enabled=True,
        details_submitted=True,
    )


def _emit_account_updated(
    state: State, req: Request | None, account: dict[str, Any], previous: dict[str, Any]
) -> None:
    changed = {k: v for k, v in previous.items() if account.get(k) != v}
    if changed:
        state.emit("account.updated", account, req, previous=changed, account=account["id"])


# -- account links -------------------------------------------------------------------------------


def create_account_link(state: State, req: Request) -> dict[str, Any]:
    p = req.params
    p.allow("account", "type", "refresh_url", "return_url", "collect", "collection_options")
    account_id = p.str("account", required=True)
    link_type = p.choice("type", ("account_onboarding", "account_update"), required=True)
    state.get(account_id, "account", param="account")
    refresh_url = p.str("refresh_url", required=True)
    return_url = p.str("return_url", required=True)
    token = secrets.token_urlsafe(16)
    created = now()
    assert account_id is not None
    state.account_links[token] = AccountLinkGrant(
        account=account_id,
        refresh_url=refresh_url,
        return_url=return_url,
        expires_at=created + LINK_TTL,
    )
    return {
        "object": "account_link",
        "created": created,
        "expires_at": created + LINK_TTL,
        "url": f"{req.base_url}/connect/onboarding/{token}",
        "type": link_type,
    }


def visit_account_link(state: State, token: str) -> str | None:
    """Follow an onboarding link: completes onboarding once; returns where to redirect."""
    grant = state.account_links.get(token)
    if grant is None:
        return None
    if grant.used or grant.expires_at < now():
        return grant.refresh_url
    grant.used = True
    set_account_status(
        state,
        None,
        grant.account,
        charges_enabled=True,
        payouts_enabled=True,
        details_submitted=True,
    )
    return grant.return_url
