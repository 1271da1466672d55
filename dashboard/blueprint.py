"""The dashboard blueprint, its CSRF check, error pages and caching policy.

Security headers (CSP, nosniff, frames, referrer, HSTS) are set app-wide by Talisman in
``app.init_security_headers``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
)
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from core.errors import DomainError
from core.fit_words import fit_label
from core.money import (
    DEFAULT_LOCALE,
    SUPPORTED_LOCALES,
    Money,
    format_major,
    format_number,
    negotiate_locale,
)
from core.weeks import week_of

bp = Blueprint(
    "dashboard",
    __name__,
    url_prefix="/dashboard",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
csrf = CSRFProtect()

MAX_PAGE = 100_000  # beyond any real list; keeps OFFSET within what databases accept


def page_arg() -> int:
    """The ``?page=`` number: 1 when missing or not a number, never past ``MAX_PAGE``."""
    raw = request.args.get("page", "1")
    return min(max(1, int(raw)), MAX_PAGE) if raw.isdigit() else 1


def discard_changes() -> None:
    """Roll back what a refused service call flushed: a redirect (< 400) would commit it."""
    session = g.get("db_session")
    if session is not None:
        session.rollback()


def flash_domain_error(exc: DomainError) -> None:
    """Show a refused operation's message (and its per-field messages) on the next page."""
    flash(exc.message, "error")
    for field, messages in exc.errors.items():
        if field == "rule":  # a guardrail's name is for API clients; the message says why
            continue
        for message in messages:
            flash(f"{field.replace('_', ' ')}: {message}", "error")


def safe_next(url: str | None) -> str | None:
    """``url`` if it points into the dashboard on this site, else ``None`` (no open redirects)."""
    if not url:
        return None
    parts = urlsplit(url)
    if (parts.scheme or parts.netloc) and parts.netloc != request.host:
        return None
    path = parts.path
    if not path.startswith("/dashboard") or path.startswith("//"):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def current_locale() -> str:
    """The locale the brand reads and writes amounts in: the one chosen in Settings, else
    their browser's Accept-Language matched against ``core.money.SUPPORTED_LOCALES``
    (``en_US`` when nothing matches)."""
    if not has_request_context():
        return DEFAULT_LOCALE
    locale = g.get("locale")
    if locale is None:
        locale = _brand_setting() or negotiate_locale(
            [lang for lang, _ in request.accept_languages]
        )
        g.locale = locale
    return str(locale)


def browser_locale() -> str:
    """The locale the browser's Accept-Language asks for, of those we support."""
    return negotiate_locale([lang for lang, _ in request.accept_languages])


def _brand_setting() -> str | None:
    """The logged-in brand's chosen locale (Settings), if it chose one."""
    from flask_login import current_user

    if not current_user or not current_user.is_authenticated or not current_user.is_brand:
        return None
    brand = current_user.account.brand
    return brand.locale if brand is not None and brand.locale in SUPPORTED_LOCALES else None


@bp.app_context_processor
def _locale_context() -> dict[str, Any]:
    return {"locale": current_locale()}


@bp.before_request
def _check_csrf() -> None:
    if request.method in current_app.config["WTF_CSRF_METHODS"]:
        csrf.protect()


@bp.after_request
def _no_store(response: Response) -> Response:
    if request.endpoint != "dashboard.static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _error_page(status: int, title: str, message: str, **extra: Any) -> tuple[str, int]:
    return render_template(
        "dashboard/error.html", status=status, title=title, message=message, **extra
    ), status


@bp.app_template_filter("money")
def money_filter(amount: int | None, currency: str) -> str:
    """``€1,250.00`` (en_US) or ``1.250,00 €`` (de_DE) from minor units, in the brand's locale."""
    return Money(int(amount or 0), currency).format(current_locale())


@bp.app_template_filter("money_major")
def money_major_filter(value: float | None, currency: str) -> str:
    """A cost per person in major units (``€0.012``) in the brand's locale."""
    return "—" if value is None else format_major(value, currency, current_locale())


@bp.app_template_filter("num")
def num_filter(value: float | int | None, digits: int = 0) -> str:
    """A count as the brand's locale writes it (``12,000`` / ``12.000``)."""
    return "—" if value is None else format_number(value, current_locale(), digits)


@bp.app_template_filter("fit_label")
def fit_label_filter(fit: float | None) -> str:
    """``strong`` / ``good`` / ``weak`` (thresholds in ``core.fit_words``)."""
    return fit_label(None if fit is None else float(fit))


@bp.app_template_filter("week_of")
def week_of_filter(week: str | None) -> str:
    """``week of 7 Dec 2026`` from an ISO week (``2026-W49``); the text as is otherwise."""
    return week_of(week)


@bp.app_template_filter("pct")
def pct_filter(share: float | None, digits: int = 0) -> str:
    """``42 %`` from a share (0.42)."""
    if share is None:
        return "—"
    return f"{share * 100:.{digits}f} %"


@bp.errorhandler(CSRFError)
def _csrf_error(exc: CSRFError) -> tuple[str, int]:
    return _error_page(
        400,
        "This form could not be accepted",
        "The form expired or was not sent from a Dandelion page. Go back, reload the page and "
        "send it again.",
    )


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError) -> Any:
    """A refused operation: 404 pages for missing (or other tenants') objects; otherwise the
    message is flashed on the page the user came from."""
    if exc.status in (401, 403, 404):
        titles = {401: "Please log in", 403: "Not for this account", 404: "Not found"}
        return _error_page(exc.status, titles[exc.status], exc.message)
    discard_changes()
    flash_domain_error(exc)
    return redirect(safe_next(request.referrer) or request.path, code=303)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Any:
    if exc.code == 429:
        page = _error_page(
            429,
            "Too many attempts",
            f"Please wait a minute before trying again ({exc.description}).",
        )
        return page
    if exc.code in (401, 403, 404, 405):
        return _error_page(exc.code or 500, exc.name, str(exc.description))
    return exc
