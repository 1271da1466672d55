"""Flask-WTF forms of the dashboard, and the translation between the campaign form and the
API's campaign fields.

The forms only parse what people type (numbers, dates); the rules are the API's own: the
campaign payload is loaded with ``CampaignInputSchema`` (which checks the audience with
``core.audience.audience_errors``), and the messages come back beside the fields they concern.
"""

from __future__ import annotations

import re
import weakref
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import marshmallow as ma
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    Field,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import EqualTo, InputRequired, Optional, ValidationError
from wtforms.widgets import NumberInput

try:  # WTForms 3.3 deprecates (value, label) tuples for choices
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms

    def SelectChoice(value: str, label: str) -> Any:  # type: ignore[no-redef]  # noqa: N802
        return (value, label)


from campaigns.models import Campaign, CampaignStatus
from campaigns.services import consistency_errors
from core.audience import FIXED_KEYS
from core.countries import CITY_TIER_COUNTRY, COUNTRY_NAMES
from core.money import (
    CURRENCIES,
    AmountError,
    amount_example,
    amount_input,
    format_money,
    parse_amount,
)
from core.text_input import name_problem, storable_problem, text_problem
from schemas.accounts import BrandSignupSchema
from schemas.campaigns import CampaignInputSchema, CampaignPatchSchema
from schemas.creators import ReviewRejectSchema
from taxonomy.services import Taxonomy

# Form field names for the audience keys (``<18`` is not a name a form field can have).
INTEREST_PREFIX = "interest_"
CITY_FIELDS = {tier: f"city_tier_{tier}" for tier in FIXED_KEYS["city_tiers"]}
AGE_FIELDS = {
    "<18": "age_under_18", "18-24": "age_18_24", "25-34": "age_25_34", "35-44": "age_35_44",
    "45+": "age_45_plus",
}  # fmt: skip
AGE_LABELS = {
    "<18": "Under 18",
    "18-24": "18–24",
    "25-34": "25–34",
    "35-44": "35–44",
    "45+": "45 and over",
}
CITY_LABELS = {"1": "Tier 1", "2": "Tier 2", "3": "Tier 3", "4": "Tier 4", "5": "Tier 5"}
PERCENT_PARTS = {"city_tiers": CITY_FIELDS, "age": AGE_FIELDS}
# On campaigns past the draft stage only these change (campaigns.services.DRAFT_ONLY_FIELDS).
LIVE_EDITABLE = ("title", "brief", "ends_on")


class SafeForm(FlaskForm):
    """A form that refuses what cannot be stored (NUL, lone surrogates) in any of its fields,
    with the message beside the field, before a view hands the data to a service."""

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        for field in self:
            problem = storable_problem(field.data) if isinstance(field.data, str) else None
            if problem and problem not in field.errors:
                field.errors = [*field.errors, problem]
                ok = False
        return ok


def safe_name(form: Any, field: Field) -> None:
    """WTForms validator: a name, title or handle as the API's ``Name`` field takes it (one
    line of visible characters, not blank). Empty input is left to the required rules."""
    problem = name_problem(field.data) if field.data else None
    if problem:
        raise ValidationError(problem)


def safe_text(form: Any, field: Field) -> None:
    """WTForms validator: free text as the API's ``Text`` field takes it (newlines allowed)."""
    problem = text_problem(field.data) if field.data else None
    if problem:
        raise ValidationError(problem)


class LoginForm(SafeForm):
    email = EmailField(
        "Email", validators=[InputRequired()], render_kw={"autocomplete": "username"}
    )
    password = PasswordField(
        "Password", validators=[InputRequired()], render_kw={"autocomplete": "current-password"}
    )
    submit = SubmitField("Log in")


class SignupForm(SafeForm):
    name = StringField(
        "Brand name",
        validators=[InputRequired(), safe_name],
        render_kw={"autocomplete": "organization"},
    )
    email = EmailField(
        "Work email", validators=[InputRequired()], render_kw={"autocomplete": "email"}
    )
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
    submit = SubmitField("Create my brand account")

    def api_errors(self) -> dict[str, list[str]]:
        """The API's sign-up rules (``BrandSignupSchema``) applied to this form."""
        data = {
            "name": self.name.data or "",
            "email": self.email.data or "",
            "password": self.password.data or "",
        }
        try:
            BrandSignupSchema().load(data)
        except ma.ValidationError as exc:
            return _as_lists(exc.messages)
        return {}


class ForgotPasswordForm(SafeForm):
    email = EmailField(
        "Your account's email",
        validators=[InputRequired()],
        render_kw={"autocomplete": "email"},
    )
    submit = SubmitField("Email me a link")


class ResetPasswordForm(SafeForm):
    token = StringField(
        "Reset token",
        validators=[InputRequired()],
        description="The token from your email's link, or the one an operator gave you.",
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false"},
    )
    password = PasswordField(
        "New password",
        validators=[InputRequired()],
        description="At least 10 characters, not a common password.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[InputRequired(), EqualTo("password", "The two passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Set the new password")


class ConfirmForm(SafeForm):
    """A confirmation step: the button is the whole form (plus its CSRF token)."""

    submit = SubmitField("Confirm")


class LogoutForm(SafeForm):
    submit = SubmitField("Log out")


class RejectForm(SafeForm):
    reason = TextAreaField(
        "Why are you sending the post back?",
        validators=[InputRequired(), safe_text],
        description="The creator sees this and can deliver again (3–1,000 characters).",
    )
    submit = SubmitField("Send back to the creator")

    def api_errors(self) -> dict[str, list[str]]:
        """The API's rule for a rejection reason (``ReviewRejectSchema``)."""
        try:
            ReviewRejectSchema().load({"reason": self.reason.data or ""})
        except ma.ValidationError as exc:
            return _as_lists(exc.messages)
        return {}


class StartRunForm(SafeForm):
    week = StringField(
        "Week (ISO)",
        validators=[InputRequired()],
        description="Like 2026-W48. A week is matched once; a failed run can be started again.",
    )
    submit = SubmitField("Start the match run")


class IssueResetForm(SafeForm):
    email = EmailField("Account email", validators=[InputRequired()])
    submit = SubmitField("Issue a reset token")


def _number(label: str, default: Any = None, **kw: Any) -> DecimalField:
    return DecimalField(
        label,
        default=default,
        places=None,
        validators=[Optional()],
        widget=NumberInput(step="any", min=0, max=100),
        **kw,
    )


class CampaignForm(SafeForm):
    """A campaign with its target audience, in terms people use (amounts, percentages)."""

    title = StringField(
        "Title", validators=[safe_name], description="3–140 characters; creators see it first."
    )
    brief = TextAreaField(
        "Brief",
        validators=[safe_text],
        description="What creators should show and say, in your own words (10–5,000 characters).",
    )
    category = SelectField("Category", choices=[])  # from the taxonomy: campaign_form()
    competitor_group = StringField(
        "Competitor group (optional)",
        validators=[Optional()],
        description="e.g. skincare or breakfast cereals: a creator works for only one brand of "
        "a group at a time.",
    )
    budget = StringField(
        "Budget",
        description="What creators are paid in total; the 10 % platform fee comes on top.",
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    currency = SelectField(
        "Currency", choices=[SelectChoice(c, c) for c in sorted(CURRENCIES)], default="EUR"
    )
    slots = IntegerField(
        "Creators wanted", default=3, widget=NumberInput(min=1, max=500), validators=[Optional()]
    )
    min_creators = IntegerField(
        "Minimum creators",
        default=0,
        widget=NumberInput(min=0, max=500),
        validators=[Optional()],
        description="All or nothing: fewer matched creators than this means none (0: no minimum).",
    )
    min_followers = IntegerField(
        "Fewest followers", default=1000, widget=NumberInput(min=0), validators=[Optional()]
    )
    max_followers = IntegerField(
        "Most followers (optional)", widget=NumberInput(min=1), validators=[Optional()]
    )
    starts_on = DateField("Starts on", validators=[Optional()])
    ends_on = DateField("Ends on", validators=[Optional()])
    landing_url = StringField(
        "Landing page (optional)",
        validators=[Optional()],
        description="Where the creators' tracking links send people, e.g. "
        "https://shop.example.com/spring. Clicks are counted on the report.",
    )
    gender_female = IntegerField(
        "Women in the audience (%)",
        default=50,
        widget=NumberInput(min=0, max=100, step=1),
        validators=[Optional()],
        description="0–100; the rest of the audience are men.",
    )
    confirm_amount = BooleanField(
        "Yes, this budget is right",
        description="Shown when the budget is far from what creators of this category charge.",
    )
    countries = StringField(
        "Countries (optional)",
        validators=[Optional()],
        description="Where the audience should live: ISO codes such as DE, AT, CH, separated by "
        "commas. Leave empty for anywhere. City tiers count only when CN (China) is among them "
        "or no country is given.",
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    submit = SubmitField("Save campaign")
    # slug -> form field name, for this form's taxonomy (set by campaign_form)
    interest_fields: dict[str, str] = {}
    interest_groups: list[tuple[str, list[tuple[str, str, bool]]]] = []


# A budget this many times below the typical rate of the category, or above it times the
# slots, asks for confirmation (a slip of the decimal separator, most likely).
SCALE_FACTOR = 10
# What each API field is called on the form, for messages that name another field.
FIELD_LABELS = {
    "starts_on": "Starts on", "ends_on": "Ends on", "slots": "Creators wanted",
    "min_creators": "Minimum creators", "min_followers": "Fewest followers",
    "max_followers": "Most followers", "budget": "Budget", "title": "Title", "brief": "Brief",
}  # fmt: skip


for _tier, _name in CITY_FIELDS.items():
    setattr(CampaignForm, _name, _number(CITY_LABELS[_tier], default=Decimal(0)))
for _band, _name in AGE_FIELDS.items():
    setattr(CampaignForm, _name, _number(AGE_LABELS[_band], default=Decimal(0)))


# Per taxonomy (dropped with it), the form class for each set of retired tags a target keeps.
_form_classes: weakref.WeakKeyDictionary[Taxonomy, dict[frozenset[str], type[CampaignForm]]] = (
    weakref.WeakKeyDictionary()
)


def campaign_form(taxonomy: Taxonomy, campaign: Campaign | None = None) -> CampaignForm:
    """The campaign form for the current taxonomy: a weight per active interest tag (grouped by
    category), plus the retired tags the campaign's target still holds (so they can be seen and
    moved), and the active categories (plus the campaign's own if it was retired)."""
    target = (campaign.target_audience or {}).get("interests", {}) if campaign else {}
    kept = frozenset(t for t in target if t in taxonomy.retired_tags)
    classes = _form_classes.setdefault(taxonomy, {})
    cls = classes.get(kept)
    if cls is None:
        names = {
            t.slug: f"{INTEREST_PREFIX}{t.slug}"
            for t in taxonomy.tags
            if t.active or t.slug in kept
        }
        groups = []
        for category, tags in taxonomy.tags_by_category(active_only=False):
            rows = [(t.slug, t.name(), t.active) for t in tags if t.slug in names]
            if rows:
                groups.append((category.name(), rows))
        attrs: dict[str, Any] = {"interest_fields": names, "interest_groups": groups}
        for slug, name, active in (r for _, rows in groups for r in rows):
            label = name if active else f"{name} (retired)"
            attrs[names[slug]] = _number(label, default=Decimal(0))
        cls = type("TaxonomyCampaignForm", (CampaignForm,), attrs)
        classes[kept] = cls
    form = cls()
    choices = [SelectChoice(c.slug, c.name()) for c in taxonomy.categories if c.active]
    if campaign is not None and campaign.category in taxonomy.retired_categories:
        choices.append(SelectChoice(campaign.category, f"{campaign.category} (retired)"))
    form.category.choices = choices
    return form


def new_campaign_form(taxonomy: Taxonomy) -> CampaignForm:
    """A blank form with sensible starting values (a month from today, an even split)."""
    today = date.today()
    form = campaign_form(taxonomy)
    if not form.is_submitted():
        form.starts_on.data = today
        form.ends_on.data = today + timedelta(days=30)
        getattr(form, CITY_FIELDS["1"]).data = Decimal(40)
        getattr(form, CITY_FIELDS["2"]).data = Decimal(35)
        getattr(form, CITY_FIELDS["3"]).data = Decimal(25)
        getattr(form, AGE_FIELDS["18-24"]).data = Decimal(40)
        getattr(form, AGE_FIELDS["25-34"]).data = Decimal(40)
        getattr(form, AGE_FIELDS["35-44"]).data = Decimal(20)
    return form


def fill_from_campaign(form: CampaignForm, campaign: Campaign, locale: str | None = None) -> None:
    """Show an existing campaign in the form (shares become weights and percentages; the
    budget as ``locale`` writes amounts)."""
    form.title.data = campaign.title
    form.brief.data = campaign.brief
    form.category.data = campaign.category
    form.competitor_group.data = campaign.competitor_group or ""
    form.budget.data = amount_input(campaign.budget_amount, campaign.currency, locale)
    form.currency.data = campaign.currency
    form.slots.data = campaign.slots
    form.min_creators.data = campaign.min_creators
    form.min_followers.data = campaign.min_followers
    form.max_followers.data = campaign.max_followers
    form.starts_on.data = campaign.starts_on
    form.ends_on.data = campaign.ends_on
    form.landing_url.data = campaign.landing_url or ""
    target = campaign.target_audience or {}
    for tag, name in form.interest_fields.items():
        getattr(form, name).data = _percent(target.get("interests", {}).get(tag, 0))
    form.countries.data = ", ".join(sorted(target.get("countries") or {}))
    for part, names in PERCENT_PARTS.items():
        for key, name in names.items():
            getattr(form, name).data = _percent(target.get(part, {}).get(key, 0))
    female = target.get("gender", {}).get("female", 0.5)
    form.gender_female.data = round(float(female) * 100)


def _percent(share: float) -> Decimal:
    # not ``.normalize()``: it writes 40 as ``4E+1``, and the form would show that
    value = round(float(share or 0) * 100, 1)
    return Decimal(int(value)) if value == int(value) else Decimal(str(value))


def _as_lists(messages: Any) -> dict[str, Any]:
    return messages if isinstance(messages, dict) else {"_schema": list(messages)}


class CampaignFormResult:
    """What the form yields: the API's campaign fields, or the errors to show."""

    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}
        self.field_errors: dict[str, list[str]] = {}
        self.audience_errors: dict[str, list[str]] = {}
        self.form_errors: list[str] = []
        self.needs_confirmation = False

    @property
    def ok(self) -> bool:
        return not (self.field_errors or self.audience_errors or self.form_errors)

    def add(self, name: str, message: str) -> None:
        self.field_errors.setdefault(name, []).append(message)

    def apply_to(self, form: CampaignForm) -> None:
        """Put the messages on the form fields (templates show ``field.errors`` beside them)."""
        for name, messages in self.field_errors.items():
            field: Field | None = getattr(form, name, None)
            if field is None:
                self.form_errors.extend(messages)
                continue
            errors = list(field.errors) if isinstance(field.errors, list | tuple) else []
            field.errors = errors + [m for m in messages if m not in errors]

    def add_api_errors(self, errors: dict[str, Any], form: CampaignForm) -> None:
        """Place the schema's or a service's ``{field: messages}`` beside the form's fields."""
        for name, messages in errors.items():
            if name == "budget":
                if isinstance(messages, dict):
                    for sub, sub_messages in messages.items():
                        target = "currency" if sub == "currency" else "budget"
                        for m in _flat(sub_messages):
                            self.add(target, _friendly(m))
                else:
                    for m in _flat(messages):
                        self.add("budget", _friendly(m))
            elif name == "target_audience":
                self._audience(messages, form)
            elif name in ("_schema", "_form"):
                self.form_errors.extend(_flat(messages))
            else:
                for m in _flat(messages):
                    self.add(name, label_message(name, _friendly(m), form))

    def _audience(self, messages: Any, form: CampaignForm) -> None:
        if not isinstance(messages, dict):
            self.audience_errors.setdefault("_schema", []).extend(_flat(messages))
            return
        for part, part_messages in messages.items():
            for m in _flat(part_messages):
                self.audience_errors.setdefault(part, []).append(_audience_message(part, m, form))


def _flat(messages: Any) -> list[str]:
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _flat(value)]
    if isinstance(messages, list | tuple):
        return [m for value in messages for m in _flat(value)]
    return [str(messages)]


def _friendly(message: str) -> str:
    return "This field is required." if message == "Missing data for required field." else message


def _audience_message(part: str, message: str, form: CampaignForm) -> str:
    """The rule's message, said in the units the form uses (weights, percentages)."""
    if part == "interests" and message.startswith("Must be a non-empty"):
        return "Give at least one interest a weight above 0."
    if part in PERCENT_PARTS:
        if message.startswith("Must be a non-empty"):
            return "Give at least one percentage above 0; together they make 100 %."
        if message.startswith("Shares must sum to 1"):
            total = sum((getattr(form, n).data or Decimal(0)) for n in PERCENT_PARTS[part].values())
            return f"These add up to {total:f} %; make them add up to 100 % (± 1)."
        if message.startswith("Shares must be non-negative"):
            return "Percentages cannot be negative."
    if part == "gender" and message.startswith("Shares must be non-negative"):
        return "Choose a share of women between 0 and 100 %."
    return message


def read_campaign_form(
    form: CampaignForm,
    campaign: Campaign | None = None,
    *,
    locale: str | None = None,
    typical_rate: int | None = None,
) -> CampaignFormResult:
    """Turn a submitted form into the API's campaign fields, checked by the API's schema.

    Every problem is found in one pass: what cannot be parsed (a number, a date, an amount as
    ``locale`` writes it), the schema's rules and the rules across fields, each beside its
    field and said with the form's labels. ``typical_rate`` (minor units: what creators of
    the category charge) makes a budget far from it ask for confirmation.
    ``campaign`` is the campaign being edited: past the draft stage only the title, brief and
    end date are sent (the rest is frozen by the service's rules).
    """
    result = CampaignFormResult()
    for name, field in form._fields.items():
        if field.errors:  # what WTForms could not parse (not a number, not a date)
            for m in field.errors:
                result.add(name, str(m))
    parse_failed = set(result.field_errors)
    live = campaign is not None and campaign.status is not CampaignStatus.DRAFT
    payload: dict[str, Any] = {}
    _put(payload, "title", (form.title.data or "").strip())
    _put(payload, "brief", (form.brief.data or "").strip())
    if form.ends_on.data is not None:
        payload["ends_on"] = form.ends_on.data.isoformat()
    payload["landing_url"] = (form.landing_url.data or "").strip() or None
    if not live:
        _put(payload, "category", form.category.data)
        payload["competitor_group"] = slug(form.competitor_group.data or "") or None
        amount = _minor_units(form.budget.data, form.currency.data, result, locale)
        if amount is None:
            parse_failed.add("budget")
        else:
            payload["budget"] = {"currency": form.currency.data, "amount": amount}
            _check_scale(form, amount, typical_rate, result, locale)
        for name in ("slots", "min_creators", "min_followers"):
            if getattr(form, name).data is not None:
                payload[name] = getattr(form, name).data
        payload["max_followers"] = form.max_followers.data
        if form.starts_on.data is not None:
            payload["starts_on"] = form.starts_on.data.isoformat()
        payload["target_audience"] = target_audience(form, result)
    schema = CampaignPatchSchema(partial=True) if live else CampaignInputSchema()
    try:
        result.fields = schema.load(payload)
    except ma.ValidationError as exc:
        errors = _as_lists(exc.messages)
        result.add_api_errors({k: v for k, v in errors.items() if k not in parse_failed}, form)
    # the rules across fields, at once with the others (the service checks them again)
    cross = consistency_errors(
        starts_on=form.starts_on.data if not live else campaign.starts_on,  # type: ignore[union-attr]
        ends_on=form.ends_on.data,
        min_followers=form.min_followers.data if not live else None,
        max_followers=form.max_followers.data if not live else None,
        min_creators=form.min_creators.data if not live else None,
        slots=form.slots.data if not live else None,
    )
    for name, messages in cross.items():
        if name not in result.field_errors:
            for m in messages:
                result.add(name, label_message(name, m, form))
    if not result.ok:
        result.fields = {}
    result.apply_to(form)
    return result


def slug(text: str) -> str:
    """A competitor group as the API stores it: ``Breakfast cereals`` → ``breakfast-cereals``."""
    return re.sub(r"[^a-z0-9]+", "-", text.strip().lower()).strip("-")[:60].strip("-")


def label_message(name: str, message: str, form: CampaignForm) -> str:
    """A rule across fields said with the form's labels and values, not the API's names."""
    if name == "ends_on" and message.startswith("Must be on or after") and form.starts_on.data:
        return f"Must be on or after the start date ({form.starts_on.data:%d %b %Y})."
    if name == "min_creators" and message.startswith("Cannot exceed") and form.slots.data:
        return f"Cannot be more than “{FIELD_LABELS['slots']}” ({form.slots.data})."
    if (
        name == "max_followers"
        and message.startswith("Must be at least min_followers")
        and form.min_followers.data is not None
    ):
        return f"Must be at least “{FIELD_LABELS['min_followers']}” ({form.min_followers.data:,})."
    for api_name, label in FIELD_LABELS.items():
        message = re.sub(rf"\b{api_name}\b", f"“{label}”", message)
    return message


def _check_scale(
    form: CampaignForm,
    amount: int,
    typical: int | None,
    result: CampaignFormResult,
    locale: str | None,
) -> None:
    """Ask for confirmation of a budget far from what the category's creators charge."""
    if typical is None or form.confirm_amount.data:
        return
    currency = form.currency.data or "EUR"
    slots = max(form.slots.data or 1, 1)
    typical_text = format_money(typical, currency, locale)
    budget_text = format_money(amount, currency, locale)
    category = form.category.data
    if amount * SCALE_FACTOR < typical:
        times = typical / amount
        message = (
            f"{budget_text} is about {times:,.0f} times less than what one creator of "
            f"{category} typically charges ({typical_text}). If that is what you meant, tick "
            f"“{form.confirm_amount.label.text}” and save again; otherwise correct it (written "
            f"like {amount_example(currency, locale)})."
        )
    elif amount > typical * slots * SCALE_FACTOR:
        times = amount / (typical * slots)
        message = (
            f"{budget_text} is about {times:,.0f} times what {slots} creators of {category} "
            f"typically charge ({typical_text} each). If that is what you meant, tick "
            f"“{form.confirm_amount.label.text}” and save again."
        )
    else:
        return
    result.add("budget", message)
    result.needs_confirmation = True


def _put(payload: dict[str, Any], name: str, value: Any) -> None:
    if value not in (None, ""):
        payload[name] = value


def _minor_units(
    raw: str | None, currency: str | None, result: CampaignFormResult, locale: str | None
) -> int | None:
    """``"4.500,00"`` EUR in de_DE → 450000, as ``core.money.parse_amount`` reads it; the
    message (with an example in the brand's locale) beside the budget otherwise."""
    try:
        return parse_amount(raw or "", currency or "", locale)
    except AmountError as exc:
        result.add("budget", str(exc))
        return None


def error_summary(
    form: CampaignForm, audience_errors: dict[str, list[str]]
) -> list[dict[str, str]]:
    """Every problem of the form, for the summary at the top: the field's label, the
    message and the id to jump to, in the order of the form."""
    items = []
    for field in form:
        for message in field.errors if isinstance(field.errors, list | tuple) else []:
            items.append(
                {"href": f"#{field.id}", "label": str(field.label.text), "message": message}
            )
    for part, messages in audience_errors.items():
        if part == "_schema":
            continue
        label = {"interests": "Interests", "gender": "Gender", "city_tiers": "City tiers",
                 "age": "Age"}.get(part, part)  # fmt: skip
        for message in messages:
            items.append({"href": f"#part-{part}", "label": label, "message": message})
    return items


def parse_countries(raw: str | None) -> tuple[list[str], list[str]]:
    """``"de, at ch"`` → (["AT", "DE"], unknown entries): codes, or English country names."""
    by_name = {name.lower(): code for code, name in COUNTRY_NAMES.items()}
    codes, unknown = set(), []
    for part in (raw or "").replace(";", ",").split(","):
        for word in [part.strip()] if part.strip().lower() in by_name else part.split():
            word = word.strip()
            if not word:
                continue
            code = word.upper() if word.upper() in COUNTRY_NAMES else by_name.get(word.lower())
            if code is None:
                unknown.append(word)
            else:
                codes.add(code)
    return sorted(codes), unknown


def target_audience(form: CampaignForm, result: CampaignFormResult | None = None) -> dict[str, Any]:
    """The target audience from the form: interest weights normalised to shares, percentages
    and the women/men slider as shares, the countries as equal shares (each fully wanted).
    Rules are checked by the schema, not here."""
    weights = {
        tag: getattr(form, name).data or Decimal(0) for tag, name in form.interest_fields.items()
    }
    total = sum(weights.values(), Decimal(0))
    if total > 0 and all(w >= 0 for w in weights.values()):
        interests = {tag: round(float(w / total), 6) for tag, w in weights.items() if w > 0}
    else:
        interests = {tag: float(w) for tag, w in weights.items() if w != 0}
    audience: dict[str, Any] = {"interests": interests}
    female = form.gender_female.data
    female = 50 if female is None else female
    audience["gender"] = {"female": round(female / 100, 4), "male": round(1 - female / 100, 4)}
    for part, names in PERCENT_PARTS.items():
        values = {key: getattr(form, name).data or Decimal(0) for key, name in names.items()}
        audience[part] = {key: round(float(v) / 100, 6) for key, v in values.items() if v != 0}
    codes, unknown = parse_countries(form.countries.data)
    if unknown and result is not None:
        result.add(
            "countries",
            f"Not a country we know: {', '.join(unknown)}. Use ISO codes such as DE or FR.",
        )
    if codes:
        audience["countries"] = {c: round(1 / len(codes), 6) for c in codes}
        if CITY_TIER_COUNTRY not in codes:
            del audience["city_tiers"]  # tiers describe cities in China only
    return audience


class AddTagForm(SafeForm):
    """An operator adds an interest tag (``taxonomy.services.add_tag`` checks the rules)."""

    slug = StringField(
        "Slug",
        validators=[InputRequired()],
        description="What the API stores: lower-case letters, digits and '-', e.g. cold-brew.",
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    category = SelectField("Category", choices=[])
    name = StringField("Name (English)", validators=[InputRequired(), safe_name])
    submit = SubmitField("Add interest")


class AddCategoryForm(SafeForm):
    """An operator adds a category."""

    slug = StringField(
        "Slug",
        validators=[InputRequired()],
        description="Lower-case letters, digits and '-', e.g. weddings.",
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    name = StringField("Name (English)", validators=[InputRequired(), safe_name])
    submit = SubmitField("Add category")
