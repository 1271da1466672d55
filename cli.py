"""Operators' command line: ``flask --app app <group> <command>``."""

from __future__ import annotations

import os
import sys

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from marshmallow import ValidationError, validate
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.pool import NullPool

from accounts import services as accounts
from core.db import session_scope
from core.errors import DomainError
from extensions import db

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations")


def alembic_config(url: str) -> AlembicConfig:
    """Alembic configured for ``url`` without an ini file."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", MIGRATIONS_DIR)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def register_commands(app: Flask) -> None:
    """Attach every command group to ``app``."""
    app.cli.add_command(db_group)
    app.cli.add_command(accounts_group)
    app.cli.add_command(demo_command)
    app.cli.add_command(ledger_group)
    app.cli.add_command(payments_group)
    app.cli.add_command(match_group)
    app.cli.add_command(jobs_group)
    from collaborations.commands import disputes_group, sponsorships_group

    app.cli.add_command(disputes_group)
    from taxonomy.commands import taxonomy_group

    app.cli.add_command(taxonomy_group)
    app.cli.add_command(sponsorships_group)
    from results.commands import flush_clicks, metrics_group

    app.cli.add_command(metrics_group)
    jobs_group.add_command(flush_clicks)


@click.group("db", cls=AppGroup)
def db_group() -> None:
    """Database schema migrations (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    command.upgrade(alembic_config(current_app.config["SQLALCHEMY_URL"]), revision)


def downgrade_steps(url: str, revision: str) -> list[Script]:
    """The migrations ``db downgrade REVISION`` would undo on ``url``, newest first.

    REVISION takes every form Alembic does: a revision id, ``base``, or relative (``-1``).
    """
    scripts = ScriptDirectory.from_config(alembic_config(url))
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            heads = MigrationContext.configure(conn).get_current_heads()
    finally:
        engine.dispose()
    try:
        return list(scripts.iterate_revisions(heads, revision, select_for_downgrade=True))
    except (CommandError, RevisionError) as exc:
        raise click.ClickException(f"cannot downgrade to {revision!r}: {exc}") from exc


def _what_is_lost(url: str, steps: list[Script]) -> list[str]:
    """One line per destructive step: its revision and what its downgrade drops, with counts."""
    engine = create_engine(url, poolclass=NullPool)
    lines = []
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            for script in steps:
                if getattr(script.module, "DESTRUCTIVE", True) is False:
                    continue
                drops = getattr(script.module, "DOWNGRADE_DROPS", ())
                parts = [_describe_drop(conn, tables, item) for item in drops]
                what = ", ".join(parts) if parts else "unknown (no DESTRUCTIVE flag: assumed)"
                lines.append(f"  {script.revision} ({script.doc}): drops {what}")
    finally:
        engine.dispose()
    return lines


def _describe_drop(conn: Connection, tables: set[str], item: str) -> str:
    """``table t (N rows)`` or ``column t.c (N values)`` for a ``DOWNGRADE_DROPS`` item."""
    table, _, column = item.partition(".")
    if table not in tables:
        return f"table {table} (absent)" if not column else f"column {item}"
    quoted = conn.dialect.identifier_preparer.quote
    if column:
        sql = f"SELECT COUNT({quoted(column)}) FROM {quoted(table)}"
        return f"column {item} ({conn.execute(text(sql)).scalar_one()} values)"
    count = conn.execute(text(f"SELECT COUNT(*) FROM {quoted(table)}")).scalar_one()
    return f"table {table} ({count} rows)"


@db_group.command("downgrade", context_settings={"ignore_unknown_options": True})
@click.argument("revision")
@click.option("--force", is_flag=True, help="Run it even though it drops tables or columns.")
def db_downgrade(revision: str, force: bool) -> None:
    """Migrate the database back to REVISION (``-1``, a revision id, or ``base``).

    A step that drops tables or columns (its migration says ``DESTRUCTIVE = True``, or says
    nothing) is refused, naming what would be lost, unless ``--force`` is given.
    """
    url = current_app.config["SQLALCHEMY_URL"]
    steps = downgrade_steps(url, revision)
    if not steps:
        click.echo("Nothing to downgrade.")
        return
    lost = _what_is_lost(url, steps)
    if lost and not force:
        raise click.ClickException(
            "refusing a destructive downgrade; these migrations would drop data:\n"
            + "\n".join(lost)
            + "\nBack the database up first (e.g. pg_dump), then run: "
            f"flask --app app db downgrade {revision} --force"
        )
    command.downgrade(alembic_config(url), revision)
    now_at = steps[-1].down_revision or "base"
    click.echo(f"Undid {len(steps)} migration(s); the database is now at {now_at}.")


@db_group.command("current")
def db_current() -> None:
    """Show the database's revision."""
    command.current(alembic_config(current_app.config["SQLALCHEMY_URL"]))


@click.group("accounts", cls=AppGroup)
def accounts_group() -> None:
    """Accounts that only operators create."""


@accounts_group.command("create-operator")
@click.option("--email", required=True)
@click.option(
    "--password",
    envvar="DANDELION_OPERATOR_PASSWORD",
    show_envvar=True,
    default=None,
    help="The password (10+ characters). Without it, from the environment variable; without "
    "either, asked for on a terminal.",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input (scripts, CI).",
)
def create_operator(email: str, password: str | None, password_stdin: bool) -> None:
    """Create an operator account (no prompt with --password, --password-stdin or the
    environment variable)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif password is None:
        if not sys.stdin.isatty():
            raise click.UsageError(
                "No password: pass --password, --password-stdin or set "
                "DANDELION_OPERATOR_PASSWORD (there is no terminal to ask on)."
            )
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        validate.Email()(email.strip())
    except ValidationError as exc:
        raise click.BadParameter("not a valid email address", param_hint="--email") from exc
    if len(password) < 10:
        raise click.BadParameter("at least 10 characters", param_hint="--password")
    try:
        with session_scope(db.session_factory) as session:
            account = accounts.create_operator(session, email=email, password=password)
            summary = f"Operator {account.email} created (id {account.id})."
    except DomainError as exc:
        # A refused operation is the operator's input, not a crash: one line, no traceback.
        raise click.ClickException(exc.message) from exc
    click.echo(summary)


@accounts_group.command("reset-token")
@click.option("--email", required=True)
@click.option("--hours", default=24, show_default=True, type=click.IntRange(1, 24 * 7))
def reset_token(email: str, hours: int) -> None:
    """Issue a one-time password reset token for an account (hand it to its owner)."""
    from datetime import timedelta

    from accounts.password_reset import issue_reset_token

    try:
        with session_scope(db.session_factory) as session:
            token = issue_reset_token(session, email, ttl=timedelta(hours=hours))
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Reset token for {email.strip().lower()} (valid {hours} h, works once):")
    click.echo(token)
    click.echo(f"The owner sets a new password at /dashboard/reset?token={token}")


@click.command("demo")
@click.option("--no-match", is_flag=True, help="Seed only; skip this week's match run.")
@with_appcontext
@click.pass_context
def demo_command(ctx: click.Context, no_match: bool) -> None:
    """Seed a small believable market and run this week's matching (safe to run twice)."""
    from demo.seed import seed_demo

    with session_scope(db.session_factory) as session:
        summary = seed_demo(session)
    click.echo(summary)
    if not no_match:
        ctx.invoke(match_run, week=None, wait=True)


@click.group("ledger", cls=AppGroup)
def ledger_group() -> None:
    """The double-entry ledger."""


@ledger_group.command("check")
def ledger_check() -> None:
    """Prove the books balance; exits non-zero on any breach."""
    from payments.ledger import check_ledger

    with session_scope(db.session_factory) as session:
        report = check_ledger(session)
    click.echo(
        f"{report.transactions} transactions, {report.entries} entries, "
        f"{report.campaigns} campaigns checked."
    )
    for breach in report.breaches:
        click.echo(f"BREACH: {breach}", err=True)
    if not report.ok:
        raise SystemExit(1)
    click.echo("The ledger balances.")


@click.group("payments", cls=AppGroup)
def payments_group() -> None:
    """Payments against the provider."""


@payments_group.command("reconcile")
def payments_reconcile() -> None:
    """Compare our ledger with the provider's balance transactions; exits 1 on differences."""
    from extensions import payment_provider
    from payments.reconcile import reconcile

    with session_scope(db.session_factory) as session:
        report = reconcile(session, payment_provider())
    click.echo(f"Provider {report.provider}: {report.checked} balance transactions checked.")
    for difference in report.differences:
        click.echo(f"DIFFERENCE: {difference}", err=True)
    if not report.ok:
        raise SystemExit(1)
    click.echo("No differences.")


@payments_group.command("retry")
def payments_retry() -> None:
    """Retry every pending payout (e.g. after the provider was unreachable)."""
    from payments.jobs import pay_pending_payouts_job

    click.echo(f"{pay_pending_payouts_job()} pending payouts tried.")


@click.group("match", cls=AppGroup)
def match_group() -> None:
    """The weekly matching."""


@match_group.command("run")
@click.option(
    "--week",
    default=None,
    help="ISO week such as 2026-W48: this week (the default) or a past one, never a future one.",
)
@click.option("--wait/--no-wait", default=True, help="Follow the run's progress until it ends.")
def match_run(week: str | None, wait: bool) -> None:
    """Start a week's matching (once per week) and show its progress."""
    import time

    from matching import runs

    week = week or runs.current_week()
    try:
        with session_scope(db.session_factory) as session:
            run, queued = runs.request_run(session, week)
            run_id = run.id
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Match run {run_id} for {week}: {'started' if queued else 'already exists'}.")
    last = 0
    with click.progressbar(length=100, label="matching", show_eta=False) as bar:
        while True:
            with session_scope(db.session_factory) as session:
                run = runs.get_run(session, run_id)
                status, progress, stage = run.status.value, run.progress, run.stage
            bar.update(progress - last)
            last = progress
            if not wait or status in ("succeeded", "failed"):
                break
            bar.label = stage
            time.sleep(1)
    with session_scope(db.session_factory) as session:
        run = runs.get_run(session, run_id)
        click.echo(
            f"status {run.status.value}; offers {run.offers_created}; objective {run.objective}; "
            f"bound {run.bound}; gap {run.gap}; {run.seconds} s; {run.candidates} candidate pairs"
        )
        if run.status.value == "failed":
            raise click.ClickException(run.error or "the run failed")


@click.group("jobs", cls=AppGroup)
def jobs_group() -> None:
    """Periodic jobs, for installations without the RQ scheduler (embedded mode)."""


@jobs_group.command("expire-offers")
def jobs_expire_offers() -> None:
    """Expire proposals past their deadline."""
    from matching.jobs import expire_offers_job

    click.echo(f"{expire_offers_job()} offers expired.")


@jobs_group.command("auto-approve")
def jobs_auto_approve() -> None:
    """Approve and pay delivered posts nobody reviewed within AUTO_APPROVE_DAYS."""
    from collaborations.approval_jobs import auto_approve_job

    click.echo(f"{auto_approve_job()} posts approved automatically.")


@jobs_group.command("sponsored-shares")
def jobs_sponsored_shares() -> None:
    """Recompute every creator's sponsored share over the last SPONSORED_SHARE_WINDOW_DAYS."""
    from collaborations.authenticity_jobs import recompute_sponsored_shares_job

    click.echo(f"{recompute_sponsored_shares_job()} sponsored shares changed.")


@jobs_group.command("close-open-calls")
def jobs_close_open_calls() -> None:
    """Close open calls past their closing time; tell the applicants not selected."""
    from collaborations.open_call_jobs import close_open_calls_job

    click.echo(f"{len(close_open_calls_job())} open calls closed.")


@jobs_group.command("send-reminders")
def jobs_send_reminders() -> None:
    """Remind people of offers expiring and open calls closing within 24 hours (once each)."""
    from collaborations.reminder_jobs import send_reminders_job

    click.echo(f"{send_reminders_job()} reminders due (each is sent once).")


@jobs_group.command("trend-snapshot")
def jobs_trend_snapshot() -> None:
    """Snapshot this week's interest-tag shares for the trend reports (daily)."""
    from trends.jobs import snapshot_trends_job

    click.echo(f"{snapshot_trends_job()} trend cells written.")


@jobs_group.command("deliver-notifications")
def jobs_deliver_notifications() -> None:
    """Route new notifications and send the emails and webhooks that are due."""
    from notifications.jobs import deliver_notifications_job

    report = deliver_notifications_job()
    click.echo(
        f"{report['routed']} notifications routed, {report['emails_sent']} emails sent, "
        f"{report['webhooks_delivered']} webhooks delivered."
    )
