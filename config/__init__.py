"""Settings: the one place that reads ``os.environ``, and the one place settings are documented.

Every operational setting is a typed, validated field of :class:`BaseConfig` (pydantic-settings),
read from the environment variable of the same name, with its one-line description; README's
configuration table is generated from these fields (``python -m config.docs``).
``load_config()`` picks the class: production when ``DANDELION_ENV=production`` (an explicit
choice), embedded otherwise, and turns any bad value into a :class:`ConfigError` naming it.
"""

from __future__ import annotations

import copy
import os
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated, Any, ClassVar, Literal

import limits
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

SUPPORTED_PAYMENT_PROVIDERS = ("ledger", "stripe")
MODES = ("embedded", "production")

PositiveInt = Annotated[int, Field(ge=1)]
NonNegativeInt = Annotated[int, Field(ge=0)]
PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Fraction = Annotated[float, Field(allow_inf_nan=False)]  # bounds given per field
RateLimit = Annotated[str, Field(min_length=1)]  # flask-limiter's notation, checked below

# An empty variable counts as unset (``FOO= cmd`` in a shell), except these: an empty payments
# provider is a mistake, and money must not quietly move through the ledger because of it.
EMPTY_IS_A_VALUE = frozenset({"PAYMENTS_PROVIDER"})
# "none" (or 0) for these means no bound at all.
UNBOUNDED_SETTINGS = ("MATCH_MAX_ROUNDS", "MATCH_TOP_K")
UNBOUNDED_WORDS = ("none", "0")
RATE_LIMIT_SETTINGS = ("RATELIMIT_TOKENS", "RATELIMIT_SIGNUP", "RATELIMIT_LOGIN", "RATELIMIT_RESET")

# Flask, Flask-Talisman and flask-smorest keys that are part of the code, not of a deployment.
FLASK_CONSTANTS: dict[str, Any] = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "TESTING": False,
    "API_TITLE": "Dandelion API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": "/api/v1/static/swagger-ui/",
    "API_SPEC_OPTIONS": {
        "info": {
            "description": (
                "Dandelion's HTTP API: brands post campaigns, creators opt in to paid "
                "collaborations, operators run the weekly matching. Money is always "
                "`{amount: integer minor units, currency: ISO 4217}`. Errors share one "
                "shape: `{code, status, message, errors: {field: [messages]}}`."
            )
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
            }
        },
    },
}


class ConfigError(RuntimeError):
    """A required setting is missing or malformed."""


# The variables this process reads: the real environment, or the mapping given to load_config.
_variables: ContextVar[Mapping[str, str] | None] = ContextVar("dandelion_settings", default=None)


class EnvironmentSource(PydanticBaseSettingsSource):
    """Each field from the environment variable of the same (case-sensitive) name."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        given = _variables.get()
        self.variables: Mapping[str, str] = os.environ if given is None else given

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        raw = self.variables.get(field_name)
        if raw == "" and field_name not in EMPTY_IS_A_VALUE:
            raw = None
        return raw, field_name, False

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            raw, _, _ = self.get_field_value(field, name)
            if raw is not None:
                values[name] = raw
        return values


class BaseConfig(BaseSettings):
    """Settings shared by every mode; each field is an environment variable and a Flask key."""

    model_config = SettingsConfigDict(case_sensitive=True, extra="ignore", validate_default=True)

    MODE: ClassVar[str | None] = None
    # Flask's own cookie flag follows the mode; not a variable (production always wants it).
    SESSION_COOKIE_SECURE: ClassVar[bool] = False

    # -- mode and services ------------------------------------------------------------------
    DANDELION_ENV: Literal["embedded", "production"] = Field(
        "embedded",
        description="`production` needs `SECRET_KEY` and `DATABASE_URL` and turns on secure "
        "cookies and HSTS",
    )
    DATABASE_URL: str | None = Field(
        None,
        description="SQLAlchemy URL, e.g. `postgresql://user@host/dandelion`; unset: a SQLite "
        "file in `instance/`",
    )
    REDIS_URL: str | None = Field(
        None,
        description="RQ's queue and the rate limiter's storage; unset: jobs run in-process",
    )
    SECRET_KEY: str = Field(
        "",
        description="signs sessions; required in production (embedded: generated into "
        "`instance/secret_key`)",
    )
    # -- payments ---------------------------------------------------------------------------
    PAYMENTS_PROVIDER: Literal["ledger", "stripe"] = Field(
        "ledger",
        description="`ledger` (money moves only in our books) or `stripe` (Stripe Connect)",
    )
    STRIPE_SECRET_KEY: str | None = Field(
        None, description="Stripe API key; required with `stripe`"
    )
    STRIPE_WEBHOOK_SECRET: str | None = Field(
        None, description="verifies Stripe's webhook signatures; required with `stripe`"
    )
    STRIPE_API_BASE: str = Field(
        "https://api.stripe.com",
        pattern=r"^https?://\S+$",
        description="where the Stripe SDK sends requests (point it at a stand-in to test)",
    )
    STRIPE_TIMEOUT_S: PositiveFloat = Field(30.0, description="seconds per Stripe request")
    STRIPE_MAX_NETWORK_RETRIES: NonNegativeInt = Field(
        2, description="the Stripe SDK's retries of a failed request (same idempotency key)"
    )
    PLATFORM_FEE_BPS: int = Field(
        1000,
        ge=0,
        le=10_000,
        description="platform fee in basis points (1000 = 10 %), added on top of creators' prices",
    )
    # -- mail and links ----------------------------------------------------------------------
    SMTP_URL: str | None = Field(
        None,
        description="where email goes, e.g. `smtp://127.0.0.1:1025`, `smtp+starttls://user:pass@"
        "host:587`, `smtps://host:465`; unset: notifications are kept and shown but not mailed",
    )
    MAIL_FROM: str = Field(
        "Dandelion <no-reply@dandelion.localhost>", description="the From of every email"
    )
    PUBLIC_URL: str = Field(
        "http://127.0.0.1:5000",
        pattern=r"^https?://[^/\s]+(/[^\s]*)?$",
        description="the address people reach Dandelion at; links in emails start with it",
    )
    WEBHOOK_TIMEOUT_S: PositiveFloat = Field(
        5.0, description="seconds to wait for a webhook endpoint's answer before counting a failure"
    )
    WEBHOOK_DISABLE_AFTER_FAILURES: PositiveInt = Field(
        10,
        description="consecutive failed webhook attempts after which an endpoint is disabled "
        "(until its owner re-enables it)",
    )
    # -- accounts and HTTP ------------------------------------------------------------------
    TOKEN_TTL_HOURS: PositiveInt = Field(24 * 7, description="lifetime of API bearer tokens")
    ARGON2_TIME_COST: PositiveInt = Field(
        3, description="argon2id passes per password hash (RFC 9106's second recommendation)"
    )
    ARGON2_MEMORY_KIB: int = Field(
        64 * 1024,
        ge=32,  # argon2 needs 8 KiB per lane; argon2-cffi hashes with 4 lanes
        description="argon2id memory per password hash, in KiB",
    )
    MAX_CONTENT_LENGTH: PositiveInt = Field(
        256 * 1024, description="largest request body in bytes (larger: 413)"
    )
    HSTS_ENABLED: bool = Field(
        False,
        description="`Strict-Transport-Security` on requests that came over HTTPS (the load "
        "balancer's `X-Forwarded-Proto: https`; nothing is redirected)",
    )
    HSTS_MAX_AGE_S: NonNegativeInt = Field(365 * 24 * 3600, description="HSTS `max-age`")
    READ_CACHE_MAX_BODIES: NonNegativeInt = Field(
        1024,
        description="creators' profile and inbox bodies each process keeps and sends again "
        "until a write they show (`collaborations/read_cache.py`); 0: none, every read goes to "
        "the database",
    )
    # -- rate limits (flask-limiter notation: "10 per minute", "5/second;100/day") ----------
    RATELIMIT_STORAGE_URI: str = Field(
        "memory://",
        pattern=r"^[a-z][a-z0-9+.-]*://",
        description="where rate limits are counted; unset: `REDIS_URL` when set, else memory",
    )
    RATELIMIT_TOKENS: RateLimit = Field(
        "10 per minute", description="`POST /api/v1/tokens` (log-ins) per client address"
    )
    RATELIMIT_SIGNUP: RateLimit = Field(
        "20 per hour", description="sign-ups (API and dashboard) per client address"
    )
    RATELIMIT_LOGIN: RateLimit = Field(
        "10 per minute", description="dashboard log-in attempts per client address"
    )
    RATELIMIT_RESET: RateLimit = Field(
        "10 per hour", description="password reset requests per client address"
    )
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED: bool = Field(
        True,
        description="Redis down: count limits in each process's memory until it answers again",
    )
    # -- offers and matching ----------------------------------------------------------------
    OFFER_TTL_DAYS: PositiveInt = Field(7, description="how long a creator has to answer an offer")
    MATCH_TIME_LIMIT_S: PositiveFloat = Field(
        60.0, description="the optimiser's time limit per run, in seconds"
    )
    MATCH_INCREMENTAL: bool = Field(
        True,
        description="publishing a campaign or a creator opting in starts an incremental run at "
        "once (`false`: they wait for the weekly run)",
    )
    MATCH_INCREMENTAL_TIME_LIMIT_S: PositiveFloat = Field(
        10.0, description="the optimiser's time limit for an incremental run, in seconds"
    )
    MATCH_WORKERS: PositiveInt = Field(2, description="threads the optimiser may use")
    MATCH_SHARDS: PositiveInt = Field(
        1, description="split a run into this many shards, solved as parallel RQ jobs"
    )
    MATCH_SEED: NonNegativeInt = Field(
        0, description="the optimiser's random seed: a run is reproducible for its seed"
    )
    MATCH_MAX_ROUNDS: PositiveInt | None = Field(
        200,
        description="bounds the search so a run is reproducible (`none`: search until the "
        "time limit)",
    )
    MATCH_MIN_FIT: Fraction = Field(
        0.25,
        gt=0,
        le=1,
        description='the audience fit below which a creator is never offered (README, "How matching works")',
    )
    MATCH_MAX_SPONSORED_SHARE: Fraction = Field(
        0.5,
        ge=0,
        le=1,
        description="a creator whose recent posts are more sponsored than this share gets no "
        "offers",
    )
    MATCH_TOP_K: PositiveInt | None = Field(
        200,
        description="candidate creators per campaign that pricing starts from, best first; "
        "pricing then adds any pair worth more (`none`: every eligible one from the start)",
    )
    MATCH_MAX_OFFERS_PER_WEEK: PositiveInt = Field(
        3, description="the most new offers one creator receives in a week, every channel counted"
    )
    MATCH_FAIR_EXPOSURE: bool = Field(
        True,
        description="widen who gets offers (more distinct creators, less concentrated spend) "
        "at a bounded value cost",
    )
    MATCH_FAIR_EXPOSURE_MAX_COST: Fraction = Field(
        0.01,
        ge=0,
        lt=1,
        description="the share of a run's value fair exposure may cost",
    )
    MATCH_KOC_MAX_FOLLOWERS: PositiveInt = Field(
        50_000, description="creators with at most this many followers count as small (KOCs)"
    )
    # -- authenticity, approvals, open calls ------------------------------------------------
    SPONSORED_SHARE_WINDOW_DAYS: PositiveInt = Field(
        30, description="days of a creator's posts their sponsored share is measured over"
    )
    AUTO_APPROVE_DAYS: PositiveInt = Field(
        14, description="a delivered post not reviewed within this many days is approved and paid"
    )
    MAX_REJECTIONS: NonNegativeInt = Field(
        2,
        description="a post rejected more than this many times goes to the operators' dispute "
        "queue",
    )
    OPEN_CALL_MAX_DAYS: PositiveInt = Field(
        30, description="the longest a brand may keep an open call open"
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Explicit keyword values first, then the environment; no dotenv or secrets files."""
        return (init_settings, EnvironmentSource(settings_cls))

    @field_validator("DANDELION_ENV", mode="before")
    @classmethod
    def _mode_in_any_case(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator(*UNBOUNDED_SETTINGS, mode="before")
    @classmethod
    def _none_is_unbounded(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in UNBOUNDED_WORDS:
            return None
        return value

    @field_validator(*RATE_LIMIT_SETTINGS)
    @classmethod
    def _a_rate_limit(cls, value: str) -> str:
        try:
            limits.parse_many(value)
        except ValueError as exc:
            raise ValueError(f"not a rate limit like '10 per minute' ({exc})") from exc
        return value

    @field_validator("DATABASE_URL")
    @classmethod
    def _a_database_url(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                make_url(value)
            except ArgumentError as exc:
                raise ValueError("not a database URL like postgresql://user@host/db") from exc
        return value

    @field_validator("MAIL_FROM")
    @classmethod
    def _a_sender(cls, value: str) -> str:
        from email.utils import parseaddr

        if "@" not in parseaddr(value)[1]:
            raise ValueError("not an email address (e.g. `Dandelion <no-reply@example.com>`)")
        return value

    @field_validator("SMTP_URL")
    @classmethod
    def _an_smtp_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("smtp://", "smtps://", "smtp+starttls://")):
            raise ValueError("not an SMTP URL (smtp://, smtp+starttls:// or smtps://)")
        return value

    @field_validator("REDIS_URL")
    @classmethod
    def _a_redis_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("not a Redis URL (redis://, rediss:// or unix://)")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> BaseConfig:
        if self.MODE is not None and self.DANDELION_ENV != self.MODE:
            raise ConfigError(f"{type(self).__name__} is the {self.MODE} mode's settings")
        if self.REDIS_URL and "RATELIMIT_STORAGE_URI" not in self.model_fields_set:
            self.RATELIMIT_STORAGE_URI = self.REDIS_URL  # every process counts in one place
        if self.PAYMENTS_PROVIDER == "stripe" and not (
            self.STRIPE_SECRET_KEY and self.STRIPE_WEBHOOK_SECRET
        ):
            raise ConfigError(
                "PAYMENTS_PROVIDER=stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET"
            )
        if self.DANDELION_ENV == "production":
            missing = [n for n in ("SECRET_KEY", "DATABASE_URL") if not getattr(self, n)]
            if missing:
                raise ConfigError(f"production mode needs {', '.join(missing)}")
        return self

    def as_flask_config(self) -> dict[str, Any]:
        """Return the settings as a mapping for ``app.config.from_mapping``."""
        return {
            **copy.deepcopy(FLASK_CONSTANTS),
            "SESSION_COOKIE_SECURE": self.SESSION_COOKIE_SECURE,
            **self.model_dump(),
        }


class EmbeddedConfig(BaseConfig):
    """The default: SQLite in the instance folder, in-process jobs, ledger-only payments."""

    MODE: ClassVar[str | None] = "embedded"


class ProductionConfig(BaseConfig):
    """PostgreSQL, Redis, secure cookies and HSTS; refuses to start without its secrets."""

    MODE: ClassVar[str | None] = "production"
    SESSION_COOKIE_SECURE: ClassVar[bool] = True

    DANDELION_ENV: Literal["embedded", "production"] = Field(
        "production", description=BaseConfig.model_fields["DANDELION_ENV"].description
    )
    HSTS_ENABLED: bool = Field(
        True, description=BaseConfig.model_fields["HSTS_ENABLED"].description
    )


@contextmanager
def _reading(env: Mapping[str, str] | None) -> Iterator[None]:
    token = _variables.set(env)
    try:
        yield
    finally:
        _variables.reset(token)


def _describe(error: ValidationError) -> str:
    """One line per bad variable: its name, what is wrong, and the value given."""
    lines = []
    for item in error.errors(include_url=False):
        name = ".".join(str(part) for part in item["loc"]) or "settings"
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"{name}: {message[:1].lower()}{message[1:]}, got {item['input']!r}")
    return "; ".join(lines)


def load_config(env: Mapping[str, str] | None = None) -> BaseConfig:
    """Build the settings for this process from the environment (or ``env``), read once here."""
    variables = os.environ if env is None else env
    mode = (variables.get("DANDELION_ENV") or "").strip().lower()
    cls = ProductionConfig if mode == "production" else EmbeddedConfig
    if mode and mode not in MODES:
        # A typo ("prod") must not quietly start the embedded mode on a production machine.
        raise ConfigError(f"DANDELION_ENV must be one of {', '.join(MODES)}, got {mode!r}")
    try:
        with _reading(env):
            return cls()
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


def embedded_secret(instance_path: str) -> str:
    """Return the embedded mode's generated secret, kept in the instance folder."""
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        os.makedirs(instance_path, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    with open(path) as fh:
        return fh.read().strip()
