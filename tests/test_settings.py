"""Every setting in ``config.BaseConfig`` is read from its environment variable and acted on.

For each setting: a valid non-default value in the process environment reaches the loaded
settings, the app's config, and the code that reads it (the match-run settings, the offer
guardrails, the limiter, the payment provider, Talisman, the password hasher...). A few of the
settings that used to be ignored also change an outcome through the API. Every setting that
can be malformed is refused with a ConfigError naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request
from sqlalchemy import func, select

import accounts.services
from accounts.models import Creator
from app import create_app
from collaborations.guardrails import OfferRules
from collaborations.models import Offer
from config import BaseConfig, ConfigError, EmbeddedConfig, load_config
from extensions import limiter, payment_provider
from matching.jobs import run_settings
from matching.models import MatchRun
from matching.runs import iso_week
from notifications.delivery import DeliverySettings
from queueing import get_queue
from tests.conftest import PASSWORD, REDIS_URL, ApiUser, operator_user
from tests.factories import profile_body, update_row

SETTINGS = tuple(BaseConfig.model_fields)
FAST_HASHING_ENV = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024"}
STRIPE_ENV = {
    "PAYMENTS_PROVIDER": "stripe",
    "STRIPE_SECRET_KEY": "sk_test_settings",
    "STRIPE_WEBHOOK_SECRET": "whsec_settings",
}
REDIS_DB = int(REDIS_URL.rsplit("/", 1)[1])  # clients are built, nothing is written

Probe = Callable[[Flask], Any]


def _stripe_options(app: Flask) -> Any:
    """The Stripe SDK client's request options (its own objects: nothing public exposes them)."""
    return payment_provider().client._requestor._options


def _queue_db(app: Flask) -> int:
    """The Redis database the app's RQ queues use."""
    queue = get_queue("default", app)
    assert queue is not None
    return int(queue.connection.connection_pool.connection_kwargs["db"])


def _limit(view_module: str, name: str) -> Probe:
    """The limit string a view's limiter decorator evaluates, in a request to that app."""

    def probe(app: Flask) -> str:
        module = __import__(view_module, fromlist=[name])
        with app.test_request_context("/"):
            return str(getattr(module, name)())

    return probe


def _config(name: str) -> Probe:
    return lambda app: app.config[name]


def _policy(name: str) -> Probe:
    return lambda app: getattr(run_settings().policy, name)


def _run(name: str) -> Probe:
    return lambda app: getattr(run_settings(), name)


def _rules(name: str) -> Probe:
    return lambda app: getattr(OfferRules.from_config(app.config), name)


def _delivery(app: Flask) -> Any:
    """What a notification sweep reads from this app's configuration."""
    return DeliverySettings.from_config(app.config)


def _talisman(name: str) -> Probe:
    return lambda app: getattr(app.extensions["dandelion.talisman"], name)


@dataclass(frozen=True)
class Case:
    """A valid non-default value for one variable, and what the code reading it must see.

    ``raw`` may name ``{db}`` (the test database) or ``{tmp}`` (a scratch folder).
    ``readers``: (probe, expected) pairs, each probe run in an app context of the app built
    from the environment; ``env``: other variables the value needs.
    """

    raw: str
    value: Any
    readers: tuple[tuple[Probe, Any], ...] = ()
    env: tuple[tuple[str, str], ...] = ()


CASES: dict[str, Case] = {
    "DANDELION_ENV": Case(
        "production",
        "production",
        readers=(
            (_config("SESSION_COOKIE_SECURE"), True),
            (_talisman("strict_transport_security"), True),
            (_talisman("session_cookie_secure"), True),
        ),
        env=(("SECRET_KEY", "s3cret"),),
    ),
    "DATABASE_URL": Case(
        "sqlite:///{tmp}/other.sqlite",
        "sqlite:///{tmp}/other.sqlite",
        readers=(
            (
                lambda app: app.extensions["dandelion.db"].engine.url.render_as_string(),
                "sqlite:///{tmp}/other.sqlite",
            ),
        ),
    ),
    "REDIS_URL": Case(
        REDIS_URL,
        REDIS_URL,
        readers=(
            (_queue_db, REDIS_DB),
            (_config("RATELIMIT_STORAGE_URI"), REDIS_URL),
            (lambda app: type(limiter.storage).__name__, "RedisStorage"),
        ),
    ),
    "SECRET_KEY": Case(
        "from-the-environment",
        "from-the-environment",
        readers=((lambda app: app.secret_key, "from-the-environment"),),
    ),
    "PAYMENTS_PROVIDER": Case(
        "stripe",
        "stripe",
        readers=((lambda app: type(payment_provider()).__name__, "StripeProvider"),),
        env=tuple((k, v) for k, v in STRIPE_ENV.items() if k != "PAYMENTS_PROVIDER"),
    ),
    "STRIPE_SECRET_KEY": Case(
        "sk_test_from_env",
        "sk_test_from_env",
        readers=((lambda app: _stripe_options(app).api_key, "sk_test_from_env"),),
        env=(("PAYMENTS_PROVIDER", "stripe"), ("STRIPE_WEBHOOK_SECRET", "whsec_x")),
    ),
    "STRIPE_WEBHOOK_SECRET": Case(
        "whsec_from_env",
        "whsec_from_env",
        env=(("PAYMENTS_PROVIDER", "stripe"), ("STRIPE_SECRET_KEY", "sk_test_x")),
    ),
    "STRIPE_API_BASE": Case(
        "http://127.0.0.1:12111",
        "http://127.0.0.1:12111",
        readers=(
            (lambda app: _stripe_options(app).base_addresses["api"], "http://127.0.0.1:12111"),
        ),
        env=tuple(STRIPE_ENV.items()),
    ),
    "STRIPE_TIMEOUT_S": Case(
        "4.5",
        4.5,
        readers=((lambda app: payment_provider().client._requestor._client._timeout, 4.5),),
        env=tuple(STRIPE_ENV.items()),
    ),
    "STRIPE_MAX_NETWORK_RETRIES": Case(
        "0",
        0,
        readers=((lambda app: _stripe_options(app).max_network_retries, 0),),
        env=tuple(STRIPE_ENV.items()),
    ),
    "PLATFORM_FEE_BPS": Case("250", 250),
    "TOKEN_TTL_HOURS": Case("2", 2),
    "ARGON2_TIME_COST": Case(
        "2", 2, readers=((lambda app: accounts.services._hasher.time_cost, 2),)
    ),
    "ARGON2_MEMORY_KIB": Case(
        "2048", 2048, readers=((lambda app: accounts.services._hasher.memory_cost, 2048),)
    ),
    "MAX_CONTENT_LENGTH": Case(
        "4096",
        4096,
        readers=((lambda app: _in_request(app, lambda: request.max_content_length), 4096),),
    ),
    "HSTS_ENABLED": Case("true", True, readers=((_talisman("strict_transport_security"), True),)),
    "HSTS_MAX_AGE_S": Case(
        "600", 600, readers=((_talisman("strict_transport_security_max_age"), 600),)
    ),
    "READ_CACHE_MAX_BODIES": Case(
        "8", 8, readers=((lambda app: app.extensions["dandelion.read_bodies"].max_bodies, 8),)
    ),
    "RATELIMIT_STORAGE_URI": Case(
        REDIS_URL,
        REDIS_URL,
        readers=((lambda app: type(limiter.storage).__name__, "RedisStorage"),),
    ),
    "RATELIMIT_TOKENS": Case(
        "2 per minute",
        "2 per minute",
        readers=((_limit("api.accounts", "_token_limit"), "2 per minute"),),
    ),
    "RATELIMIT_SIGNUP": Case(
        "5/hour",
        "5/hour",
        readers=(
            (_limit("api.accounts", "_signup_limit"), "5/hour"),
            (_limit("dashboard.views.auth", "_signup_limit"), "5/hour"),
        ),
    ),
    "RATELIMIT_LOGIN": Case(
        "3 per second",
        "3 per second",
        readers=((_limit("dashboard.views.auth", "_login_limit"), "3 per second"),),
    ),
    "RATELIMIT_RESET": Case(
        "1 per day;5 per month",
        "1 per day;5 per month",
        readers=((_limit("dashboard.views.auth", "_reset_limit"), "1 per day;5 per month"),),
    ),
    # flask-limiter reads it once per process (its limiter is a module global): the config key
    # is what a production process starts with.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": Case("false", False),
    "OFFER_TTL_DAYS": Case(
        "3", 3, readers=((_run("offer_ttl_days"), 3), (_rules("offer_ttl_days"), 3))
    ),
    "MATCH_TIME_LIMIT_S": Case("2.5", 2.5, readers=((_run("time_limit_s"), 2.5),)),
    "MATCH_INCREMENTAL": Case("off", False),
    "MATCH_INCREMENTAL_TIME_LIMIT_S": Case(
        "1.5", 1.5, readers=((_run("incremental_time_limit_s"), 1.5),)
    ),
    "MATCH_WORKERS": Case("1", 1, readers=((_run("workers"), 1),)),
    "MATCH_SHARDS": Case("3", 3),
    "MATCH_SEED": Case("42", 42, readers=((_run("seed"), 42),)),
    "MATCH_MAX_ROUNDS": Case("none", None, readers=((_run("max_rounds"), None),)),
    "MATCH_MIN_FIT": Case("0.5", 0.5, readers=((_policy("min_fit"), 0.5),)),
    "MATCH_MAX_SPONSORED_SHARE": Case(
        "0.3",
        0.3,
        readers=((_policy("max_sponsored_share"), 0.3), (_rules("max_sponsored_share"), 0.3)),
    ),
    "SMTP_URL": Case(
        "smtp+starttls://mailer:pw@mail.example.com:2525",
        "smtp+starttls://mailer:pw@mail.example.com:2525",
        readers=(
            (lambda app: _delivery(app).smtp.host, "mail.example.com"),
            (lambda app: _delivery(app).smtp.port, 2525),
            (lambda app: _delivery(app).smtp.username, "mailer"),
        ),
    ),
    "MAIL_FROM": Case(
        "Lumen Ops <ops@lumen.example>",
        "Lumen Ops <ops@lumen.example>",
        readers=((lambda app: _delivery(app).smtp.sender, "Lumen Ops <ops@lumen.example>"),),
        env=(("SMTP_URL", "smtp://127.0.0.1:1025"),),
    ),
    "PUBLIC_URL": Case(
        "https://dandelion.example.com/",
        "https://dandelion.example.com/",
        readers=((lambda app: _delivery(app).public_url, "https://dandelion.example.com"),),
    ),
    "WEBHOOK_TIMEOUT_S": Case(
        "2.5", 2.5, readers=((lambda app: _delivery(app).webhook_timeout_s, 2.5),)
    ),
    "WEBHOOK_DISABLE_AFTER_FAILURES": Case(
        "3", 3, readers=((lambda app: _delivery(app).disable_after_failures, 3),)
    ),
    "MATCH_TOP_K": Case("7", 7, readers=((_policy("top_k"), 7),)),
    "MATCH_MAX_OFFERS_PER_WEEK": Case(
        "1",
        1,
        readers=((_policy("max_offers_per_week"), 1), (_rules("max_offers_per_week"), 1)),
    ),
    "MATCH_FAIR_EXPOSURE": Case("false", False, readers=((_run("fair_exposure"), False),)),
    "MATCH_FAIR_EXPOSURE_MAX_COST": Case(
        "0.05", 0.05, readers=((_run("fair_exposure_max_cost"), 0.05),)
    ),
    "MATCH_KOC_MAX_FOLLOWERS": Case(
        "20000", 20_000, readers=((_policy("koc_max_followers"), 20_000),)
    ),
    "SPONSORED_SHARE_WINDOW_DAYS": Case("14", 14),
    "AUTO_APPROVE_DAYS": Case("7", 7),
    "MAX_REJECTIONS": Case("4", 4),
    "OPEN_CALL_MAX_DAYS": Case("10", 10),
}

# A malformed value for every setting that can have one (free-text secrets cannot).
FREE_TEXT = {"SECRET_KEY", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"}
BAD: dict[str, tuple[str, ...]] = {
    "DANDELION_ENV": ("prod", "staging"),
    "DATABASE_URL": ("not a url",),
    "REDIS_URL": ("localhost:6379",),
    "PAYMENTS_PROVIDER": ("paypal", "", "Stripe"),
    "STRIPE_API_BASE": ("api.stripe.com",),
    "STRIPE_TIMEOUT_S": ("0", "-1", "soon", "inf"),
    "STRIPE_MAX_NETWORK_RETRIES": ("-1", "two"),
    "PLATFORM_FEE_BPS": ("-1", "10001", "12.5"),
    "TOKEN_TTL_HOURS": ("0", "a week"),
    "ARGON2_TIME_COST": ("0",),
    "ARGON2_MEMORY_KIB": ("16", "lots"),
    "MAX_CONTENT_LENGTH": ("0", "1MB"),
    "HSTS_ENABLED": ("sometimes",),
    "HSTS_MAX_AGE_S": ("-1", "a year"),
    "READ_CACHE_MAX_BODIES": ("-1", "many"),
    "RATELIMIT_STORAGE_URI": ("localhost",),
    "RATELIMIT_TOKENS": ("lots", "10 per fortnight"),
    "RATELIMIT_SIGNUP": ("20 an hour",),
    "SMTP_URL": ("mail.example.com:25", "http://mail.example.com"),
    "MAIL_FROM": ("Dandelion", "no-reply at example.com"),
    "PUBLIC_URL": ("dandelion.example.com", "ftp://dandelion.example.com"),
    "WEBHOOK_TIMEOUT_S": ("0", "soon"),
    "WEBHOOK_DISABLE_AFTER_FAILURES": ("0", "ten"),
    "RATELIMIT_LOGIN": ("ten per minute",),
    "RATELIMIT_RESET": ("per hour",),
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": ("maybe",),
    "OFFER_TTL_DAYS": ("0", "a week"),
    "MATCH_TIME_LIMIT_S": ("0", "-5", "nan"),
    "MATCH_INCREMENTAL": ("maybe",),
    "MATCH_INCREMENTAL_TIME_LIMIT_S": ("0", "fast"),
    "MATCH_WORKERS": ("0", "many"),
    "MATCH_SHARDS": ("0",),
    "MATCH_SEED": ("-1", "random"),
    "MATCH_MAX_ROUNDS": ("-3", "many"),
    "MATCH_MIN_FIT": ("0", "1.5", "-0.1", "nan"),
    "MATCH_MAX_SPONSORED_SHARE": ("-0.1", "1.01", "half"),
    "MATCH_TOP_K": ("-1", "all"),
    "MATCH_MAX_OFFERS_PER_WEEK": ("0", "-1", "2.5"),
    "MATCH_FAIR_EXPOSURE": ("maybe",),
    "MATCH_FAIR_EXPOSURE_MAX_COST": ("1", "-0.01", "1.5"),
    "MATCH_KOC_MAX_FOLLOWERS": ("0", "50k"),
    "SPONSORED_SHARE_WINDOW_DAYS": ("0", "a month"),
    "AUTO_APPROVE_DAYS": ("0", "two weeks"),
    "MAX_REJECTIONS": ("-1", "two"),
    "OPEN_CALL_MAX_DAYS": ("0", "-30"),
}


def _in_request(app: Flask, read: Callable[[], Any]) -> Any:
    with app.test_request_context("/", method="POST"):
        return read()


def _fill(value: Any, db: str, tmp: Path) -> Any:
    return value.format(db=db, tmp=tmp) if isinstance(value, str) else value


@pytest.fixture
def no_settings_in_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The process environment without any Dandelion setting."""
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def app_from_env(
    no_settings_in_env: pytest.MonkeyPatch, database_url: str
) -> Iterator[Callable[[dict[str, str]], Flask]]:
    """``create_app()`` from the process environment alone (the test database by default)."""
    built: list[Flask] = []

    def build(env: dict[str, str]) -> Flask:
        for name, value in {"DATABASE_URL": database_url, **FAST_HASHING_ENV, **env}.items():
            no_settings_in_env.setenv(name, value)
        app = create_app({"RATELIMIT_ENABLED": True})
        built.append(app)
        return app

    yield build
    for app in built:
        app.extensions["dandelion.db"].engine.dispose()


def test_every_setting_has_a_case_and_a_description():
    assert set(CASES) == set(SETTINGS), "add the new setting to CASES (and BAD)"
    assert set(BAD) | FREE_TEXT == set(SETTINGS)
    defaults = load_config({})
    for name, case in CASES.items():
        assert case.value != getattr(defaults, name), f"{name}: the case must not be the default"
        description = BaseConfig.model_fields[name].description
        assert description and "\n" not in description, name


@pytest.mark.parametrize("name", SETTINGS)
def test_each_variable_reaches_the_code_that_reads_it(name, app_from_env, database_url, tmp_path):
    case = CASES[name]
    env = {name: _fill(case.raw, database_url, tmp_path), **dict(case.env)}
    expected = _fill(case.value, database_url, tmp_path)
    loaded = load_config({"DATABASE_URL": database_url, **env})
    assert getattr(loaded, name) == expected
    assert loaded.as_flask_config()[name] == expected

    app = app_from_env(env)
    assert app.config[name] == expected
    with app.app_context():
        for probe, seen in case.readers:
            assert probe(app) == _fill(seen, database_url, tmp_path), name


@pytest.mark.parametrize(
    ("name", "raw"), [(name, raw) for name, values in BAD.items() for raw in values]
)
def test_a_malformed_value_is_refused_naming_the_variable(name, raw):
    with pytest.raises(ConfigError, match=name) as error:
        load_config({name: raw})
    assert len(str(error.value).splitlines()) == 1


def test_create_app_refuses_a_malformed_variable(app_from_env):
    with pytest.raises(ConfigError, match="MATCH_MAX_OFFERS_PER_WEEK"):
        app_from_env({"MATCH_MAX_OFFERS_PER_WEEK": "lots"})


def test_every_bad_variable_is_named_at_once():
    with pytest.raises(ConfigError) as error:
        load_config({"MATCH_TOP_K": "all", "RATELIMIT_TOKENS": "lots", "MATCH_MIN_FIT": "2"})
    for name in ("MATCH_TOP_K", "RATELIMIT_TOKENS", "MATCH_MIN_FIT"):
        assert name in str(error.value)


@pytest.mark.parametrize(("raw", "value"), [("none", None), ("NONE", None), ("0", None), ("5", 5)])
def test_none_or_zero_means_unbounded(raw, value):
    cfg = load_config({"MATCH_TOP_K": raw, "MATCH_MAX_ROUNDS": raw})
    bounds = (cfg.MATCH_TOP_K, cfg.MATCH_MAX_ROUNDS)
    assert bounds == (value, value)


def test_an_empty_variable_counts_as_unset():
    cfg = load_config({"MATCH_TOP_K": "", "DANDELION_ENV": "", "RATELIMIT_TOKENS": ""})
    assert isinstance(cfg, EmbeddedConfig)
    assert cfg.MATCH_TOP_K == 200 and cfg.RATELIMIT_TOKENS == "10 per minute"


def test_rate_limits_count_where_set_else_in_redis():
    both = {"REDIS_URL": REDIS_URL, "RATELIMIT_STORAGE_URI": "memory://"}
    assert load_config(both).RATELIMIT_STORAGE_URI == "memory://"
    assert load_config({"REDIS_URL": REDIS_URL}).RATELIMIT_STORAGE_URI == REDIS_URL


# -- outcomes through the API, from the environment -------------------------------------------


def test_the_token_limit_comes_from_the_environment(no_settings_in_env, make_app, limiter_clock):
    no_settings_in_env.setenv("RATELIMIT_TOKENS", "2 per minute")
    client = make_app(RATELIMIT_ENABLED=True).test_client()
    signup = {"name": "Glow Labs", "email": "glow@example.com", "password": PASSWORD}
    assert client.post("/api/v1/brands", json=signup).status_code == 201
    login = {"email": "glow@example.com", "password": PASSWORD}
    assert [client.post("/api/v1/tokens", json=login).status_code for _ in range(3)] == [
        201,
        201,
        429,
    ]


def test_the_token_lifetime_comes_from_the_environment(no_settings_in_env, make_app):
    no_settings_in_env.setenv("TOKEN_TTL_HOURS", "2")
    client = make_app().test_client()
    signup = {"name": "Glow Labs", "email": "glow@example.com", "password": PASSWORD}
    assert client.post("/api/v1/brands", json=signup).status_code == 201
    r = client.post("/api/v1/tokens", json={"email": "glow@example.com", "password": PASSWORD})
    expires = datetime.fromisoformat(r.json["expires_at"])
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    assert abs(expires - (datetime.now(UTC) + timedelta(hours=2))) < timedelta(minutes=1)


SKINCARE = {
    "interests": {"skincare": 0.6, "makeup": 0.4},
    "gender": {"female": 0.55, "male": 0.45},
    "city_tiers": {"1": 0.5, "2": 0.5},
    "age": {"18-24": 0.5, "25-34": 0.5},
}


def _open_creator(make_creator, **profile: Any) -> ApiUser:
    creator = make_creator()
    body = profile_body(categories=["skincare"], audience=SKINCARE, weekly_capacity=3)
    body.update(profile)
    assert creator.patch("/api/v1/creators/me", json=body).status_code == 200
    r = creator.put(
        "/api/v1/creators/me/availability",
        json={"open": True, "until": None, "categories": ["skincare"]},
    )
    assert r.status_code == 200, r.json
    return creator


def _skincare_campaign(make_brand, make_campaign, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "category": "skincare",
        "competitor_group": None,
        "target_audience": SKINCARE,
        "min_followers": 0,
        "max_followers": None,
        "budget": {"amount": 1_000_000, "currency": "EUR"},
        **overrides,
    }
    return make_campaign(make_brand(), state="published", **body)


def _weekly_run(app: Flask) -> None:
    client = app.test_client()
    ops = operator_user(app, client)
    r = ops.post("/api/v1/match-runs", json={"week": iso_week(date.today())})
    assert r.status_code == 202, r.json
    assert ops.get(f"/api/v1/match-runs/{r.json['id']}").json["status"] == "succeeded"


def _offer_count(session, **where: Any) -> int:
    session.rollback()
    query = select(func.count()).select_from(Offer).filter_by(**where)
    return int(session.scalar(query))


@pytest.mark.parametrize(("env", "offers"), [({}, 3), ({"MATCH_MAX_OFFERS_PER_WEEK": "1"}, 1)])
def test_the_weekly_offer_cap_comes_from_the_environment(
    no_settings_in_env, make_app, make_brand, make_creator, make_campaign, session, env, offers
):
    """A creator with room for three, and three brands that want them."""
    for name, value in env.items():
        no_settings_in_env.setenv(name, value)
    app = make_app()
    creator = _open_creator(make_creator)
    for _ in range(3):
        _skincare_campaign(make_brand, make_campaign, slots=1)
    _weekly_run(app)
    assert _offer_count(session, creator_id=creator.id) == offers


@pytest.mark.parametrize(("env", "pruned"), [({}, False), ({"MATCH_TOP_K": "1"}, True)])
def test_the_candidates_kept_per_campaign_come_from_the_environment(
    no_settings_in_env, make_app, make_brand, make_creator, make_campaign, session, env, pruned
):
    """Three fitting creators for a three-slot campaign. ``MATCH_TOP_K`` is where pricing
    starts: keeping one candidate prunes the first LP (its bound falls below the market's),
    and pricing brings the other two back, so the run still fills all three slots."""
    for name, value in env.items():
        no_settings_in_env.setenv(name, value)
    app = make_app()
    for _ in range(3):
        _open_creator(make_creator)
    campaign = _skincare_campaign(make_brand, make_campaign, slots=3)
    _weekly_run(app)
    assert _offer_count(session, campaign_id=campaign["id"]) == 3
    run = session.scalars(select(MatchRun).order_by(MatchRun.id.desc())).first()
    (pricing,) = run.details["pricing"]
    assert (pricing["pruned_lp_bound"] < pricing["lp_bound"] - 1e-9) is pruned, pricing
    assert pricing["market_bound"] >= pricing["lp_bound"] - 1e-9


@pytest.mark.parametrize(("env", "offers"), [({}, 1), ({"MATCH_MIN_FIT": "0.5"}, 0)])
def test_the_fit_threshold_comes_from_the_environment(
    no_settings_in_env, make_app, make_brand, make_creator, make_campaign, session, env, offers
):
    """A third of the creator's audience is into skincare: enough at 0.25, not at 0.5."""
    for name, value in env.items():
        no_settings_in_env.setenv(name, value)
    app = make_app()
    audience = {**SKINCARE, "interests": {"skincare": 0.35, "gaming": 0.65}}
    creator = _open_creator(make_creator, audience=audience)
    _skincare_campaign(make_brand, make_campaign, slots=1)
    _weekly_run(app)
    assert _offer_count(session, creator_id=creator.id) == offers


@pytest.mark.parametrize(("env", "offers"), [({}, 1), ({"MATCH_MAX_SPONSORED_SHARE": "0.3"}, 0)])
def test_the_sponsored_share_cap_comes_from_the_environment(
    no_settings_in_env, make_app, make_brand, make_creator, make_campaign, session, env, offers
):
    """A creator whose recent posts are 40 % sponsored: under the 0.5 default, over 0.3."""
    for name, value in env.items():
        no_settings_in_env.setenv(name, value)
    app = make_app()
    creator = _open_creator(make_creator)
    update_row(session, Creator, creator.id, sponsored_share=0.4)
    _skincare_campaign(make_brand, make_campaign, slots=1)
    _weekly_run(app)
    assert _offer_count(session, creator_id=creator.id) == offers
