"""The creator's pages: sign up, profile and audience, open to paid work, the inbox of offers
and open calls (accept, decline, counter, apply), sponsorships (hand in the post, report its
counts), earnings and payouts, notifications and their settings.

Thin: each action calls the service its creator API endpoint calls (``api/creators.py``,
``api/negotiation.py``, ``api/open_calls.py``, ``api/results.py``) with the payload that
endpoint's schema loads (``dashboard/creator_forms.py``). Only creators open these pages
(``creator_required``: 403 for brands and operators), and a creator reaches only their own
offers and sponsorships (the services' 404).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from accounts import profiles
from accounts import services as accounts
from collaborations import eligibility, negotiation, open_calls, turns
from collaborations import services as collaborations
from collaborations.creator_text import brief_excerpt, creator_text_for_offer
from collaborations.guardrails import OfferRules
from collaborations.models import OfferSource, OfferStatus, SponsorshipStatus
from core.db import utcnow
from core.errors import DomainError, NotFound
from core.money import Money, amount_input
from core.pagination import MAX_PAGE_SIZE
from dashboard.auth import DashboardUser, creator_required, current_creator
from dashboard.blueprint import bp, current_locale, discard_changes, page_arg
from dashboard.creator_forms import (
    AUDIENCE_LABELS,
    ApplyForm,
    AvailabilityForm,
    CounterForm,
    CreatorSignupForm,
    DeclineForm,
    DeliverForm,
    MetricsForm,
    category_choices,
    fill_availability,
    fill_profile,
    place_profile_errors,
    profile_form,
    read_availability_form,
    read_profile_form,
)
from dashboard.forms import ConfirmForm
from dashboard.views.auth import _signup_limit, _start_session
from dashboard.views.notifications import settings_context
from extensions import current_taxonomy, db, limiter, payment_provider
from notifications import service as notices
from payments import onboarding
from payments import service as payments
from results import metrics
from schemas.results import tracking_url

ID = "int(min=1, max=2147483647)"
SOURCE_NAMES = {
    OfferSource.MATCH: "Matched for you",
    OfferSource.INVITE: "Invitation from the brand",
    OfferSource.OPEN_CALL: "Picked from your application",
}
STATUS_WORDS = {
    "proposed": "Awaiting your answer",
    "countered": "Your counter awaits the brand",
    "accepted": "Accepted",
    "declined": "Declined",
    "expired": "Expired",
    "withdrawn": "Withdrawn by the brand",
    "active": "To post",
    "delivered": "Handed in, awaiting review",
    "approved": "Approved",
    "rejected": "Sent back: post again",
    "cancelled": "Cancelled",
    "disputed": "With a Dandelion operator",
    "pending": "On its way",
    "paid": "Paid",
    "failed": "Failed",
    "reversed": "Reversed",
    "submitted": "Applied",
    "selected": "Picked",
    "not_selected": "Not picked",
}
ACTOR_WORDS = {"brand": "The brand", "creator": "You", "platform": "Dandelion's matching"}
TURN_WORDS = {
    "offer": "offered",
    "counter": "countered",
    "accept": "accepted",
    "decline": "declined",
}


def _share_window() -> int:
    return int(current_app.config["SPONSORED_SHARE_WINDOW_DAYS"])


def _rules() -> OfferRules:
    return OfferRules.from_config(current_app.config)


@bp.app_template_filter("human_day")
def _human_day(value: date | datetime | None) -> str:
    """``Tue 8 Dec 2026``."""
    return "—" if value is None else f"{value:%a} {value.day} {value:%b %Y}"


@bp.app_template_filter("human_moment")
def _human_moment(value: datetime | None) -> str:
    """``Tue 8 Dec, 14:00 UTC``."""
    return "—" if value is None else f"{value:%a} {value.day} {value:%b, %H:%M} UTC"


bp.add_app_template_global(tracking_url, "tracking_url")


@bp.app_template_filter("creator_status")
def _creator_status(status: Any) -> str:
    """A status as the creator reads it (``delivered`` → ``Handed in, awaiting review``)."""
    value = str(getattr(status, "value", status))
    return STATUS_WORDS.get(value, value.replace("_", " ").capitalize())


def _put_service_errors(form: Any, exc: DomainError) -> None:
    """A refused service call's messages beside the form's fields (or at its top)."""
    if not exc.errors:
        form.form_errors.append(exc.message)
        return
    for name, messages in exc.errors.items():
        field = getattr(form, name, None)
        if name == "rule" or field is None:
            form.form_errors.append(exc.message)
            continue
        field.errors = [*field.errors, *messages]


# --- sign up -----------------------------------------------------------------------------------


@bp.route("/join", methods=["GET", "POST"])
@limiter.limit(_signup_limit, methods=["POST"])
def me_signup() -> Any:
    """Create a creator account (the API's sign-up rules) and log in."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = CreatorSignupForm()
    if form.validate_on_submit():
        errors = form.api_errors()
        if not errors:
            try:
                creator = accounts.create_creator(
                    db.session,
                    handle=(form.handle.data or "").strip(),
                    email=form.email.data or "",
                    password=form.password.data or "",
                )
            except DomainError as exc:
                discard_changes()
                errors = exc.errors or {"email": [exc.message]}
            else:
                _start_session(DashboardUser(creator.account))
                flash(
                    f"Welcome to Dandelion, @{creator.handle}. Tell brands about your audience "
                    "first.",
                    "success",
                )
                return redirect(url_for("dashboard.me_profile"))
        for name, messages in errors.items():
            field = getattr(form, name, None)
            if field is not None:
                field.errors = [*field.errors, *messages]
            else:
                form.form_errors.extend(messages)
    status = 422 if form.is_submitted() else 200
    return render_template("dashboard/me/signup.html", form=form), status


# --- home: the inbox ---------------------------------------------------------------------------


@bp.get("/me")
@creator_required
def me_home() -> Any:
    """Offers (every source) and open calls; what awaits an answer first."""
    creator = current_creator()
    now = utcnow()
    offers = collaborations.list_offers(db.session, creator, page=page_arg(), page_size=20, now=now)
    waiting: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    for offer in offers.items:
        status = offer.effective_status(now)
        row = {
            "offer": offer,
            "status": status.value,
            "source": SOURCE_NAMES[offer.source],
            "text": creator_text_for_offer(offer),
        }
        (waiting if status in (OfferStatus.PROPOSED, OfferStatus.COUNTERED) else others).append(row)
    calls = open_calls.list_open_calls_for_creator(
        db.session,
        creator,
        min_fit=float(current_app.config["MATCH_MIN_FIT"]),
        page_size=MAX_PAGE_SIZE,
        now=now,
    )
    offer_eligibility = eligibility.offer_eligibility(
        db.session, creator, now=now, rules=_rules(), window_days=_share_window()
    )
    return render_template(
        "dashboard/me/home.html",
        nav="inbox",
        creator=creator,
        waiting=waiting,
        others=others,
        offers=offers,
        calls=calls.items,
        brief_excerpt=brief_excerpt,
        eligibility=offer_eligibility,
        availability=profiles.get_availability(creator),
        missing=profiles.missing_for_matching(creator),
    )


# --- one offer: accept, decline, counter --------------------------------------------------------


def _offer_page(
    offer_id: int,
    *,
    counter: CounterForm | None = None,
    decline: DeclineForm | None = None,
    status: int = 200,
) -> Any:  # noqa: E501
    creator = current_creator()
    offer = collaborations.get_creator_offer(db.session, creator, offer_id)
    now = utcnow()
    state = offer.effective_status(now)
    counter = counter or CounterForm(formdata=None)
    if counter.price.data is None:
        counter.price.data = amount_input(offer.price_amount, offer.currency, current_locale())
    return render_template(
        "dashboard/me/offer.html",
        nav="inbox",
        offer=offer,
        status_value=state.value,
        answerable=state is OfferStatus.PROPOSED,
        source=SOURCE_NAMES[offer.source],
        text=creator_text_for_offer(offer),
        history=turns.history(offer),
        actors=ACTOR_WORDS,
        turn_words=TURN_WORDS,
        counters_left=max(
            negotiation.MAX_COUNTERS_PER_OFFER - negotiation.counters_made(db.session, offer), 0
        ),
        accept_form=ConfirmForm(formdata=None),
        decline_form=decline or DeclineForm(formdata=None),
        counter_form=counter,
    ), status


@bp.get(f"/me/offers/<{ID}:offer_id>")
@creator_required
def me_offer(offer_id: int) -> Any:
    """An offer: what the brand asks and why you, the turns so far, and your answers."""
    return _offer_page(offer_id)


@bp.post(f"/me/offers/<{ID}:offer_id>/accept")
@creator_required
def me_offer_accept(offer_id: int) -> Any:
    """Accept: the offer becomes a sponsorship (``POST /offers/{id}/accept``)."""
    ConfirmForm()
    sponsorship = collaborations.accept_offer(
        db.session, current_creator(), offer_id, provider=payment_provider()
    )
    flash(
        f"Accepted. Post for {sponsorship.campaign.brand.name} by "
        f"{_human_day(sponsorship.due_on)} and hand it in here.",
        "success",
    )
    return redirect(url_for("dashboard.me_sponsorship", sponsorship_id=sponsorship.id), 303)


@bp.post(f"/me/offers/<{ID}:offer_id>/decline")
@creator_required
def me_offer_decline(offer_id: int) -> Any:
    """Decline, optionally saying why (``POST /offers/{id}/decline``)."""
    form = DeclineForm()
    if not form.validate():
        return _offer_page(offer_id, decline=form, status=422)
    collaborations.decline_offer(
        db.session, current_creator(), offer_id, (form.reason.data or "").strip() or None
    )
    flash("Offer declined. The brand is told.", "info")
    return redirect(url_for("dashboard.me_home"), 303)


@bp.post(f"/me/offers/<{ID}:offer_id>/counter")
@creator_required
def me_offer_counter(offer_id: int) -> Any:
    """Name your price with a note (``POST /offers/{id}/counter``)."""
    creator = current_creator()
    offer = collaborations.get_creator_offer(db.session, creator, offer_id)
    form = CounterForm()
    form.validate()
    data = form.payload(offer.currency, current_locale())
    if data is None:
        return _offer_page(offer_id, counter=form, status=422)
    try:
        negotiation.counter_offer(
            db.session, creator, offer_id, price=data["price"], message=data["message"],
            rules=_rules(),
        )  # fmt: skip
    except DomainError as exc:
        if exc.status == 404:
            raise
        discard_changes()
        _put_service_errors(form, exc)
        return _offer_page(offer_id, counter=form, status=exc.status)
    flash(
        f"Counter sent: {data['price'].format(current_locale())}. The brand answers next.",
        "success",
    )
    return redirect(url_for("dashboard.me_offer", offer_id=offer_id), 303)


def creator_rate(currency: str) -> str | None:
    """The creator's own rate as the form shows amounts, when it is in ``currency``."""
    creator = current_creator()
    if creator.rate_amount is None or creator.rate_currency != currency:
        return None
    return amount_input(creator.rate_amount, currency, current_locale())


# --- open calls --------------------------------------------------------------------------------


def _call_for(campaign_id: int) -> open_calls.CallForCreator:
    calls = open_calls.list_open_calls_for_creator(
        db.session,
        current_creator(),
        min_fit=float(current_app.config["MATCH_MIN_FIT"]),
        page_size=MAX_PAGE_SIZE,
    )
    for call in calls.items:
        if call.campaign_id == campaign_id:
            return call
    raise NotFound("Open call not found.")


@bp.route(f"/me/open-calls/<{ID}:campaign_id>", methods=["GET", "POST"])
@creator_required
def me_open_call(campaign_id: int) -> Any:
    """An open call you fit: the brief, and your application (price + pitch)."""
    call = _call_for(campaign_id)
    form = ApplyForm()
    status = 200
    if request.method == "POST":
        form.validate()
        data = form.payload(call.campaign.currency, current_locale())
        if data is not None:
            try:
                open_calls.apply_to_open_call(
                    db.session,
                    current_creator(),
                    campaign_id,
                    price=Money(data["price"]["amount"], data["price"]["currency"]),
                    pitch=data["pitch"],
                )
            except DomainError as exc:
                if exc.status == 404:
                    raise
                discard_changes()
                _put_service_errors(form, exc)
                status = exc.status
            else:
                flash(
                    "Applied. If the brand picks you, the sponsorship starts at your price.",
                    "success",
                )
                return redirect(url_for("dashboard.me_home"), 303)
        else:
            status = 422
    elif creator_rate(call.campaign.currency) is not None:
        form.price.data = creator_rate(call.campaign.currency)
    return render_template(
        "dashboard/me/open_call.html",
        nav="inbox",
        call=call,
        form=form,
        withdraw_form=ConfirmForm(formdata=None),
    ), status


@bp.post(f"/me/applications/<{ID}:application_id>/withdraw")
@creator_required
def me_application_withdraw(application_id: int) -> Any:
    """Withdraw an application before the brand picks (``POST /applications/{id}/withdraw``)."""
    ConfirmForm()
    open_calls.withdraw_application(db.session, current_creator(), application_id)
    flash("Application withdrawn.", "info")
    return redirect(url_for("dashboard.me_home"), 303)


# --- profile -----------------------------------------------------------------------------------


@bp.route("/me/profile", methods=["GET", "POST"])
@creator_required
def me_profile() -> Any:
    """Your profile and audience (``PATCH /creators/me``'s rules, in percentages)."""
    creator = current_creator()
    taxonomy = current_taxonomy()
    form = profile_form(taxonomy, creator)
    audience_errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        form.validate()
        result = read_profile_form(form)
        if result.ok:
            try:
                profiles.update_profile(
                    db.session, creator, result.changes, share_window_days=_share_window()
                )
            except DomainError as exc:
                discard_changes()
                place_profile_errors(form, result, dict(exc.errors))
                if not exc.errors:
                    form.form_errors.append(exc.message)
            else:
                flash("Profile saved.", "success")
                if not creator.is_open:
                    return redirect(url_for("dashboard.me_availability"), 303)
                return redirect(url_for("dashboard.me_profile"), 303)
        audience_errors = result.audience_errors
        status = 422
    else:
        fill_profile(form, creator)
    share = eligibility.offer_eligibility(
        db.session, creator, now=utcnow(), rules=_rules(), window_days=_share_window()
    ).sponsored_share
    return render_template(
        "dashboard/me/profile.html",
        nav="profile",
        creator=creator,
        form=form,
        audience_errors=audience_errors,
        audience_labels=AUDIENCE_LABELS,
        share=share,
    ), status


# --- open to paid work -------------------------------------------------------------------------


@bp.route("/me/availability", methods=["GET", "POST"])
@creator_required
def me_availability() -> Any:
    """Open to paid work: the window, the categories, your price and weekly capacity."""
    creator = current_creator()
    taxonomy = current_taxonomy()
    form = AvailabilityForm()
    form.categories.choices = category_choices(taxonomy, creator.open_categories)
    status = 200
    current = profiles.get_availability(creator)
    if request.method == "POST":
        read = read_availability_form(form, current_locale()) if form.validate() else None
        if read is not None:
            changes, opt_in = read
            try:
                profiles.update_profile(
                    db.session, creator, changes, share_window_days=_share_window()
                )
                profiles.set_availability(
                    db.session,
                    creator,
                    **opt_in,
                    match_now=current_app.config["MATCH_INCREMENTAL"],
                )
            except DomainError as exc:
                discard_changes()
                _put_service_errors(form, exc)
                status = exc.status
            else:
                if opt_in["open"]:
                    flash("You are open to paid work. Offers will arrive in your inbox.", "success")
                else:
                    flash("You are closed to new offers; the work you accepted goes on.", "info")
                return redirect(url_for("dashboard.me_home"), 303)
        else:
            status = 422
    else:
        fill_availability(form, creator, current.open or current.lapsed, current_locale())
    return render_template(
        "dashboard/me/availability.html",
        nav="work",
        form=form,
        availability=current,
        missing=profiles.missing_for_matching(creator),
    ), status


# --- sponsorships ------------------------------------------------------------------------------


@bp.get("/me/sponsorships")
@creator_required
def me_sponsorships() -> Any:
    """Your sponsorships, newest first."""
    page = collaborations.list_sponsorships(db.session, current_creator(), page=page_arg())
    return render_template("dashboard/me/sponsorships.html", nav="work_list", page=page)


def _sponsorship_page(
    sponsorship_id: int,
    *,
    deliver: DeliverForm | None = None,
    counts: MetricsForm | None = None,
    status: int = 200,
) -> Any:
    sponsorship = metrics.creator_sponsorship(db.session, current_creator(), sponsorship_id)
    deliver = deliver or DeliverForm(formdata=None)
    if deliver.url.data is None and sponsorship.post_url:
        deliver.url.data = sponsorship.post_url
    return render_template(
        "dashboard/me/sponsorship.html",
        nav="work_list",
        s=sponsorship,
        can_deliver=sponsorship.status in (SponsorshipStatus.ACTIVE, SponsorshipStatus.REJECTED),
        can_report=sponsorship.status in (SponsorshipStatus.DELIVERED, SponsorshipStatus.APPROVED),
        deliver_form=deliver,
        metrics_form=counts or MetricsForm(formdata=None),
        snapshots=metrics.snapshots(db.session, [sponsorship.id]).get(sponsorship.id, []),
        auto_approve_days=current_app.config["AUTO_APPROVE_DAYS"],
    ), status


@bp.get(f"/me/sponsorships/<{ID}:sponsorship_id>")
@creator_required
def me_sponsorship(sponsorship_id: int) -> Any:
    """One sponsorship: the brief, hand in the post, report its counts."""
    return _sponsorship_page(sponsorship_id)


@bp.post(f"/me/sponsorships/<{ID}:sponsorship_id>/deliver")
@creator_required
def me_deliver(sponsorship_id: int) -> Any:
    """Hand in the published, labelled post (``POST /sponsorships/{id}/deliverable``)."""
    creator = current_creator()
    metrics.creator_sponsorship(db.session, creator, sponsorship_id)  # 404 for others' first
    form = DeliverForm()
    form.validate()
    data = form.payload()
    if data is None:
        return _sponsorship_page(sponsorship_id, deliver=form, status=422)
    try:
        collaborations.submit_deliverable(
            db.session,
            creator,
            sponsorship_id,
            **data,
            share_window_days=_share_window(),
            auto_approve_days=int(current_app.config["AUTO_APPROVE_DAYS"]),
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        discard_changes()
        _put_service_errors(form, exc)
        return _sponsorship_page(sponsorship_id, deliver=form, status=exc.status)
    flash("Post handed in. The brand reviews it; you are paid when they approve.", "success")
    return redirect(url_for("dashboard.me_sponsorship", sponsorship_id=sponsorship_id), 303)


@bp.post(f"/me/sponsorships/<{ID}:sponsorship_id>/metrics")
@creator_required
def me_metrics(sponsorship_id: int) -> Any:
    """Report the post's counts now (``POST /sponsorships/{id}/metrics``)."""
    creator = current_creator()
    metrics.creator_sponsorship(db.session, creator, sponsorship_id)
    form = MetricsForm()
    form.validate()
    data = form.payload(utcnow().isoformat())
    if data is None:
        return _sponsorship_page(sponsorship_id, counts=form, status=422)
    try:
        snapshot = metrics.post_metrics(
            db.session, creator, sponsorship_id, metrics.MetricsInput(**data)
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        discard_changes()
        _put_service_errors(form, exc)
        return _sponsorship_page(sponsorship_id, counts=form, status=exc.status)
    if snapshot.flagged:
        flash("Counts saved, but they look unusual, so they stay out of the brand's results "
              "until they add up.", "info")  # fmt: skip
    else:
        flash("Counts saved. Thank you: the brand sees them in its report.", "success")
    return redirect(url_for("dashboard.me_sponsorship", sponsorship_id=sponsorship_id), 303)


# --- earnings and payouts ----------------------------------------------------------------------


@bp.get("/me/earnings")
@creator_required
def me_earnings() -> Any:
    """What you were paid, what is on its way, and where payouts go."""
    creator = current_creator()
    provider = payment_provider()
    payouts = payments.list_payouts(db.session, creator, page=page_arg())
    totals = payments.payout_totals(db.session, creator)
    return render_template(
        "dashboard/me/earnings.html",
        nav="earnings",
        payouts=payouts,
        paid=dict(totals.get("paid", {})),
        pending=dict(totals.get("pending", {})),
        account=onboarding.payout_account(creator, provider),
        needs_onboarding=provider.needs_onboarding,
        onboard_form=ConfirmForm(formdata=None),
    )


@bp.post("/me/earnings/payout-account")
@creator_required
def me_payout_onboarding() -> Any:
    """Start or continue payout onboarding: off to Stripe's page (``POST /payout-account``)."""
    ConfirmForm()
    back = url_for("dashboard.me_earnings", _external=True)
    account = onboarding.start_onboarding(
        db.session, current_creator(), payment_provider(), return_url=back, refresh_url=back
    )
    assert account.onboarding_url is not None
    return redirect(account.onboarding_url, 303)


# --- notifications -----------------------------------------------------------------------------


@bp.get("/me/notifications")
@creator_required
def me_notifications() -> Any:
    """Your notifications, newest first."""
    page = notices.list_notifications(db.session, current_user.account.id, page=page_arg())
    return render_template(
        "dashboard/me/notifications.html",
        nav="notifications",
        page=page,
        read_form=ConfirmForm(formdata=None),
    )


@bp.get("/me/settings")
@creator_required
def me_settings() -> Any:
    """How each kind of notification reaches you (email, webhook, only in the app) and your
    webhook endpoints; the forms post to the routes the brand's Settings page uses."""
    return render_template("dashboard/me/settings.html", nav="settings", **settings_context())


@bp.post(f"/me/notifications/<{ID}:notification_id>/read")
@creator_required
def me_notification_read(notification_id: int) -> Any:
    ConfirmForm()
    notices.mark_read(db.session, current_user.account.id, notification_id)
    return redirect(url_for("dashboard.me_notifications"), 303)


@bp.post("/me/notifications/read-all")
@creator_required
def me_notifications_read_all() -> Any:
    ConfirmForm()
    notices.mark_all_read(db.session, current_user.account.id)
    flash("All notifications marked read.", "info")
    return redirect(url_for("dashboard.me_notifications"), 303)
