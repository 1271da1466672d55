"""Settings: the one place that reads ``os.environ``.

``load_config()`` picks the settings class: production when ``DANDELION_ENV=production``
(an explicit choice), embedded otherwise.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from typing import Any

SUPPORTED_PAYMENT_PROVIDERS = ("ledger", "stripe")
MODES = ("embedded", "production")


class ConfigError(RuntimeError):
    """A required setting is missing or malformed."""


def _float(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc
    if not value > 0:
        raise ConfigError(f"{name} must be positive, got {raw!r}")
    return value


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


@dataclass
class BaseConfig:
    """Settings shared by every mode; values are plain Flask config keys."""

    SECRET_KEY: str = ""
    DATABASE_URL: str | None = None
    REDIS_URL: str | None = None
    PAYMENTS_PROVIDER: str = "ledger"
    STRIPE_SECRET_KEY: str | None = None
    STRIPE_WEBHOOK_SECRET: str | None = None
    STRIPE_API_BASE: str = "https://api.stripe.com"
    STRIPE_TIMEOUT_S: float = 30.0
    STRIPE_MAX_NETWORK_RETRIES: int = 2  # the SDK retries with the same idempotency key
    PLATFORM_FEE_BPS: int = 1000
    TOKEN_TTL_HOURS: int = 24 * 7
    ARGON2_TIME_COST: int = 3  # argon2-cffi's defaults (RFC 9106, second recommendation)
    ARGON2_MEMORY_KIB: int = 64 * 1024
    MAX_CONTENT_LENGTH: int = 256 * 1024
    OFFER_TTL_DAYS: int = 7
    MATCH_TIME_LIMIT_S: float = 60.0
    # Publishing a campaign, or a creator opting in, starts an incremental match run at once
    # (off: everything waits for the weekly run).
    MATCH_INCREMENTAL: bool = True
    MATCH_INCREMENTAL_TIME_LIMIT_S: float = 10.0  # one campaign or creator vs the residual market
    MATCH_WORKERS: int = 2
    MATCH_SHARDS: int = 1  # > 1 splits a run into shards solved as parallel RQ jobs
    MATCH_SEED: int = 0
    MATCH_MAX_ROUNDS: int | None = 200  # bounds the search so a run is reproducible
    MATCH_MIN_FIT: float = 0.25  # matching.market.fit.DEFAULT_MIN_FIT; README explains it
    MATCH_MAX_SPONSORED_SHARE: float = 0.5
    MATCH_TOP_K: int | None = 200
    MATCH_MAX_OFFERS_PER_WEEK: int = 3
    RATELIMIT_STORAGE_URI: str = "memory://"
    RATELIMIT_TOKENS: str = "10 per minute"
    RATELIMIT_SIGNUP: str = "20 per hour"
    RATELIMIT_LOGIN: str = "10 per minute"  # dashboard log-in attempts per address
    RATELIMIT_RESET: str = "10 per hour"  # password resets per address
    # Redis down: count limits in each process's memory until it answers again (no 500s).
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED: bool = True
    HSTS_ENABLED: bool = False  # Strict-Transport-Security on HTTPS requests; production only
    HSTS_MAX_AGE_S: int = 365 * 24 * 3600
    SESSION_COOKIE_HTTPONLY: bool = True
    SESSION_COOKIE_SAMESITE: str = "Lax"
    SESSION_COOKIE_SECURE: bool = False
    TESTING: bool = False
    API_TITLE: str = "Dandelion API"
    API_VERSION: str = "v1"
    OPENAPI_VERSION: str = "3.0.3"
    OPENAPI_URL_PREFIX: str = "/api/v1"
    OPENAPI_JSON_PATH: str = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH: str = "docs"
    OPENAPI_SWAGGER_UI_URL: str = "/api/v1/static/swagger-ui/"
    API_SPEC_OPTIONS: dict[str, Any] = field(
        default_factory=lambda: {
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
        }
    )

    def as_flask_config(self) -> dict[str, Any]:
        """Return the settings as a mapping for ``app.config.from_mapping``."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class EmbeddedConfig(BaseConfig):
    """The default: SQLite in the instance folder, in-process jobs, ledger-only payments."""


@dataclass
class ProductionConfig(BaseConfig):
    """PostgreSQL, Redis, secure cookies; refuses to start without its secrets."""

    SESSION_COOKIE_SECURE: bool = True
    HSTS_ENABLED: bool = True


def load_config(env: dict[str, str] | None = None) -> BaseConfig:
    """Build the settings for this process from the environment (read once, here)."""
    env = dict(os.environ if env is None else env)
    mode = (env.get("DANDELION_ENV") or "embedded").strip().lower()
    if mode not in MODES:
        # A typo ("prod") must not quietly start the embedded mode on a production machine.
        raise ConfigError(f"DANDELION_ENV must be one of {', '.join(MODES)}, got {mode!r}")
    production = mode == "production"
    cls = ProductionConfig if production else EmbeddedConfig
    cfg = cls()
    cfg.DATABASE_URL = env.get("DATABASE_URL") or None
    cfg.REDIS_URL = env.get("REDIS_URL") or None
    cfg.SECRET_KEY = env.get("SECRET_KEY", "")
    cfg.PAYMENTS_PROVIDER = env.get("PAYMENTS_PROVIDER", "ledger")
    cfg.STRIPE_SECRET_KEY = env.get("STRIPE_SECRET_KEY") or None
    cfg.STRIPE_WEBHOOK_SECRET = env.get("STRIPE_WEBHOOK_SECRET") or None
    cfg.STRIPE_API_BASE = env.get("STRIPE_API_BASE") or cfg.STRIPE_API_BASE
    cfg.PLATFORM_FEE_BPS = _int(env, "PLATFORM_FEE_BPS", cfg.PLATFORM_FEE_BPS)
    cfg.TOKEN_TTL_HOURS = _int(env, "TOKEN_TTL_HOURS", cfg.TOKEN_TTL_HOURS)
    cfg.OFFER_TTL_DAYS = _int(env, "OFFER_TTL_DAYS", cfg.OFFER_TTL_DAYS)
    cfg.MATCH_TIME_LIMIT_S = float(_int(env, "MATCH_TIME_LIMIT_S", int(cfg.MATCH_TIME_LIMIT_S)))
    cfg.MATCH_INCREMENTAL = _bool(env, "MATCH_INCREMENTAL", cfg.MATCH_INCREMENTAL)
    cfg.MATCH_INCREMENTAL_TIME_LIMIT_S = _float(
        env, "MATCH_INCREMENTAL_TIME_LIMIT_S", cfg.MATCH_INCREMENTAL_TIME_LIMIT_S
    )
    cfg.MATCH_MIN_FIT = _float(env, "MATCH_MIN_FIT", cfg.MATCH_MIN_FIT)
    if cfg.MATCH_MIN_FIT > 1:
        raise ConfigError(f"MATCH_MIN_FIT must be in (0, 1], got {cfg.MATCH_MIN_FIT}")
    cfg.MATCH_WORKERS = _int(env, "MATCH_WORKERS", cfg.MATCH_WORKERS)
    cfg.MATCH_SHARDS = _int(env, "MATCH_SHARDS", cfg.MATCH_SHARDS)
    cfg.MATCH_SEED = _int(env, "MATCH_SEED", cfg.MATCH_SEED)
    if env.get("MATCH_MAX_ROUNDS", "").lower() in ("none", "0"):
        cfg.MATCH_MAX_ROUNDS = None  # search until the time limit
    elif env.get("MATCH_MAX_ROUNDS"):
        cfg.MATCH_MAX_ROUNDS = _int(env, "MATCH_MAX_ROUNDS", 200)
    if cfg.REDIS_URL:
        cfg.RATELIMIT_STORAGE_URI = cfg.REDIS_URL
    cfg.HSTS_ENABLED = _bool(env, "HSTS_ENABLED", cfg.HSTS_ENABLED)
    cfg.HSTS_MAX_AGE_S = _int(env, "HSTS_MAX_AGE_S", cfg.HSTS_MAX_AGE_S)
    if cfg.PAYMENTS_PROVIDER not in SUPPORTED_PAYMENT_PROVIDERS:
        raise ConfigError(
            f"PAYMENTS_PROVIDER must be one of {', '.join(SUPPORTED_PAYMENT_PROVIDERS)}"
        )
    if not 0 <= cfg.PLATFORM_FEE_BPS <= 10_000:
        raise ConfigError("PLATFORM_FEE_BPS must be between 0 and 10000")
    if cfg.PAYMENTS_PROVIDER == "stripe" and not (
        cfg.STRIPE_SECRET_KEY and cfg.STRIPE_WEBHOOK_SECRET
    ):
        raise ConfigError(
            "PAYMENTS_PROVIDER=stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET"
        )
    if production:
        missing = [n for n in ("SECRET_KEY", "DATABASE_URL") if not getattr(cfg, n)]
        if missing:
            raise ConfigError(f"production mode needs {', '.join(missing)}")
    return cfg


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
