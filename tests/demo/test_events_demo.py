"""The demo town's events: a year of them through the events services, a weekly watch
meeting, town halls with questions in every state, sign-ups, the door, recaps with
commitments and the engagement log, and nothing about a guest or an asker in public."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter

import icalendar
import pytest
from django.db.models import Count, Q
from django.utils import timezone

from trustbridge.accounts.models import User
from trustbridge.core.models import Area, AuditEvent, Organization
from trustbridge.demo import events as demo_events
from trustbridge.demo import town
from trustbridge.events import checkin, engagement
from trustbridge.events.models import (
    Commitment,
    CommitmentStatus,
    Event,
    EventKind,
    EventStatus,
    InformalContact,
    ModerationAction,
    ModerationEntry,
    Occurrence,
    Question,
    QuestionStatus,
    Recap,
    Rsvp,
    RsvpStatus,
    Vote,
)
from trustbridge.feedback.abuse import personal_details

pytestmark = pytest.mark.django_db

TORONTO = zoneinfo.ZoneInfo("America/Toronto")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        town.build()
        yield Organization.objects.get(slug="riverside-police")
        transaction.set_rollback(True)


def today() -> dt.date:
    return timezone.now().astimezone(TORONTO).date()


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(TORONTO)


def events_of(organization: Organization):
    return Event.objects.filter(organization=organization)


def town_halls(organization: Organization) -> tuple[Event, Event]:
    """The last town hall that is over and the next one to come."""
    now = timezone.now()
    halls = events_of(organization).filter(kind=EventKind.TOWN_HALL)
    past = halls.filter(ends_at__lte=now).order_by("-starts_at").first()
    upcoming = halls.filter(starts_at__gt=now).order_by("starts_at").first()
    assert past is not None and upcoming is not None
    return past, upcoming


def feed(client, path: str) -> icalendar.Calendar:
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def test_a_year_of_published_events_of_every_kind_across_the_areas(demo, db):
    found = events_of(demo)
    assert found.count() == len(demo_events.PAST_EVENTS) + len(demo_events.UPCOMING_EVENTS) + 2
    assert set(found.values_list("status", flat=True)) == {EventStatus.PUBLISHED}
    assert set(found.values_list("kind", flat=True)) == set(EventKind.values)
    days = [
        (local(o.starts_at).date() - today()).days
        for o in Occurrence.objects.filter(event__organization=demo)
    ]
    assert min(days) <= -329 and max(days) >= 85  # about a year back, three months ahead
    used = Area.objects.filter(organization=demo, pk__in=found.values("areas"))
    assert used.count() == Area.objects.filter(organization=demo).count() == 8
    northgate = Event.objects.filter(organization__slug="northgate-security")
    assert northgate.count() == len(demo_events.NORTHGATE_EVENTS)
    assert all(e.hosts.exists() for e in found)


def test_the_watch_meets_every_tuesday_at_seven_with_one_date_cancelled_and_one_moved(demo, db):
    watch = events_of(demo).get(kind=EventKind.WATCH_MEETING)
    assert watch.recurrence == "FREQ=WEEKLY;BYDAY=TU;COUNT=28"
    dates = list(watch.occurrences.order_by("original_start"))
    assert len(dates) == 28
    for date in dates:
        planned = local(date.original_start)
        assert (planned.weekday(), planned.time()) == (1, dt.time(19, 0))
    now = timezone.now()
    past = [d for d in dates if d.ends_at <= now]
    assert 15 <= len(past) <= 17
    cancelled = [d for d in dates if d.cancelled]
    moved = [d for d in dates if d.moved]
    assert len(cancelled) == 1 and len(moved) == 1
    assert cancelled[0].starts_at > now and moved[0].starts_at > now
    assert local(moved[0].starts_at).weekday() == 2
    assert local(moved[0].starts_at).time() == dt.time(19, 0)
    assert not Rsvp.objects.filter(occurrence=cancelled[0]).exists()
    # Every past meeting was attended, by regulars and now and then a newcomer.
    figures = [checkin.attendance(d) for d in past]
    assert all(f.attended > 0 for f in figures)
    assert 0 < sum(f.first_time for f in figures) < sum(f.checked_in for f in figures)


def test_the_last_town_hall_has_questions_answered_live_in_writing_hidden_merged_and_due(demo, db):
    hall, _upcoming = town_halls(demo)
    asked = Question.objects.filter(event=hall)
    assert Counter(asked.values_list("status", flat=True)) == {
        QuestionStatus.ANSWERED: 5,
        QuestionStatus.APPROVED: 1,
        QuestionStatus.HIDDEN: 1,
        QuestionStatus.MERGED: 1,
    }
    live = asked.filter(status=QuestionStatus.ANSWERED, answered_live=True)
    written = asked.filter(status=QuestionStatus.ANSWERED, answered_live=False)
    assert live.count() == 3 and written.count() == 2
    assert all(hall.starts_at <= q.answered_at <= hall.ends_at for q in live)
    assert all(q.answered_at > hall.ends_at and q.answer_due for q in written)
    assert all(q.answered_at.date() <= q.answer_due for q in written)
    due = asked.get(status=QuestionStatus.APPROVED)
    assert due.answer == "" and due.answer_due > today()  # the countdown is still running
    hidden = asked.get(status=QuestionStatus.HIDDEN)
    assert ModerationEntry.objects.get(question=hidden, action=ModerationAction.HIDDEN).reason
    merged = asked.get(status=QuestionStatus.MERGED)
    assert merged.merged_into.status == QuestionStatus.ANSWERED and merged.votes == 0
    # Votes are counted once per voter; the most popular question was answered first.
    for question in asked:
        assert question.votes == Vote.objects.filter(question=question).count()
    assert live.order_by("answered_at").first() == asked.order_by("-votes").first()
    # Signed-in residents asked some (kept for moderators only); the others are anonymous.
    assert 0 < asked.filter(asker__isnull=False).count() < asked.count()
    log = ModerationEntry.objects.filter(question__event=hall)
    assert all(entry.at <= timezone.now() for entry in log)
    assert log.filter(action=ModerationAction.ANSWERED).count() == 5


def test_the_next_town_hall_is_taking_questions_and_votes(demo, db):
    _past, hall = town_halls(demo)
    asked = Question.objects.filter(event=hall)
    assert Counter(asked.values_list("status", flat=True)) == {
        QuestionStatus.APPROVED: 3,
        QuestionStatus.PENDING: 1,
    }
    assert list(asked.filter(status=QuestionStatus.APPROVED).values_list("votes", flat=True)) == [
        8,
        5,
        2,
    ]
    assert not asked.exclude(answer="").exists()
    assert not asked.filter(answer_due__isnull=False).exists()


def test_sign_ups_are_residents_and_guests_in_every_state(demo, db):
    rsvps = Rsvp.objects.filter(organization=demo)
    assert set(rsvps.values_list("status", flat=True)) == set(RsvpStatus.values)
    residents = User.objects.filter(email__in=demo_events.RESIDENTS)
    assert rsvps.filter(user__in=residents).count() > 20
    guests = rsvps.filter(user__isnull=True)
    assert guests.count() > 200
    assert all(email.endswith("@example.org") for email in guests.values_list("email", flat=True))
    assert not rsvps.filter(user__isnull=False).exclude(email="", name="").exists()
    # Guests who never clicked their link hold no place; the waiting list is in order.
    assert not guests.filter(status=RsvpStatus.PENDING, confirmed_at__isnull=False).exists()
    upcoming = rsvps.filter(occurrence__starts_at__gt=timezone.now())
    assert upcoming.filter(status=RsvpStatus.PENDING).exists()


def full_dates(organization: Organization) -> list[Occurrence]:
    """Dates whose every place is taken and that have a waiting list."""
    dates = (
        Occurrence.objects.filter(organization=organization, event__capacity__isnull=False)
        .select_related("event")
        .annotate(taken=Count("rsvps", filter=Q(rsvps__status=RsvpStatus.CONFIRMED)))
        .annotate(queue=Count("rsvps", filter=Q(rsvps__status=RsvpStatus.WAITLISTED)))
    )
    return [o for o in dates if o.taken == o.event.capacity and o.queue > 0]


def places_held(occurrence: Occurrence, moment: dt.datetime) -> int:
    """How many places were taken at ``moment`` (a cancelled place was held until then)."""
    return sum(
        1
        for r in Rsvp.objects.filter(occurrence=occurrence, confirmed_at__lte=moment)
        if r.cancelled_at is None or r.cancelled_at > moment
    )


def test_a_full_event_has_a_waiting_list_in_the_past_and_one_to_come(demo, db):
    full = full_dates(demo)
    now = timezone.now()
    assert any(o.ends_at <= now for o in full) and any(o.starts_at > now for o in full)
    # The seeded generator of each event gives the same sign-ups whatever the day.
    first_aid = events_of(demo).get(texts__en__title__startswith="First aid for parents")
    assert Counter(
        Rsvp.objects.filter(occurrence__event=first_aid).values_list("status", flat=True)
    ) == {
        RsvpStatus.CONFIRMED: 20,
        RsvpStatus.WAITLISTED: 2,
        RsvpStatus.PENDING: 3,
        RsvpStatus.CANCELLED: 1,
    }
    # Nobody joined the waiting list while a place was free.
    for occurrence in full:
        for waiting in Rsvp.objects.filter(occurrence=occurrence, status=RsvpStatus.WAITLISTED):
            assert places_held(occurrence, waiting.queued_at) == occurrence.event.capacity


def test_attendance_is_counted_at_the_door_on_past_dates_only(demo, db):
    now = timezone.now()
    checked = Rsvp.objects.filter(organization=demo, checked_in_at__isnull=False)
    assert checked.count() > 150
    assert not checked.filter(occurrence__ends_at__gt=now).exists()
    assert not checked.exclude(status=RsvpStatus.CONFIRMED).exists()
    for rsvp in checked.select_related("occurrence"):
        assert abs(rsvp.checked_in_at - rsvp.occurrence.starts_at) <= dt.timedelta(minutes=30)
    assert not Occurrence.objects.filter(organization=demo, starts_at__gt=now, walk_ins__gt=0)
    past = Occurrence.objects.filter(organization=demo, ends_at__lte=now, rsvps__isnull=False)
    figures = [checkin.attendance(o) for o in past.distinct()]
    assert sum(f.walk_ins for f in figures) > 100
    assert sum(f.no_shows for f in figures) > 0
    first_time = sum(f.first_time for f in figures)
    assert 50 < first_time < sum(f.checked_in for f in figures)
    # A person counts as a first-timer once: at the first date they were checked in.
    firsts = Counter(
        (r.user_id, r.email) for r in checked.filter(first_time=True).order_by("checked_in_at")
    )
    assert set(firsts.values()) == {1}


def test_recaps_carry_attendance_and_commitments_open_done_and_dropped(demo, db):
    recaps = Recap.objects.filter(organization=demo).select_related("event")
    assert recaps.count() >= 4
    for recap in recaps:
        assert recap.published_at > recap.event.ends_at
        occurrence = recap.event.occurrences.get()
        assert recap.attended == checkin.attendance(occurrence).attended > 0
    commitments = Commitment.objects.filter(organization=demo)
    assert set(commitments.values_list("status", flat=True)) == set(CommitmentStatus.values)
    dropped = commitments.filter(status=CommitmentStatus.DROPPED)
    assert all(c.update and c.closed_at for c in dropped)
    assert all(c.closed_at for c in commitments.filter(status=CommitmentStatus.DONE))
    assert all(c.closed_at <= timezone.now() for c in commitments.exclude(closed_at=None))
    hall, _upcoming = town_halls(demo)
    assert hall.recap.questions_answered == 3  # the live answers; the written ones came later


def test_informal_contacts_over_the_last_90_days_in_several_areas(demo, db):
    contacts = InformalContact.objects.filter(organization=demo)
    assert 50 < contacts.count() < 150
    days = contacts.values_list("happened_on", flat=True)
    assert today() - dt.timedelta(days=90) <= min(days) and max(days) <= today()
    assert not any(personal_details(topic) for topic in contacts.values_list("topic", flat=True))
    figures = engagement.by_area(demo, today() - dt.timedelta(days=90), today())
    reached = {f.area.name for f in figures if f.area is not None and f.contacts}
    assert len(reached) >= 5
    assert {f.area.name for f in figures if f.area is not None and not f.contacts} == {
        "Cedar Heights",
        "Elm Park",
    }
    assert InformalContact.objects.filter(organization__slug="northgate-security").exists()


def test_the_feeds_show_the_events_and_never_a_guest_or_an_asker(demo, db, client):
    calendar = feed(client, "/o/riverside-police/events.ics")
    vevents = calendar.walk("VEVENT")
    titles = {str(v["SUMMARY"]) for v in vevents}
    past_hall, next_hall = town_halls(demo)
    assert {past_hall.title("en"), next_hall.title("en")} <= titles
    watch = [v for v in vevents if str(v["SUMMARY"]) == "Old Mill neighbourhood watch"]
    master = next(v for v in watch if "RRULE" in v)
    assert master["RRULE"]["FREQ"] == ["WEEKLY"] and master["RRULE"]["COUNT"] == [28]
    assert len(master["EXDATE"].dts) == 1
    assert len([v for v in watch if v.get("RECURRENCE-ID") is not None]) == 1
    area = feed(client, "/o/riverside-police/areas/old-mill/events.ics")
    assert "Old Mill neighbourhood watch" in {str(v["SUMMARY"]) for v in area.walk("VEVENT")}

    text = b"".join(
        client.get(path).content
        for path in (
            "/o/riverside-police/events.ics",
            "/o/riverside-police/areas/old-mill/events.ics",
            "/o/northgate-security/events.ics",
            *(f"/o/riverside-police/events/{e.pk}.ics" for e in (past_hall, next_hall)),
        )
    ).decode()
    unfolded = text.replace("\r\n ", "")
    assert "@example.org" not in unfolded
    for name, email in demo_events.GUESTS:
        assert name not in unfolded and email not in unfolded
    for person in User.objects.filter(email__in=demo_events.RESIDENTS):
        assert person.email not in unfolded
        assert not person.display_name or person.display_name not in unfolded
    for question in Question.objects.filter(organization=demo):
        assert question.text[:30] not in unfolded


def test_building_the_demo_again_adds_no_events(demo, db):
    def snapshot():
        return (
            Event.objects.count(),
            Occurrence.objects.count(),
            list(Rsvp.objects.order_by("pk").values_list("pk", "status", "checked_in_at")),
            Question.objects.count(),
            Vote.objects.count(),
            Recap.objects.count(),
            Commitment.objects.count(),
            InformalContact.objects.count(),
            AuditEvent.objects.count(),
        )

    before = snapshot()
    town.build()
    assert snapshot() == before
