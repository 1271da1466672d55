"""Operators' command line: ``flask --app app <group> <command>``."""

from __future__ import annotations

import os

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from marshmallow import ValidationError, validate

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


@click.group("db", cls=AppGroup)
def db_group() -> None:
    """Database schema migrations (Alembic)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    command.upgrade(alembic_config(current_app.config["SQLALCHEMY_URL"]), revision)


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the database back to REVISION (e.g. ``-1`` or ``base``)."""
    command.downgrade(alembic_config(current_app.config["SQLALCHEMY_URL"]), revision)


@db_group.command("current")
def db_current() -> None:
    """Show the database's revision."""
    command.current(alembic_config(current_app.config["SQLALCHEMY_URL"]))


@click.group("accounts", cls=AppGroup)
def accounts_group() -> None:
    """Accounts that only operators create."""


@accounts_group.command("create-operator")
@click.option("--email", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True)
def create_operator(email: str, password: str) -> None:
    """Create an operator account."""
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


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Seed a small believable market (safe to run twice)."""
    from demo.seed import seed_demo

    with session_scope(db.session_factory) as session:
        summary = seed_demo(session)
    click.echo(summary)


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
