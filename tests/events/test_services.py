"""Events and sign-ups: what organisers may change, and places that never exceed capacity."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from tests import factories
from tests.conftest import make_member
from tests.events.conftest import local, new_event, published
from trustbridge.accounts import services as account_services
from trustbridge.core.errors import ServiceError, ServiceErrors
from trustbridge.core.models import Role
from trustbridge.events import services
from trustbridge.events.models import EventStatus, Occurrence, Rsvp, RsvpStatus

NOW = local(2030, 3, 1, 12)


def residents(n):
    return [factories.UserFactory(email=f"resident{i}@example.org") for i in range(n)]


# Organising --------------------------------------------------------------------------------


def test_a_new_event_is_a_draft_with_one_date_per_occurrence(officer, organization):
    event = new_event(officer, organization, recurrence_rule="FREQ=WEEKLY;COUNT=4")
    assert event.status == EventStatus.DRAFT
    assert event.occurrences.count() == 4
    assert event.title("fr") == "Old Mill watch meeting"  # the first language given


def test_every_bad_field_is_reported_at_once(officer, organization, other_organization):
    stranger = make_member(other_organization, Role.OFFICER)
    with pytest.raises(ServiceErrors) as refused:
        new_event(
            officer,
            organization,
            kind="party",
            texts={"en": {"title": "", "description": "No title"}, "xx": {"title": "?"}},
            starts_at=local(2030, 3, 4, 19),
            ends_at=local(2030, 3, 4, 18),
            venue="",
            capacity=0,
            hosts=[stranger],
        )
    fields = {error.field for error in refused.value.errors}
    assert fields == {"kind", "texts", "title_en", "ends_at", "venue", "capacity", "hosts"}


def test_only_organisers_may_plan_events(organization):
    moderator = make_member(organization, Role.MODERATOR)
    with pytest.raises(PermissionDenied):
        new_event(moderator, organization)


def test_rescheduling_raises_the_sequence_and_keeps_the_sign_ups(officer, organization):
    event = published(officer, organization, recurrence_rule="FREQ=WEEKLY;COUNT=3", capacity=5)
    [resident] = residents(1)
    first = event.occurrences.order_by("starts_at").first()
    services.sign_up(first, user=resident, now=NOW)

    moved = services.update_event(
        officer,
        event,
        starts_at=local(2030, 3, 4, 18),
        ends_at=local(2030, 3, 4, 19, 30),
    )
    assert moved.sequence == event.sequence + 1
    first.refresh_from_db()
    assert first.starts_at == local(2030, 3, 4, 18)
    assert Rsvp.objects.get().occurrence == first


def test_a_change_that_drops_dates_with_sign_ups_is_refused(officer, organization):
    event = published(officer, organization, recurrence_rule="FREQ=WEEKLY;COUNT=3")
    [resident] = residents(1)
    last = event.occurrences.order_by("starts_at").last()
    services.sign_up(last, user=resident, now=NOW)
    with pytest.raises(ServiceError) as refused:
        services.update_event(officer, event, recurrence_rule="FREQ=WEEKLY;COUNT=2")
    assert refused.value.field == "recurrence"
    assert event.occurrences.count() == 3


def test_the_capacity_cannot_go_below_the_places_taken(officer, organization):
    event = published(officer, organization, capacity=3)
    occurrence = event.occurrences.get()
    for resident in residents(2):
        services.sign_up(occurrence, user=resident, now=NOW)
    with pytest.raises(ServiceErrors) as refused:
        services.update_event(officer, event, capacity=1)
    assert [e.field for e in refused.value.errors] == ["capacity"]


def test_more_places_move_the_waiting_list_up_in_order(officer, organization):
    event = published(officer, organization, capacity=1)
    occurrence = event.occurrences.get()
    first, second, third = (
        services.sign_up(occurrence, user=resident, now=NOW).rsvp for resident in residents(3)
    )

    services.update_event(officer, event, capacity=2)

    def statuses() -> list[str]:
        return [Rsvp.objects.get(pk=r.pk).status for r in (first, second, third)]

    assert statuses() == [RsvpStatus.CONFIRMED, RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED]
    services.update_event(officer, event, capacity=None)
    assert statuses() == [RsvpStatus.CONFIRMED] * 3


def test_an_erased_account_gives_its_places_to_come_to_the_waiting_list(officer, organization):
    holder, waiting = residents(2)
    past = published(
        officer, organization, starts_at=local(2020, 3, 4, 19), ends_at=local(2020, 3, 4, 20)
    )
    coming = published(officer, organization, capacity=1).occurrences.get()
    services.sign_up(coming, user=holder, now=NOW)
    services.sign_up(coming, user=waiting, now=NOW)
    attended = Rsvp.objects.create(
        organization=organization,
        occurrence=past.occurrences.get(),
        user=holder,
        status=RsvpStatus.CONFIRMED,
        secret_digest="-",
    )

    account_services.erase_account(actor=holder)

    assert Rsvp.objects.get(occurrence=coming, user=holder).status == RsvpStatus.CANCELLED
    assert Rsvp.objects.get(occurrence=coming, user=waiting).status == RsvpStatus.CONFIRMED
    attended.refresh_from_db()
    assert attended.status == RsvpStatus.CONFIRMED  # what happened stays counted


def test_cancelling_keeps_the_event_and_raises_its_sequence(officer, organization):
    event = published(officer, organization)
    cancelled = services.cancel_event(officer, event)
    assert (cancelled.status, cancelled.sequence) == (EventStatus.CANCELLED, 1)
    with pytest.raises(ServiceError):
        services.cancel_event(officer, event)


# Signing up --------------------------------------------------------------------------------


def test_places_go_in_order_and_the_queue_is_promoted_in_order(officer, organization):
    occurrence = published(officer, organization, capacity=2).occurrences.get()
    first, second, third, fourth = residents(4)
    signed = [
        services.sign_up(occurrence, user=u, now=NOW + dt.timedelta(seconds=i)).rsvp
        for i, u in enumerate((first, second, third, fourth))
    ]
    assert [r.status for r in signed] == [
        RsvpStatus.CONFIRMED,
        RsvpStatus.CONFIRMED,
        RsvpStatus.WAITLISTED,
        RsvpStatus.WAITLISTED,
    ]
    services.cancel_sign_up(signed[0], now=NOW + dt.timedelta(minutes=5))
    statuses = {r.user: r.status for r in Rsvp.objects.all()}
    assert statuses[third] == RsvpStatus.CONFIRMED
    assert statuses[fourth] == RsvpStatus.WAITLISTED


def test_a_guest_holds_no_place_until_they_confirm_by_email(officer, organization):
    occurrence = published(officer, organization, capacity=1).occurrences.get()
    guest = services.sign_up(occurrence, name="Pat", email="Pat@Example.org", now=NOW)
    assert guest.rsvp.status == RsvpStatus.PENDING
    [resident] = residents(1)
    assert services.sign_up(occurrence, user=resident, now=NOW).rsvp.status == (
        RsvpStatus.CONFIRMED
    )
    confirmed = services.confirm_guest(guest.rsvp, guest.secret, now=NOW)
    assert confirmed.status == RsvpStatus.WAITLISTED
    again = services.confirm_guest(guest.rsvp, guest.secret, now=NOW)
    assert again.status == RsvpStatus.WAITLISTED


def test_a_forged_link_is_refused_and_a_second_sign_up_renews_the_link(officer, organization):
    occurrence = published(officer, organization).occurrences.get()
    guest = services.sign_up(occurrence, name="Pat", email="pat@example.org", now=NOW)
    with pytest.raises(ServiceError):
        services.confirm_guest(guest.rsvp, guest.secret[:-1] + "?", now=NOW)

    again = services.sign_up(occurrence, name="Pat again", email="PAT@example.org", now=NOW)

    assert again.rsvp.pk == guest.rsvp.pk and again.rsvp.name == "Pat"
    assert Rsvp.objects.filter(occurrence=occurrence).count() == 1
    with pytest.raises(ServiceError):  # the earlier link stopped working
        services.cancel_with_secret(again.rsvp, guest.secret, now=NOW)
    services.cancel_with_secret(again.rsvp, again.secret, now=NOW)
    assert services.sign_up(occurrence, name="Pat", email="pat@example.org", now=NOW)


def test_drafts_cancelled_dates_and_past_dates_take_no_sign_ups(officer, organization):
    [resident] = residents(1)
    draft = new_event(officer, organization).occurrences.get()
    with pytest.raises(ServiceError):
        services.sign_up(draft, user=resident, now=NOW)
    series = published(officer, organization, recurrence_rule="FREQ=WEEKLY;COUNT=2")
    first, second = series.occurrences.order_by("starts_at")
    services.cancel_occurrence(officer, first)
    with pytest.raises(ServiceError):
        services.sign_up(first, user=resident, now=NOW)
    with pytest.raises(ServiceError) as late:
        services.sign_up(second, user=resident, now=second.ends_at)
    assert late.value.code == "expired"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads need a server database")
def test_a_burst_of_simultaneous_sign_ups_never_exceeds_the_capacity():
    organization = factories.OrganizationFactory(slug="burst", timezone="America/Toronto")
    organizer = make_member(organization, Role.OFFICER)
    occurrence = published(organizer, organization, capacity=5).occurrences.get()
    people = residents(30)
    barrier = threading.Barrier(len(people))
    failures = []

    def sign(user):
        barrier.wait()
        try:
            services.sign_up(Occurrence.objects.get(pk=occurrence.pk), user=user, now=NOW)
        except Exception as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign, args=(u,)) for u in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    counts = {s: Rsvp.objects.filter(status=s).count() for s in RsvpStatus.values}
    assert counts[RsvpStatus.CONFIRMED] == 5
    assert counts[RsvpStatus.WAITLISTED] == 25
