"""The reliability counters on the creator equal a from-scratch recomputation of the figures
after a realistic sequence of events, at any moment, swept or not."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from collaborations.models import Offer, OfferStatus, Sponsorship, SponsorshipStatus
from collaborations.reliability_counters import Counts, read_counts, sweep_reliability
from core.db import utcnow
from matching.jobs import expire_offers_job
from queueing import job_session
from tests.factories import ago, complete_profile, offer_factory, sponsorships_of, update_row

REPLY_WINDOW = timedelta(hours=48)


def recompute(session: Session, creator_id: int, now: datetime) -> Counts:
    """The figures' definition, recomputed from the creator's whole history (the way the app
    computed them before the counters; kept here as the reference)."""
    offers = session.execute(
        select(Offer.status, Offer.created_at, Offer.responded_at).where(
            Offer.creator_id == creator_id
        )
    ).all()
    due_for_reply = replied_in_time = accepted = answered = 0
    for status, created_at, responded_at in offers:
        if status is OfferStatus.WITHDRAWN:
            if responded_at is not None and responded_at - created_at >= REPLY_WINDOW:
                due_for_reply += 1
            continue
        if responded_at is not None:
            answered += 1
            accepted += status is OfferStatus.ACCEPTED
        if responded_at is not None or now - created_at >= REPLY_WINDOW:
            due_for_reply += 1
            if responded_at is not None and responded_at - created_at <= REPLY_WINDOW:
                replied_in_time += 1
    sponsorships = session.execute(
        select(Sponsorship.due_on, Sponsorship.first_delivered_at, Sponsorship.status).where(
            Sponsorship.creator_id == creator_id,
            Sponsorship.status != SponsorshipStatus.CANCELLED,
        )
    ).all()
    due = on_time = completed = 0
    for due_on, delivered_at, status in sponsorships:
        completed += status is SponsorshipStatus.APPROVED
        if delivered_at is not None or due_on < now.date():
            due += 1
            on_time += delivered_at is not None and delivered_at.date() <= due_on
    return Counts(
        offers_received=len(offers),
        offers_answered=answered,
        offers_accepted=accepted,
        replies_due=due_for_reply,
        replies_in_time=replied_in_time,
        deliveries_due=due,
        deliveries_on_time=on_time,
        sponsorships_completed=completed,
    )


def assert_counters_match(session: Session, creator_id: int, *moments: datetime) -> Counts:
    session.rollback()
    session.expire_all()
    for now in moments or (utcnow(),):
        assert read_counts(session, creator_id, now) == recompute(session, creator_id, now), now
    session.rollback()
    return read_counts(session, creator_id)


def sweep(app, now: datetime) -> None:
    with app.app_context(), job_session() as s:
        sweep_reliability(s, now)


def test_counters_equal_a_recomputation_through_a_realistic_history(
    app, session, make_brand, make_creator, make_campaign
):
    make_offer = offer_factory(session)
    brand, creator = make_brand(), make_creator()
    complete_profile(creator, weekly_capacity=10)
    campaigns = [
        make_campaign(brand, state="published", competitor_group=None, title=f"Campaign {i}")
        for i in range(8)
    ]
    later = utcnow() + timedelta(days=4)  # what the figures will be with nothing else happening

    def check() -> Counts:
        return assert_counters_match(session, creator.id, utcnow(), later)

    assert check() == Counts(0, 0, 0, 0, 0, 0, 0, 0)

    quick = make_offer(campaigns[0], creator, created_at=ago(hours=2))
    declined = make_offer(campaigns[1], creator, created_at=ago(hours=1))
    late = make_offer(campaigns[2], creator, created_at=ago(days=3), expires_at=ago(days=-4))
    early_withdrawal = make_offer(campaigns[3], creator, created_at=ago(hours=1))
    late_withdrawal = make_offer(campaigns[4], creator, created_at=ago(days=3))
    make_offer(campaigns[5], creator, created_at=ago(days=8), expires_at=ago(days=1))
    closed = make_offer(campaigns[6], creator, created_at=ago(hours=1))
    rejected = make_offer(campaigns[7], creator, created_at=ago(hours=5))
    check()

    # The expiry job expires the ignored one and sweeps: `late` and `late_withdrawal` have been
    # silent past 48 h and are counted before anyone answers them.
    with app.app_context():
        assert expire_offers_job() == 1
    swept = check()
    assert swept.replies_due == 3

    for offer in (quick, late, rejected):
        assert creator.post(f"/api/v1/offers/{offer.id}/accept").status_code == 201
    r = creator.post(f"/api/v1/offers/{declined.id}/decline", json={"reason": "busy"})
    assert r.status_code == 200, r.get_json()
    for offer in (early_withdrawal, late_withdrawal):
        assert brand.post(f"/api/v1/offers/{offer.id}/withdraw", json={}).status_code == 200
    answered = check()
    assert (answered.offers_answered, answered.offers_accepted) == (4, 3)
    assert answered.replies_due == 6  # 4 answers, the late withdrawal, the ignored one

    by_offer = {s.offer_id: s for s in sponsorships_of(session, creator.id)}
    on_time, overdue, sent_back = by_offer[quick.id], by_offer[late.id], by_offer[rejected.id]
    r = creator.post(
        f"/api/v1/sponsorships/{on_time.id}/deliverable",
        json={"url": "https://example.com/p/1", "disclosure": True},
    )
    assert r.status_code == 200, r.get_json()
    assert brand.post(f"/api/v1/sponsorships/{on_time.id}/approve").status_code == 200
    # One post falls past its due date and is swept as overdue, then comes in late.
    update_row(session, Sponsorship, overdue.id, due_on=date.today() - timedelta(days=2))
    check()
    with app.app_context():
        expire_offers_job()
    assert check().deliveries_due == 2
    r = creator.post(
        f"/api/v1/sponsorships/{overdue.id}/deliverable",
        json={"url": "https://example.com/p/2", "disclosure": True},
    )
    assert r.status_code == 200, r.get_json()
    delivered = check()
    assert (delivered.deliveries_due, delivered.deliveries_on_time) == (2, 1)
    assert delivered.sponsorships_completed == 1

    # A post sent back, then its campaign cancelled: the sponsorship is called off and leaves
    # the figures; the open proposal on the other cancelled campaign expires.
    r = creator.post(
        f"/api/v1/sponsorships/{sent_back.id}/deliverable",
        json={"url": "https://example.com/p/3", "disclosure": True},
    )
    assert r.status_code == 200, r.get_json()
    r = brand.post(f"/api/v1/sponsorships/{sent_back.id}/reject", json={"reason": "no label"})
    assert r.status_code == 200, r.get_json()
    assert check().deliveries_due == 3
    for campaign in (campaigns[7], campaigns[6]):
        r = brand.post(f"/api/v1/campaigns/{campaign['id']}/cancel")
        assert r.status_code == 200, r.get_json()
    assert sponsorships_of(session, creator.id)[-1].status is SponsorshipStatus.CANCELLED
    session.rollback()
    assert session.get(Offer, closed.id).status is OfferStatus.EXPIRED
    cancelled = check()
    assert cancelled.deliveries_due == 2

    # Days pass: the proposal expired by the cancellation goes past 48 h silent; a sweep then
    # and a read then agree with the recomputation.
    sweep(app, later)
    final = assert_counters_match(session, creator.id, later, later + timedelta(days=30))
    assert final.replies_due == cancelled.replies_due + 1  # the closed campaign's proposal
    assert assert_counters_match(session, creator.id, later).offers_received == 8


def test_a_late_answer_to_a_swept_offer_is_counted_once(
    app, session, make_brand, make_creator, make_campaign
):
    make_offer = offer_factory(session)
    brand, creator = make_brand(), make_creator()
    campaign = make_campaign(brand, state="published", competitor_group=None)
    offer = make_offer(campaign, creator, created_at=ago(days=3), expires_at=ago(days=-4))
    sweep(app, utcnow())
    assert assert_counters_match(session, creator.id).replies_due == 1
    r = creator.post(f"/api/v1/offers/{offer.id}/decline", json={})
    assert r.status_code == 200, r.get_json()
    counts = assert_counters_match(session, creator.id)
    assert (counts.replies_due, counts.replies_in_time, counts.offers_answered) == (1, 0, 1)
    sweep(app, utcnow())  # a second sweep finds nothing new
    assert assert_counters_match(session, creator.id).replies_due == 1
