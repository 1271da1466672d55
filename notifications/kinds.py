"""Every kind of notification, who receives it, and how it is delivered unless they choose.

One registry for the senders (``notify(..., kind)``), the preferences (each person picks a
channel per kind) and the pages that list kinds. A kind's key is stored on the notification row
and sent in webhook payloads, so keys never change once released.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Audience(enum.StrEnum):
    CREATOR = "creator"
    BRAND = "brand"
    OPERATOR = "operator"


class Channel(enum.StrEnum):
    """Where a notification goes besides the in-app list (which always has it)."""

    EMAIL = "email"
    WEBHOOK = "webhook"
    APP = "app"  # only in the app: the list and the bell


@dataclass(frozen=True)
class Kind:
    key: str
    audience: tuple[Audience, ...]
    label: str
    default: Channel = Channel.EMAIL


_C, _B, _O = Audience.CREATOR, Audience.BRAND, Audience.OPERATOR

KINDS: tuple[Kind, ...] = (
    # Offers, on every channel (match, invite, open call)
    Kind("offers.new", (_C,), "A new offer or invitation"),
    Kind("offers.expiring", (_C,), "An offer expires within 24 hours"),
    Kind("offers.accepted", (_B,), "A creator accepted an offer"),
    Kind("offers.declined", (_B,), "A creator declined an offer"),
    Kind("offers.countered", (_B,), "A creator countered an offer's price"),
    Kind("offers.counter_accepted", (_C,), "The brand accepted your counter"),
    Kind("offers.counter_declined", (_C,), "The brand declined your counter"),
    Kind("offers.withdrawn", (_C,), "The brand withdrew an offer"),
    # Open calls
    Kind("open_call.closing", (_C, _B), "An open call closes within 24 hours"),
    Kind("open_call.closed", (_C, _B), "An open call closed"),
    Kind("open_call.selected", (_C,), "You were selected in an open call"),
    Kind("open_call.application", (_B,), "A creator applied to your open call", Channel.APP),
    # Posts and their review
    Kind("sponsorship.delivered", (_B,), "A post was handed in and awaits review"),
    Kind("sponsorship.approved", (_C,), "Your post was approved"),
    Kind("sponsorship.rejected", (_C,), "Your post was rejected"),
    Kind("sponsorship.auto_approved", (_C, _B), "A post was approved automatically"),
    Kind("sponsorship.disputed", (_C, _B), "A post went to an operator"),
    Kind("sponsorship.dispute_approved", (_C, _B), "An operator approved a disputed post"),
    Kind("sponsorship.dispute_cancelled", (_C, _B), "An operator cancelled a sponsorship"),
    Kind("sponsorship.reversed", (_C, _B), "A payout was reversed"),
    # Money
    Kind("payout.sent", (_C,), "A payout was sent"),
    Kind("payout.failed", (_C,), "A payout failed"),
    Kind("campaign.funded", (_B,), "A campaign was funded"),
    Kind("campaign.completed", (_B,), "A campaign completed"),
    Kind("campaign.refunded", (_B,), "Unspent budget was refunded"),
    # Matching
    Kind("match_run.finished", (_B, _O), "A matching run finished"),
)

BY_KEY: dict[str, Kind] = {kind.key: kind for kind in KINDS}


def kinds_for(audience: Audience) -> tuple[Kind, ...]:
    """The kinds a person of this role can receive, in the registry's order."""
    return tuple(kind for kind in KINDS if audience in kind.audience)


def kind(key: str) -> Kind:
    """The registered kind; an unknown key is a programming error, not user input."""
    try:
        return BY_KEY[key]
    except KeyError:
        raise ValueError(f"unknown notification kind {key!r}") from None
