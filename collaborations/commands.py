"""Operators' commands for approvals that end: ``flask --app app disputes list|approve|cancel``
and ``flask --app app sponsorships reverse``. Each one is a transaction (committed, or rolled
back with the refusal printed on one line)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from flask.cli import AppGroup

from collaborations import approvals, review_notices
from core.db import session_scope
from core.errors import DomainError
from extensions import db, payment_provider
from payments.providers import ProviderError

NOTE = click.option("--note", required=True, help="The operator's note, kept on the sponsorship.")


def _run(action: Callable[[Any], str]) -> None:
    """Run ``action(session)`` in one transaction; a refusal is one line, not a traceback."""
    try:
        with session_scope(db.session_factory) as session:
            message = action(session)
    except (DomainError, ProviderError) as exc:
        raise click.ClickException(str(getattr(exc, "message", exc))) from exc
    click.echo(message)


@click.group("disputes", cls=AppGroup)
def disputes_group() -> None:
    """The dispute queue: posts rejected more than MAX_REJECTIONS times."""


@disputes_group.command("list")
def disputes_list() -> None:
    """Every sponsorship waiting for an operator, the longest waiting first."""
    with session_scope(db.session_factory) as session:
        page = approvals.list_disputes(session, page_size=100)
        history = review_notices.rejection_history(session, page.items)
        if not page.items:
            click.echo("No disputes waiting.")
            return
        click.echo(f"{page.total} dispute(s) waiting:")
        for s in page.items:
            click.echo(
                f"#{s.id} {s.campaign.brand.name} / '{s.campaign.title}' - @{s.creator.handle}, "
                f"{s.price.format()}, rejected {s.rejections}x, disputed "
                f"{s.disputed_at:%Y-%m-%d %H:%M} UTC"
            )
            click.echo(f"    post: {s.post_url}")
            for n, rejection in enumerate(history[s.id], start=1):
                click.echo(f"    rejection {n} ({rejection.at:%Y-%m-%d}): {rejection.reason}")


@disputes_group.command("approve")
@click.argument("sponsorship_id", type=int)
@NOTE
def disputes_approve(sponsorship_id: int, note: str) -> None:
    """Side with the creator: approve the post and pay the agreed price."""

    def act(session: Any) -> str:
        s = approvals.approve_dispute(session, sponsorship_id, note, provider=payment_provider())
        return f"Sponsorship {s.id} approved; {s.price.format()} is paid to @{s.creator.handle}."

    _run(act)


@disputes_group.command("cancel")
@click.argument("sponsorship_id", type=int)
@NOTE
def disputes_cancel(sponsorship_id: int, note: str) -> None:
    """Side with the brand: cancel the sponsorship and refund its price to the brand."""

    def act(session: Any) -> str:
        s = approvals.cancel_dispute(session, sponsorship_id, note, provider=payment_provider())
        return f"Sponsorship {s.id} cancelled; {s.price.format()} is refunded to the brand."

    _run(act)


@click.group("sponsorships", cls=AppGroup)
def sponsorships_group() -> None:
    """Operators' actions on sponsorships outside the dispute queue."""


@sponsorships_group.command("reverse")
@click.argument("sponsorship_id", type=int)
@click.option("--reason", required=True, help="Why (fraud, a post taken down...); kept.")
def sponsorships_reverse(sponsorship_id: int, reason: str) -> None:
    """Cancel an approved, paid sponsorship: reverse the creator's transfer, refund the brand."""

    def act(session: Any) -> str:
        s = approvals.reverse_sponsorship(
            session, sponsorship_id, reason, provider=payment_provider()
        )
        return (
            f"Sponsorship {s.id} cancelled; the {s.price.format()} transfer is reversed and "
            "refunded to the brand."
        )

    _run(act)
