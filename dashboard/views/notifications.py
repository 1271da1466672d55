"""The bell and the notifications page (brands and operators), and the channel preferences and
webhook endpoint sections of the Settings pages: the brand's ``/dashboard/settings`` and the
creator's ``/dashboard/me/settings`` share the forms, the template macros
(``dashboard/_notify_settings.html``) and the POST routes below, which send each back to their own
page."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from core.errors import InvalidInput
from dashboard.blueprint import bp, page_arg
from dashboard.forms import ConfirmForm, SafeForm, SelectChoice
from extensions import db
from notifications import endpoints, kinds, service
from notifications.kinds import Channel

PAGE_SIZE = 20
CHANNEL_LABELS = {
    Channel.EMAIL: "Email",
    Channel.WEBHOOK: "Webhook (your endpoints)",
    Channel.APP: "Only in Dandelion (the bell)",
}


@bp.context_processor
def _bell() -> dict[str, Any]:
    """The unread count for the header's bell, on every page of a logged-in account."""
    if current_user.is_authenticated:
        return {"unread_notifications": service.unread_count(db.session, current_user.account.id)}
    return {"unread_notifications": 0}


@bp.get("/notifications")
@login_required
def notifications() -> Any:
    """The account's notifications, newest first (``?unread=1``: only unread)."""
    unread_only = request.args.get("unread") == "1"
    page = service.list_notifications(
        db.session,
        current_user.account.id,
        unread=True if unread_only else None,
        page=page_arg(),
        page_size=PAGE_SIZE,
    )
    return render_template(
        "dashboard/notifications.html",
        page=page,
        unread_only=unread_only,
        form=ConfirmForm(),
        labels={k.key: k.label for k in kinds.KINDS},
        nav="notifications",
    )


@bp.post("/notifications/<int(min=1, max=2147483647):notification_id>/read")
@login_required
def notification_read(notification_id: int) -> Any:
    """Mark one notification read (someone else's is a 404 page)."""
    if ConfirmForm().validate_on_submit():
        service.mark_read(db.session, current_user.account.id, notification_id)
    back = request.form.get("next", "")
    if not back.startswith("/dashboard/notifications"):  # never an address elsewhere
        back = url_for("dashboard.notifications")
    return redirect(back, code=303)


@bp.post("/notifications/read-all")
@login_required
def notifications_read_all() -> Any:
    """Mark every notification read."""
    if ConfirmForm().validate_on_submit():
        marked = service.mark_all_read(db.session, current_user.account.id)
        flash(f"{marked} notification{'s' if marked != 1 else ''} marked read.", "success")
    return redirect(url_for("dashboard.notifications"), code=303)


# --- preferences (on the Settings page) -------------------------------------------------------


class PreferencesForm(SafeForm):
    """One select per kind the account receives (fields ``kind_0``, ``kind_1``…)."""

    submit = SubmitField("Save notification settings")


def preferences_form(formdata: Any = None) -> tuple[PreferencesForm, list[tuple[str, Any]]]:
    """The form for the logged-in account's kinds, filled with their channels; and the
    (kind key, bound field) pairs in the registry's order."""
    rows = service.preferences(db.session, current_user.account)
    choices = [SelectChoice(c.value, CHANNEL_LABELS[c]) for c in Channel]

    class Form(PreferencesForm):
        pass

    for n, (kind, _) in enumerate(rows):
        setattr(Form, f"kind_{n}", SelectField(kind.label, choices=choices))
    form = Form(formdata=formdata)
    pairs = []
    for n, (kind, channel) in enumerate(rows):
        bound = form[f"kind_{n}"]
        if not form.is_submitted():
            bound.data = channel.value
        pairs.append((kind.key, bound))
    return form, pairs


def settings_context() -> dict[str, Any]:
    """What ``dashboard/_notify_settings.html``'s sections need, for the logged-in account."""
    notify_form, notify_fields = preferences_form()
    return {
        "notify_form": notify_form,
        "notify_fields": notify_fields,
        "endpoint_form": endpoint_form(),
        "endpoints": endpoints.list_endpoints(db.session, current_user.account.id),
        "channels": {key: f.data for key, f in notify_fields},
        "kind_labels": {k.key: k.label for k in kinds.KINDS},
        "confirm_form": ConfirmForm(formdata=None),
    }


def _settings_page(anchor: str) -> str:
    """The account's own Settings page (creators have theirs under /dashboard/me)."""
    page = "dashboard.me_settings" if current_user.is_creator else "dashboard.settings"
    return url_for(page) + anchor


def save_preferences(form: PreferencesForm, pairs: list[tuple[str, Any]]) -> None:
    """Store the channels chosen in the form."""
    service.set_preferences(
        db.session, current_user.account, {key: Channel(field.data) for key, field in pairs}
    )


@bp.post("/settings/notifications")
@login_required
def notification_settings() -> Any:
    """Save the channel of each kind (the Settings page's notification section)."""
    form, pairs = preferences_form(request.form)
    if form.validate():
        save_preferences(form, pairs)
        flash("Notification settings saved.", "success:notifications")
    else:
        flash("Choose email, webhook or only in Dandelion for each kind.", "error:notifications")
    return redirect(_settings_page("#notifications"), code=303)


# --- webhook endpoints (on the Settings page) -------------------------------------------------


class EndpointForm(SafeForm):
    url = StringField("Endpoint URL", validators=[InputRequired(), Length(max=2000)])
    events = SelectMultipleField(
        "Kinds it receives",
        choices=[],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    submit = SubmitField("Add endpoint")


def endpoint_form(formdata: Any = None) -> EndpointForm:
    """The add-an-endpoint form with the account's kinds as checkboxes."""
    form = EndpointForm(formdata=formdata)
    audience = kinds.Audience(current_user.account.role.value)
    form.events.choices = [SelectChoice(k.key, k.label) for k in kinds.kinds_for(audience)]
    return form


@bp.post("/settings/webhook-endpoints")
@login_required
def webhook_endpoint_add() -> Any:
    """Add an endpoint; its secret is shown once, in the message after saving."""
    form = endpoint_form(request.form)
    if not form.validate():
        flash("Give the endpoint's URL and choose at least one kind.", "error:webhooks")
        return redirect(_settings_page("#webhooks"), code=303)
    try:
        endpoint = endpoints.create_endpoint(
            db.session,
            current_user.account,
            (form.url.data or "").strip(),
            list(form.events.data or []),
            production=current_app.config["DANDELION_ENV"] == "production",
        )
    except InvalidInput as exc:
        problems = [m for messages in exc.errors.values() for m in messages] or [exc.message]
        flash(" ".join(problems), "error:webhooks")
        return redirect(_settings_page("#webhooks"), code=303)
    flash(
        f"Endpoint added. Its signing secret, shown only now: {endpoint.secret} — keep it with "
        "your receiver to check each delivery's Dandelion-Signature.",
        "success:webhooks",
    )
    return redirect(_settings_page("#webhooks"), code=303)


@bp.post("/settings/webhook-endpoints/<int(min=1, max=2147483647):endpoint_id>/<action>")
@login_required
def webhook_endpoint_action(endpoint_id: int, action: str) -> Any:
    """Re-enable (``enable``) or delete (``delete``) one of the account's endpoints."""
    if action not in ("enable", "delete"):
        abort(404)
    if ConfirmForm().validate_on_submit():
        account_id = current_user.account.id
        if action == "enable":
            endpoints.enable_endpoint(db.session, account_id, endpoint_id)
            flash(
                "Endpoint enabled: waiting deliveries are sent within a minute.", "success:webhooks"
            )
        else:
            endpoints.delete_endpoint(db.session, account_id, endpoint_id)
            flash("Endpoint deleted: nothing more is sent to it.", "success:webhooks")
    return redirect(_settings_page("#webhooks"), code=303)
