"""Operators' command line: ``flask --app app <group> <command>``."""

from __future__ import annotations

import os

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app

from accounts import services as accounts
from core.db import session_scope
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


@click.group("db")
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


@click.group("accounts")
def accounts_group() -> None:
    """Accounts that only operators create."""


@accounts_group.command("create-operator")
@click.option("--email", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True)
def create_operator(email: str, password: str) -> None:
    """Create an operator account."""
    if len(password) < 10:
        raise click.BadParameter("at least 10 characters", param_hint="--password")
    with session_scope(db.session_factory) as session:
        account = accounts.create_operator(session, email=email, password=password)
        click.echo(f"Operator {account.email} created (id {account.id}).")


@click.command("demo")
def demo_command() -> None:
    """Seed a small believable market (safe to run twice)."""
    from demo.seed import seed_demo

    with session_scope(db.session_factory) as session:
        summary = seed_demo(session)
    click.echo(summary)
