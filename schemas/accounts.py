"""Sign-up and token schemas."""

from __future__ import annotations

from marshmallow import fields, validate

from accounts.models import Role
from core.text_input import STORABLE_PATTERN
from schemas.common import Handle, Name, StrictSchema

PASSWORD = fields.String(
    required=True,
    load_only=True,
    validate=validate.Length(min=10, max=256),
    metadata={
        "description": "10-256 characters, and not a common, breached or guessable password "
        "(rated by zxcvbn, with your email, name or handle); a few uncommon words work well.",
        "example": "correct horse battery",
        "pattern": STORABLE_PATTERN,
    },
)
EMAIL = fields.Email(required=True, validate=validate.Length(max=254))
HANDLE_PATTERN = r"^[A-Za-z0-9_.]{3,40}$"


class BrandSignupSchema(StrictSchema):
    name = Name(required=True, validate=validate.Length(min=1, max=120))
    email = EMAIL
    password = PASSWORD


class CreatorSignupSchema(StrictSchema):
    handle = Handle(
        required=True,
        pattern=HANDLE_PATTERN,
        error="3-40 letters, digits, '_' or '.'.",
        metadata={"example": "mia.cooks"},
    )
    email = EMAIL
    password = PASSWORD


class BrandSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    name = fields.String()
    email = fields.String(attribute="account.email")
    created_at = fields.DateTime(dump_only=True)


class CreatorAccountSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    handle = fields.String()
    email = fields.String(attribute="account.email")
    created_at = fields.DateTime(dump_only=True)


class TokenRequestSchema(StrictSchema):
    email = fields.String(
        required=True,
        validate=validate.Length(min=1, max=254),
        metadata={"pattern": STORABLE_PATTERN},
    )
    password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=1, max=256),
        metadata={"pattern": STORABLE_PATTERN},
    )


class PasswordResetRequestSchema(StrictSchema):
    email = fields.String(
        required=True,
        validate=validate.Length(min=1, max=254),
        metadata={"pattern": STORABLE_PATTERN, "description": "The account's email."},
    )


class PasswordResetConfirmSchema(StrictSchema):
    token = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=1, max=256),
        metadata={
            "pattern": STORABLE_PATTERN,
            "description": "The token from the emailed link (``?token=...``) or from an operator.",
        },
    )
    password = PASSWORD


class MessageSchema(StrictSchema):
    message = fields.String(metadata={"description": "What happened, for people to read."})


class TokenSchema(StrictSchema):
    token = fields.String(metadata={"description": "Send as 'Authorization: Bearer <token>'."})
    kind = fields.Enum(Role, by_value=True)
    expires_at = fields.DateTime()
