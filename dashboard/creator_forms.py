"""Forms of the creator pages, and their translation to the creator API's fields.

The forms parse what people type on a phone (percentages, amounts as their locale writes them);
the rules are the API's: every payload is loaded with the schema the matching API endpoint
uses (``CreatorProfilePatchSchema``, ``AvailabilitySchema``, ``CounterInputSchema``...), so the
messages beside the fields are the API's own, said in the form's units.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import marshmallow as ma
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    Field,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import EqualTo, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget, NumberInput

from accounts.models import Creator
from collaborations.authenticity import MAX_RECENT_POSTS
from core.countries import COUNTRY_NAMES
from core.money import CURRENCIES, AmountError, amount_input, parse_amount
from dashboard.forms import (
    AGE_FIELDS,
    AGE_LABELS,
    CITY_FIELDS,
    CITY_LABELS,
    INTEREST_PREFIX,
    PERCENT_PARTS,
    SafeForm,
    SelectChoice,
    _as_lists,
    _audience_message,
    _flat,
    _friendly,
    safe_name,
    safe_text,
)
from schemas.accounts import CreatorSignupSchema
from schemas.creators import AvailabilitySchema, CreatorProfilePatchSchema, DeliverableSchema
from schemas.negotiation import MAX_MESSAGE, CounterInputSchema
from schemas.open_calls import ApplicationInputSchema
from schemas.results import MetricsInputSchema
from taxonomy.services import Taxonomy

AUDIENCE_LABELS = {
    "interests": "Interests",
    "gender": "Women and men",
    "city_tiers": "City tiers",
    "age": "Age",
    "countries": "Countries",
}


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (big touch targets on a phone)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _percent_field(label: str, **kw: Any) -> DecimalField:
    return DecimalField(
        label,
        default=Decimal(0),
        places=None,
        validators=[Optional()],
        widget=NumberInput(step="any", min=0, max=100),
        render_kw={"inputmode": "decimal"},
        **kw,
    )


def _put_errors(
    form: SafeForm, errors: dict[str, Any], names: dict[str, str] | None = None
) -> None:
    """``{api field: messages}`` beside the form's fields (``names`` maps API to form names);
    what has no field goes to ``form.form_errors``."""
    for name, messages in errors.items():
        field: Field | None = getattr(form, (names or {}).get(name, name), None)
        flat = list(dict.fromkeys(_friendly(m) for m in _flat(messages)))
        if field is None or name in ("_schema", "_form"):
            form.form_errors.extend(flat)
            continue
        current = list(field.errors) if isinstance(field.errors, list | tuple) else []
        field.errors = current + [m for m in flat if m not in current]


def _money_payload(
    form: SafeForm, field: StringField, currency: str, locale: str | None
) -> dict[str, Any] | None:
    """``{amount, currency}`` from an amount typed as ``locale`` writes it; the message beside
    the field (with an example) when it is not one."""
    if field.errors:  # already told (left empty)
        return None
    try:
        return {"amount": parse_amount(field.data or "", currency, locale), "currency": currency}
    except AmountError as exc:
        field.errors = [*field.errors, str(exc)]
        return None


# --- sign up -----------------------------------------------------------------------------------


class CreatorSignupForm(SafeForm):
    handle = StringField(
        "Your handle",
        validators=[InputRequired()],
        description="How brands find you: 3–40 letters, digits, '_' or '.', e.g. mia.cooks.",
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    email = EmailField("Email", validators=[InputRequired()], render_kw={"autocomplete": "email"})
    password = PasswordField(
        "Password",
        validators=[InputRequired()],
        description="At least 10 characters, not a common password. A few uncommon words are "
        "easy to remember and hard to guess.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[InputRequired(), EqualTo("password", "The two passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Create my creator account")

    def api_errors(self) -> dict[str, list[str]]:
        """The API's sign-up rules (``CreatorSignupSchema``) applied to this form."""
        data = {
            "handle": (self.handle.data or "").strip(),
            "email": self.email.data or "",
            "password": self.password.data or "",
        }
        try:
            CreatorSignupSchema().load(data)
        except ma.ValidationError as exc:
            return {k: _flat(v) for k, v in _as_lists(exc.messages).items()}
        return {}


# --- profile and audience ----------------------------------------------------------------------


class ProfileForm(SafeForm):
    """The profile the API's ``PATCH /creators/me`` edits, audience in percentages."""

    display_name = StringField(
        "Name shown to brands",
        validators=[InputRequired(), safe_name],
        render_kw={"autocomplete": "name"},
    )
    followers = IntegerField(
        "Followers",
        validators=[Optional()],
        widget=NumberInput(min=0),
        render_kw={"inputmode": "numeric"},
    )
    engagement_rate = DecimalField(
        "Engagement rate (%)",
        places=None,
        validators=[Optional()],
        widget=NumberInput(step="any", min=0, max=100),
        description="The share of your followers who like, comment or save a typical post, "
        "e.g. 4.5.",
        render_kw={"inputmode": "decimal"},
    )
    categories = CheckboxesField("What you post about", choices=[])
    recent_posts_30d = IntegerField(
        "Posts in the last 30 days (optional)",
        validators=[Optional()],
        widget=NumberInput(min=0, max=MAX_RECENT_POSTS),
        description="All your posts, sponsored or not. Brands see what share of them was "
        "sponsored; too high a share pauses new offers.",
        render_kw={"inputmode": "numeric"},
    )
    gender_female = IntegerField(
        "Women in your audience (%)",
        default=50,
        validators=[Optional()],
        widget=NumberInput(min=0, max=100, step=1),
        description="0–100; the rest are men.",
        render_kw={"inputmode": "numeric"},
    )
    countries = StringField(
        "Countries (optional)",
        validators=[Optional()],
        description="Where your audience lives, with percentages: e.g. DE 70, AT 30. Codes "
        "alone (DE, AT) split it evenly. City tiers count only for China (CN) or when you "
        "leave this empty.",
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    submit = SubmitField("Save my profile")
    interest_fields: dict[str, str] = {}
    interest_groups: list[tuple[str, list[tuple[str, str, str]]]] = []


for _tier, _name in CITY_FIELDS.items():
    setattr(ProfileForm, _name, _percent_field(CITY_LABELS[_tier]))
for _band, _name in AGE_FIELDS.items():
    setattr(ProfileForm, _name, _percent_field(AGE_LABELS[_band]))

_profile_classes: dict[tuple[int, frozenset[str]], type[ProfileForm]] = {}


def category_choices(taxonomy: Taxonomy, keep: list[str] | None = None) -> list[Any]:
    """The active categories (plus retired ones the creator still has, marked)."""
    choices = [SelectChoice(c.slug, c.name()) for c in taxonomy.categories if c.active]
    for slug in sorted(set(keep or ()) & taxonomy.retired_categories):
        choices.append(SelectChoice(slug, f"{slug} (retired)"))
    return choices


def profile_form(taxonomy: Taxonomy, creator: Creator) -> ProfileForm:
    """The profile form for this taxonomy: a percentage per active interest tag (grouped by
    category) plus the retired tags the creator's audience still holds."""
    held = (creator.audience or {}).get("interests", {})
    kept = frozenset(t for t in held if t in taxonomy.retired_tags)
    key = (taxonomy.version, kept)
    cls = _profile_classes.get(key)
    if cls is None:
        names = {
            t.slug: f"{INTEREST_PREFIX}{t.slug}"
            for t in taxonomy.tags
            if t.active or t.slug in kept
        }
        groups = []
        for category, tags in taxonomy.tags_by_category(active_only=False):
            rows = [
                (t.slug, names[t.slug], t.name() if t.active else f"{t.name()} (retired)")
                for t in tags
                if t.slug in names
            ]
            if rows:
                groups.append((category.name(), rows))
        attrs: dict[str, Any] = {"interest_fields": names, "interest_groups": groups}
        for _, rows in groups:
            for _slug, name, label in rows:
                attrs[name] = _percent_field(label)
        cls = type("TaxonomyProfileForm", (ProfileForm,), attrs)
        _profile_classes[key] = cls
    form = cls()
    form.categories.choices = category_choices(taxonomy, creator.categories)
    return form


def _pct(share: Any) -> Decimal:
    """A share as the percentage a form shows: ``0.6`` → ``60``, ``0.125`` → ``12.5`` (never
    ``6E+1``, which is what ``Decimal.normalize`` makes of 60)."""
    value = round(float(share or 0) * 100, 1)
    return Decimal(int(value)) if value == int(value) else Decimal(str(value))


def fill_profile(form: ProfileForm, creator: Creator) -> None:
    """Show the stored profile in the form (shares as percentages)."""
    form.display_name.data = creator.display_name or ""
    form.followers.data = creator.followers
    form.engagement_rate.data = _pct(creator.engagement_rate)
    form.categories.data = list(creator.categories or [])
    form.recent_posts_30d.data = creator.recent_posts_30d
    audience = creator.audience or {}
    for tag, name in form.interest_fields.items():
        getattr(form, name).data = _pct(audience.get("interests", {}).get(tag, 0))
    for part, names in PERCENT_PARTS.items():
        for k, name in names.items():
            getattr(form, name).data = _pct(audience.get(part, {}).get(k, 0))
    if audience.get("gender"):
        form.gender_female.data = round(float(audience["gender"].get("female", 0)) * 100)
    countries = audience.get("countries") or {}
    form.countries.data = ", ".join(
        f"{code} {_pct(share)}" for code, share in sorted(countries.items(), key=lambda i: -i[1])
    )


def parse_audience_countries(raw: str | None) -> tuple[dict[str, float], list[str]]:
    """``"DE 70, AT 30"`` → ({DE: 0.7, AT: 0.3}, problems); codes alone share evenly."""
    by_name = {name.lower(): code for code, name in COUNTRY_NAMES.items()}
    entries: list[tuple[str, Decimal | None]] = []
    problems: list[str] = []
    for part in (raw or "").replace(";", ",").split(","):
        words = part.split()
        if not words:
            continue
        number: Decimal | None = None
        if len(words) > 1:
            try:
                number = Decimal(words[-1].rstrip("%").replace(",", "."))
                words = words[:-1]
            except ArithmeticError:
                number = None
        name = " ".join(words)
        code = name.upper() if name.upper() in COUNTRY_NAMES else by_name.get(name.lower())
        if code is None:
            problems.append(f"Not a country we know: {name}. Use ISO codes such as DE or FR.")
            continue
        entries.append((code, number))
    if not entries:
        return {}, problems
    if all(n is None for _, n in entries):
        return {c: round(1 / len(entries), 6) for c, _ in entries}, problems
    if any(n is None for _, n in entries):
        problems.append("Give every country a percentage, or none of them.")
        return {}, problems
    return {c: round(float(n or 0) / 100, 6) for c, n in entries}, problems


def audience_from_form(form: ProfileForm) -> tuple[dict[str, Any], list[str]]:
    """The audience as the API takes it (shares), and the country problems to show."""
    interests = {
        tag: round(float(getattr(form, name).data or 0) / 100, 6)
        for tag, name in form.interest_fields.items()
        if getattr(form, name).data
    }
    audience: dict[str, Any] = {"interests": interests}
    female = 50 if form.gender_female.data is None else form.gender_female.data
    audience["gender"] = {"female": round(female / 100, 4), "male": round(1 - female / 100, 4)}
    for part, names in PERCENT_PARTS.items():
        values = {k: getattr(form, name).data or Decimal(0) for k, name in names.items()}
        audience[part] = {k: round(float(v) / 100, 6) for k, v in values.items() if v != 0}
    countries, problems = parse_audience_countries(form.countries.data)
    if countries:
        audience["countries"] = countries
        if "CN" not in countries:
            del audience["city_tiers"]
    return audience, problems


def audience_message(part: str, message: str, form: ProfileForm) -> str:
    """The audience rule's message in percentages (interests add up like the other parts)."""
    if part == "interests":
        if message.startswith("Shares must sum to 1"):
            total = sum(
                (getattr(form, n).data or Decimal(0)) for n in form.interest_fields.values()
            )
            return f"These add up to {total:f} %; make them add up to 100 % (± 1)."
        if message.startswith("Must be a non-empty"):
            return "Give at least one interest a percentage above 0."
    if part == "countries" and message.startswith("Shares must sum to 1"):
        return "The country percentages must add up to 100 % (± 1)."
    return _audience_message(part, message, form)  # type: ignore[arg-type, unused-ignore]


class ProfileResult:
    """The API's changes from the form, or the messages to show (on the form's fields and
    ``audience_errors`` by part)."""

    def __init__(self) -> None:
        self.changes: dict[str, Any] = {}
        self.audience_errors: dict[str, list[str]] = {}

    @property
    def ok(self) -> bool:
        return bool(self.changes) and not self.audience_errors


def read_profile_form(form: ProfileForm) -> ProfileResult:
    """The form as ``PATCH /creators/me`` changes, checked by ``CreatorProfilePatchSchema``."""
    result = ProfileResult()
    payload: dict[str, Any] = {
        "display_name": (form.display_name.data or "").strip(),
        "categories": list(form.categories.data or []),
    }
    if form.followers.data is not None:
        payload["followers"] = form.followers.data
    if form.engagement_rate.data is not None:
        payload["engagement_rate"] = float(form.engagement_rate.data) / 100
    if form.recent_posts_30d.data is not None:
        payload["recent_posts_30d"] = form.recent_posts_30d.data
    audience, problems = audience_from_form(form)
    if problems:
        form.countries.errors = [*form.countries.errors, *problems]
    payload["audience"] = audience
    parse_failed = {name for name, field in form._fields.items() if field.errors}
    try:
        changes = CreatorProfilePatchSchema().load(payload)
    except ma.ValidationError as exc:
        errors = _as_lists(exc.messages)
        place_profile_errors(
            form, result, {k: v for k, v in errors.items() if k not in parse_failed}
        )
        return result
    if parse_failed:
        return result
    result.changes = changes
    return result


def place_profile_errors(form: ProfileForm, result: ProfileResult, errors: dict[str, Any]) -> None:
    """The schema's (or the service's) messages beside the fields, audience parts apart."""
    audience = errors.pop("audience", None)
    if isinstance(audience, dict):
        for part, messages in audience.items():
            target = "countries" if part == "countries" else part
            for m in _flat(messages):
                text = audience_message(part, m, form)
                if target == "countries":
                    form.countries.errors = [*form.countries.errors, text]
                else:
                    result.audience_errors.setdefault(target, []).append(text)
    elif audience:
        result.audience_errors.setdefault("_schema", []).extend(_flat(audience))
    if "engagement_rate" in errors:
        errors["engagement_rate"] = ["Must be between 0 and 100 %."]
    for name in ("rate", "weekly_capacity"):  # set on the availability page
        if name in errors:
            form.form_errors.extend(
                f"{name.replace('_', ' ').capitalize()}: {m}" for m in _flat(errors.pop(name))
            )
    _put_errors(form, errors)


# --- open to paid work -------------------------------------------------------------------------


class AvailabilityForm(SafeForm):
    """The opt-in (``PUT /creators/me/availability``) with the rate and weekly capacity."""

    open = BooleanField("I am open to paid collaborations")
    until = DateField(
        "Last day open (optional)",
        validators=[Optional()],
        description="Leave empty to stay open until you close.",
    )
    categories = CheckboxesField("Campaign categories I accept", choices=[])
    rate = StringField(
        "My price for one post",
        validators=[Optional()],
        description="What matched offers propose; brands may offer another price and you may "
        "counter.",
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    currency = SelectField(
        "Currency", choices=[SelectChoice(c, c) for c in sorted(CURRENCIES)], default="EUR"
    )
    weekly_capacity = IntegerField(
        "Collaborations a week",
        default=1,
        validators=[Optional()],
        widget=NumberInput(min=1, max=10),
        description="1–10. Work in progress and offers awaiting your answer use it.",
        render_kw={"inputmode": "numeric"},
    )
    submit = SubmitField("Save")


def fill_availability(
    form: AvailabilityForm, creator: Creator, open_: bool, locale: str | None
) -> None:
    form.open.data = open_
    form.until.data = creator.open_until
    form.categories.data = list(creator.open_categories or creator.categories or [])
    if creator.rate_amount is not None and creator.rate_currency:
        form.rate.data = amount_input(creator.rate_amount, creator.rate_currency, locale)
        form.currency.data = creator.rate_currency
    form.weekly_capacity.data = creator.weekly_capacity


def read_availability_form(
    form: AvailabilityForm, locale: str | None
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(profile changes, opt-in) checked by ``CreatorProfilePatchSchema`` and
    ``AvailabilitySchema``; None with the messages on the form."""
    profile: dict[str, Any] = {}
    if (form.rate.data or "").strip():
        money = _money_payload(form, form.rate, form.currency.data or "EUR", locale)
        if money is not None:
            profile["rate"] = money
    if form.weekly_capacity.data is not None:
        profile["weekly_capacity"] = form.weekly_capacity.data
    ok = not any(f.errors for f in form)
    changes: dict[str, Any] = {}
    try:
        changes = CreatorProfilePatchSchema().load(profile)
    except ma.ValidationError as exc:
        _put_errors(form, _as_lists(exc.messages))
        ok = False
    opt_in = {
        "open": bool(form.open.data),
        "until": form.until.data.isoformat() if form.until.data else None,
        "categories": list(form.categories.data or []),
    }
    try:
        availability = AvailabilitySchema().load(opt_in)
    except ma.ValidationError as exc:
        _put_errors(form, _as_lists(exc.messages))
        ok = False
    return (changes, availability) if ok else None


# --- offers and open calls ---------------------------------------------------------------------


class DeclineForm(SafeForm):
    reason = TextAreaField(
        "Why not? (optional)",
        validators=[Optional(), Length(max=1000), safe_text],
        description="The brand reads it; it helps them send better offers.",
    )
    submit = SubmitField("Decline the offer")


class CounterForm(SafeForm):
    price = StringField(
        "Your price",
        validators=[InputRequired()],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    message = TextAreaField(
        "Note to the brand",
        validators=[InputRequired(), Length(max=MAX_MESSAGE), safe_text],
        description="Why this price: the brand reads it with your counter.",
    )
    submit = SubmitField("Send my counter")

    def payload(self, currency: str, locale: str | None) -> dict[str, Any] | None:
        """``CounterInputSchema``'s fields, or None with the messages on the form."""
        money = _money_payload(self, self.price, currency, locale)
        if money is None or any(f.errors for f in self):
            return None
        return _load(self, CounterInputSchema(), {"price": money, "message": self.message.data})


class ApplyForm(SafeForm):
    price = StringField(
        "Your price for one post",
        validators=[InputRequired()],
        description="Binding: if the brand picks you, this is the agreed price.",
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    pitch = TextAreaField(
        "Why you, for this brief",
        validators=[InputRequired(), safe_text],
        description="The brand reads it with your profile.",
    )
    submit = SubmitField("Apply")

    def payload(self, currency: str, locale: str | None) -> dict[str, Any] | None:
        """``ApplicationInputSchema``'s fields, or None with the messages on the form."""
        money = _money_payload(self, self.price, currency, locale)
        if money is None or any(f.errors for f in self):
            return None
        return _load(self, ApplicationInputSchema(), {"price": money, "pitch": self.pitch.data})


class DeliverForm(SafeForm):
    url = StringField(
        "Link to your post",
        validators=[InputRequired()],
        description="The public post, e.g. https://www.instagram.com/p/abc123.",
        render_kw={"inputmode": "url", "autocomplete": "url", "autocapitalize": "none"},
    )
    disclosure = BooleanField("My post is labelled as sponsored (ad, paid partnership)")
    submit = SubmitField("Hand in the post")

    def payload(self) -> dict[str, Any] | None:
        """``DeliverableSchema``'s fields, or None with the messages on the form."""
        if not self.disclosure.data:
            self.disclosure.errors = [
                *self.disclosure.errors,
                "Label the post as sponsored first: brands cannot accept unlabelled posts.",
            ]
        if any(f.errors for f in self):
            return None
        return _load(
            self, DeliverableSchema(), {"url": (self.url.data or "").strip(), "disclosure": True}
        )


class MetricsForm(SafeForm):
    """The post's counts as the creator reads them now (``POST /sponsorships/{id}/metrics``)."""

    views = IntegerField("Views", validators=[InputRequired()], widget=NumberInput(min=0))
    likes = IntegerField("Likes", validators=[InputRequired()], widget=NumberInput(min=0))
    comments = IntegerField("Comments", validators=[InputRequired()], widget=NumberInput(min=0))
    saves = IntegerField("Saves", validators=[InputRequired()], widget=NumberInput(min=0))
    shares = IntegerField("Shares", validators=[InputRequired()], widget=NumberInput(min=0))
    submit = SubmitField("Send the counts")

    def payload(self, measured_at: str) -> dict[str, Any] | None:
        if any(f.errors for f in self):
            return None
        data = {n: getattr(self, n).data for n in ("views", "likes", "comments", "saves", "shares")}
        return _load(self, MetricsInputSchema(), {"measured_at": measured_at, **data})


def _load(form: SafeForm, schema: ma.Schema, data: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return dict(schema.load(data))
    except ma.ValidationError as exc:
        errors = _as_lists(exc.messages)
        if isinstance(errors.get("price"), dict):
            errors["price"] = _flat(errors["price"])
        _put_errors(form, errors, {"url": "url"})
        return None
