"""Operators' taxonomy commands: ``flask --app app taxonomy list|add-category|add-tag|...``.

Each change commits at once and bumps the taxonomy's version, so every running web process
uses it from its next request.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from core.db import session_scope
from core.errors import DomainError
from extensions import db
from taxonomy import services


@click.group("taxonomy", cls=AppGroup)
def taxonomy_group() -> None:
    """The categories and interest tags profiles and campaigns use."""


def _names(name: str, translations: tuple[str, ...]) -> dict[str, str]:
    names = {"en": name}
    for item in translations:
        lang, sep, text = item.partition("=")
        if not sep:
            raise click.BadParameter("use LANG=NAME, e.g. de=Kaffee", param_hint="--name-in")
        names[lang.strip()] = text
    return names


def _run(change: str, fn, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
    try:
        with session_scope(db.session_factory) as session:
            fn(session, *args, **kwargs)
            version = services.current_version(session)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"{change} (taxonomy version {version}).")


@taxonomy_group.command("list")
@click.option("--retired/--no-retired", default=True, help="Show retired entries (default).")
def list_taxonomy(retired: bool) -> None:
    """Every category with its tags; retired ones are marked."""
    with session_scope(db.session_factory) as session:
        taxonomy = services.load_taxonomy(session)
    click.echo(f"Taxonomy version {taxonomy.version}: {len(taxonomy.active_categories)} "
               f"categories, {len(taxonomy.active_tags)} interest tags active.")  # fmt: skip
    for category in taxonomy.categories:
        if not category.active and not retired:
            continue
        mark = "" if category.active else " [retired]"
        click.echo(f"{category.slug}{mark} — {category.name()}")
        for tag in taxonomy.tags:
            if tag.category == category.slug and (tag.active or retired):
                click.echo(f"  {tag.slug}{'' if tag.active else ' [retired]'} — {tag.name()}")


@taxonomy_group.command("add-category")
@click.argument("slug")
@click.option("--name", required=True, help="English display name.")
@click.option("--name-in", "translations", multiple=True, metavar="LANG=NAME")
def add_category(slug: str, name: str, translations: tuple[str, ...]) -> None:
    """Add a campaign category."""
    _run(f"Category {slug} added", services.add_category, slug, _names(name, translations))


@taxonomy_group.command("add-tag")
@click.argument("slug")
@click.option("--category", required=True, help="The parent category's slug.")
@click.option("--name", required=True, help="English display name.")
@click.option("--name-in", "translations", multiple=True, metavar="LANG=NAME")
def add_tag(slug: str, category: str, name: str, translations: tuple[str, ...]) -> None:
    """Add an interest tag under a category."""
    _run(f"Interest tag {slug} added", services.add_tag, slug, category, _names(name, translations))


@taxonomy_group.command("retire-tag")
@click.argument("slug")
def retire_tag(slug: str) -> None:
    """Retire a tag: stored profiles keep it (and it counts in the fit); new writes cannot."""
    _run(f"Interest tag {slug} retired", services.set_tag_active, slug, False)


@taxonomy_group.command("restore-tag")
@click.argument("slug")
def restore_tag(slug: str) -> None:
    """Make a retired tag choosable again."""
    _run(f"Interest tag {slug} restored", services.set_tag_active, slug, True)


@taxonomy_group.command("retire-category")
@click.argument("slug")
def retire_category(slug: str) -> None:
    """Retire a category: campaigns and creators that have it keep it; new writes cannot."""
    _run(f"Category {slug} retired", services.set_category_active, slug, False)


@taxonomy_group.command("restore-category")
@click.argument("slug")
def restore_category(slug: str) -> None:
    """Make a retired category choosable again."""
    _run(f"Category {slug} restored", services.set_category_active, slug, True)


@taxonomy_group.command("seed")
def seed() -> None:
    """Add the default categories and tags that are missing (changes nothing else)."""
    with session_scope(db.session_factory) as session:
        added = services.seed_default_taxonomy(session)
    click.echo(f"{added} default entries added.")
