"""Sign-up and bearer tokens: validation, hashing, expiry, revocation, alike failures."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, text, update

from accounts.models import Account, ApiToken, Brand, Creator
from tests.conftest import PASSWORD, ApiUser
from tests.helpers import assert_error, check_each, count_rows

BRANDS = "/api/v1/brands"
CREATORS = "/api/v1/creators"
TOKENS = "/api/v1/tokens"
CURRENT = "/api/v1/tokens/current"
CAMPAIGNS = "/api/v1/campaigns"


def brand_body(**overrides: Any) -> dict[str, Any]:
    return {"name": "Lumen Skin", "email": "hello@lumen.example", "password": PASSWORD, **overrides}


def creator_body(**overrides: Any) -> dict[str, Any]:
    return {"handle": "mia.cooks", "email": "mia@example.com", "password": PASSWORD, **overrides}


def login(client: Any, email: str, password: str = PASSWORD) -> Any:
    return client.post(TOKENS, json={"email": email, "password": password})


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


# --- sign-up -----------------------------------------------------------------------------


def test_brand_sign_up(client, session):
    r = client.post(BRANDS, json=brand_body(email="Hello@Lumen.Example"))
    assert r.status_code == 201, r.json
    assert r.json["name"] == "Lumen Skin"
    assert r.json["email"] == "hello@lumen.example"  # emails are stored normalised
    assert "password" not in r.json and "password_hash" not in r.json
    session.rollback()
    account = session.scalar(select(Account))
    assert account.role.value == "brand"
    assert session.scalar(select(Brand)).id == r.json["id"]


def test_creator_sign_up(client, session):
    r = client.post(CREATORS, json=creator_body())
    assert r.status_code == 201, r.json
    assert (r.json["handle"], r.json["email"]) == ("mia.cooks", "mia@example.com")
    assert "password" not in r.json
    assert count_rows(session, Creator) == 1
    assert login(client, "mia@example.com").json["kind"] == "creator"


def test_passwords_are_stored_as_argon2id_hashes(client, session):
    assert client.post(BRANDS, json=brand_body()).status_code == 201
    session.rollback()
    stored = session.scalar(select(Account.password_hash))
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


BAD_BRAND = [
    ("bad-email", {"email": "not-an-email"}, "email"),
    ("email-without-domain", {"email": "someone@"}, "email"),
    ("empty-email", {"email": ""}, "email"),
    ("short-password", {"password": "9 chars!!"}, "password"),
    ("missing-password", {"password": None}, "password"),
    ("empty-name", {"name": ""}, "name"),
    ("missing-name", {"name": None}, "name"),
    ("unknown-field", {"role": "operator"}, "role"),
]


def test_brand_sign_up_rejects_each_bad_input_and_writes_nothing(client, session):
    def check(case: tuple[dict[str, Any], str]) -> None:
        overrides, field = case
        body = {k: v for k, v in brand_body(**overrides).items() if v is not None}
        assert_error(client.post(BRANDS, json=body), 422, field)
        assert count_rows(session, Account) == 0

    check_each(((c[0], c[1:]) for c in BAD_BRAND), check)


BAD_CREATOR = [
    ("short-handle", {"handle": "ab"}, "handle"),
    ("handle-with-space", {"handle": "mia cooks"}, "handle"),
    ("handle-with-accent", {"handle": "émilie"}, "handle"),
    ("handle-with-at", {"handle": "@mia"}, "handle"),
    ("long-handle", {"handle": "m" * 41}, "handle"),
    ("bad-email", {"email": "mia.example.com"}, "email"),
    ("short-password", {"password": "short"}, "password"),
    ("unknown-field", {"followers": 10_000}, "followers"),
]


def test_creator_sign_up_rejects_each_bad_input_and_writes_nothing(client, session):
    def check(case: tuple[dict[str, Any], str]) -> None:
        overrides, field = case
        assert_error(client.post(CREATORS, json=creator_body(**overrides)), 422, field)
        assert count_rows(session, Account) == 0 and count_rows(session, Creator) == 0

    check_each(((c[0], c[1:]) for c in BAD_CREATOR), check)


def test_duplicate_email_answers_409_whatever_its_case(client, session):
    assert client.post(BRANDS, json=brand_body()).status_code == 201
    for email in ("hello@lumen.example", "HELLO@lumen.example"):
        assert_error(client.post(BRANDS, json=brand_body(email=email, name="Other")), 409, "email")
        # an email is one account, whatever its kind
        r = client.post(CREATORS, json=creator_body(email=email))
        assert_error(r, 409, "email")
    assert count_rows(session, Account) == 1
    assert count_rows(session, Brand) == 1 and count_rows(session, Creator) == 0


def test_duplicate_handle_answers_409_whatever_its_case(client, session):
    assert client.post(CREATORS, json=creator_body()).status_code == 201
    for handle in ("mia.cooks", "Mia.Cooks"):
        r = client.post(CREATORS, json=creator_body(handle=handle, email="other@example.com"))
        assert_error(r, 409, "handle")
    assert count_rows(session, Account) == 1 and count_rows(session, Creator) == 1


# --- tokens ------------------------------------------------------------------------------


def test_token_for_each_kind_with_expiry(client):
    assert client.post(BRANDS, json=brand_body()).status_code == 201
    assert client.post(CREATORS, json=creator_body()).status_code == 201
    for email, kind in (("hello@lumen.example", "brand"), ("mia@example.com", "creator")):
        before = datetime.now(UTC)
        r = login(client, email)
        assert r.status_code == 201, r.json
        assert set(r.json) == {"token", "kind", "expires_at"}
        assert r.json["kind"] == kind
        expires = parse_time(r.json["expires_at"])
        assert expires.tzinfo is not None
        week = timedelta(hours=168)  # the default lifetime
        assert before + week - timedelta(seconds=1) <= expires <= datetime.now(UTC) + week


def test_a_new_token_works(client):
    assert client.post(BRANDS, json=brand_body()).status_code == 201
    token = login(client, "hello@lumen.example").json["token"]
    assert client.get(CAMPAIGNS, headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_token_lifetime_follows_the_setting(make_app):
    client = make_app(TOKEN_TTL_HOURS=2).test_client()
    assert client.post(BRANDS, json=brand_body()).status_code == 201
    before = datetime.now(UTC)
    expires = parse_time(login(client, "hello@lumen.example").json["expires_at"])
    two_hours = timedelta(hours=2)
    assert before + two_hours - timedelta(seconds=1) <= expires <= datetime.now(UTC) + two_hours


def test_login_ignores_the_case_of_the_email(client):
    assert client.post(BRANDS, json=brand_body()).status_code == 201
    assert login(client, "  Hello@LUMEN.example ").status_code == 201


def test_tokens_are_long_random_and_distinct(client):
    assert client.post(BRANDS, json=brand_body()).status_code == 201
    tokens = [login(client, "hello@lumen.example").json["token"] for _ in range(12)]
    assert len(set(tokens)) == len(tokens)
    alphabet = set("".join(tokens))
    for token in tokens:
        assert token.isascii() and token.isprintable() and " " not in token
        # bits if every character were drawn uniformly from the characters seen
        assert len(token) * math.log2(len(alphabet)) >= 128, (token, len(alphabet))
    # no position is fixed across tokens (no counter or timestamp prefix carries the entropy)
    width = min(len(t) for t in tokens)
    fixed = [i for i in range(width) if len({t[i] for t in tokens}) == 1]
    assert fixed == [], fixed


def test_tokens_are_stored_hashed(client, session):
    assert client.post(BRANDS, json=brand_body()).status_code == 201
    plain = [login(client, "hello@lumen.example").json["token"] for _ in range(3)]
    session.rollback()
    rows = session.execute(text("SELECT * FROM api_tokens")).mappings().all()
    assert len(rows) == 3
    stored = " ".join(str(v) for row in rows for v in row.values())
    for token in plain:
        assert token not in stored
    assert all(row["expires_at"] is not None for row in rows)


def test_an_expired_token_answers_401(make_app):
    client = make_app(TOKEN_TTL_HOURS=0).test_client()
    assert client.post(BRANDS, json=brand_body()).status_code == 201
    r = login(client, "hello@lumen.example")
    assert r.status_code == 201
    headers = {"Authorization": f"Bearer {r.json['token']}"}
    assert_error(client.get(CAMPAIGNS, headers=headers), 401)


def test_a_token_stops_working_when_it_expires(make_brand, session):
    brand = make_brand()
    assert brand.get(CAMPAIGNS).status_code == 200
    session.rollback()
    account_id = select(Brand.account_id).where(Brand.id == brand.id).scalar_subquery()
    session.execute(
        update(ApiToken)
        .where(ApiToken.account_id == account_id)
        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    session.commit()
    assert_error(brand.get(CAMPAIGNS), 401)
    assert_error(brand.delete(CURRENT), 401)


def test_revoking_the_current_token(client, make_brand, session):
    brand = make_brand()
    other = ApiUser(client, login(client, _email_of(session, brand)).json["token"], 0, 0)
    assert brand.get(CAMPAIGNS).status_code == 200

    r = brand.delete(CURRENT)
    assert r.status_code == 204 and r.get_data() == b""
    assert_error(brand.get(CAMPAIGNS), 401)
    assert_error(brand.delete(CURRENT), 401)  # revoking twice is not possible either
    assert other.get(CAMPAIGNS).status_code == 200  # only that one token was revoked

    session.rollback()
    revoked = session.scalars(select(ApiToken.revoked_at).order_by(ApiToken.id)).all()
    assert revoked[0] is not None and revoked[1] is None


def test_creators_revoke_their_tokens_too(make_creator):
    creator = make_creator()
    assert creator.delete(CURRENT).status_code == 204
    assert_error(creator.delete(CURRENT), 401)


def test_revoking_needs_a_token(client):
    assert_error(client.delete(CURRENT), 401)
    assert_error(client.delete(CURRENT, headers={"Authorization": "Bearer nope"}), 401)


def test_wrong_password_and_unknown_email_answer_alike(client):
    assert client.post(BRANDS, json=brand_body()).status_code == 201
    wrong_password = login(client, "hello@lumen.example", "not the password")
    unknown_email = login(client, "nobody@lumen.example")
    assert_error(wrong_password, 401)
    assert_error(unknown_email, 401)
    assert wrong_password.get_json() == unknown_email.get_json()
    assert wrong_password.headers.get("WWW-Authenticate") == unknown_email.headers.get(
        "WWW-Authenticate"
    )


def test_token_request_is_validated(client):
    assert_error(client.post(TOKENS, json={"email": "a@example.com"}), 422, "password")
    r = client.post(TOKENS, json={"email": "a@example.com", "password": "x" * 12, "ttl": 99})
    assert_error(r, 422, "ttl")


def _email_of(session: Any, brand: ApiUser) -> str:
    session.rollback()
    return session.scalar(select(Account.email).join(Brand).where(Brand.id == brand.id))
