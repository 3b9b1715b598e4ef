"""Events benchmark: a burst of simultaneous sign-ups for one date with few places.

A fresh database (PostgreSQL, or a SQLite file), two gunicorn worker processes, and
``--rsvps`` signed-in residents (2,000 by default) who all press "Sign up" for the same
200-place date at once: each client thread waits at a barrier, then posts the page's own
form (``events:rsvp``) with its resident's session, as a browser would. The e-mails each
sign-up enqueues go to the real task queue (the database), as in production.

Checked afterwards, from the database and the answers:

- exactly ``--places`` sign-ups hold a place and every other one is on the waiting list;
- none lost (every resident whose request was answered has exactly one sign-up) and none
  duplicated (nobody has two, and no sign-up exists without an answered request);
- the waiting list is in order: the places went to the first sign-ups decided under the
  date's lock, the queue follows that order, and a sign-up answered before another was even
  sent is never behind it.

Prints sign-ups/s and p50/p99 latency, beside two baselines from the same clients in the
same run: the event's public page (a read of the same date) and ``GET /healthz`` (the
server's ceiling for a request that touches nothing).

Usage: ``python benchmarks/events.py [--database both|postgresql|sqlite] [--rsvps 2000]
[--places 200] [--clients 64]``. Target (issue 5): exactly 200 confirmed, the rest waitlisted
in order, none lost or duplicated, on both databases.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import http.client
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import harness

SLUG = "bench-events"
# Sign-ups enqueue their e-mails in the database, as in production.
REAL_TASKS = {"TRUSTBRIDGE_BENCH_REAL_TASKS": "1"}


def _sqlite() -> tuple[str, Callable[[], None]]:
    folder = tempfile.TemporaryDirectory(prefix="tb-ebench-")
    return f"sqlite:///{folder.name}/bench.sqlite3", folder.cleanup


# The town: one date with few places, and residents signed in already ---------------------


def _town(residents: int, places: int) -> tuple[Any, Any, list[tuple[int, str]]]:
    """The event, its date, and (user id, session key) for each resident."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone

    from trustbridge.accounts.models import User
    from trustbridge.core import services as core_services
    from trustbridge.core.models import Membership, OrganizationKind, Role
    from trustbridge.events import services

    call_command("migrate", verbosity=0)
    organization = core_services.create_organization(
        actor=None,
        slug=SLUG,
        name="Benchmark Police",
        kind=OrganizationKind.POLICE,
        timezone="America/Toronto",
    )
    organizer = User.objects.create_user("organizer@bench.example", "bench-password-2026")
    Membership.objects.create(organization=organization, user=organizer, role=Role.OFFICER)
    starts = timezone.now() + dt.timedelta(days=7)
    event = services.create_event(
        organizer,
        organization,
        kind="gathering",
        texts={"en": {"title": "Summer barbecue", "description": "Everyone is welcome."}},
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
        venue="Riverside Park pavilion",
        capacity=places,
    )
    event = services.publish_event(organizer, event)
    occurrence = event.occurrences.get()

    unusable = make_password(None)  # they never sign in with a password: sessions exist
    users = User.objects.bulk_create(
        [User(email=f"resident{n}@bench.example", password=unusable) for n in range(residents)]
    )
    backend = settings.AUTHENTICATION_BACKENDS[0]
    sessions = []
    for user in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append((user.pk, store.session_key))
    return event, occurrence, sessions


# The burst ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    user_id: int
    sent: float
    received: float
    status: int


def _burst(
    port: int, clients: int, jobs: list[tuple[int, str, str, bytes | None, dict[str, str]]]
) -> tuple[list[Answer], float]:
    """Send every job (user id, method, path, body, headers) from ``clients`` threads that
    start together; returns the answers and the wall time from the start to the last one."""
    answers: list[Answer] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)
    shares = [jobs[n::clients] for n in range(clients)]

    def client(share: list[tuple[int, str, str, bytes | None, dict[str, str]]]) -> None:
        mine = []
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        barrier.wait()
        for user_id, method, path, body, headers in share:
            sent = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            except OSError:
                status = 0
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            mine.append(Answer(user_id, sent, time.perf_counter(), status))
        connection.close()
        with lock:
            answers.extend(mine)

    threads = [threading.Thread(target=client, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return answers, time.perf_counter() - began


def _figures(answers: list[Answer], elapsed: float) -> dict[str, Any]:
    latencies = [(a.received - a.sent) * 1000 for a in answers]
    statuses: dict[int, int] = {}
    for answer in answers:
        statuses[answer.status] = statuses.get(answer.status, 0) + 1
    return {
        "per_second": len(answers) / elapsed,
        "p50": statistics.median(latencies),
        "p99": harness.percentile(latencies, 0.99),
        "statuses": statuses,
    }


def run(database: str, residents: int, places: int, clients: int) -> bool:
    """One database: build the town, measure, check; True when every check passed."""
    if database == "postgresql":
        database_url, drop = harness.postgresql_database("tb_ebench")
    else:
        database_url, drop = _sqlite()
    try:
        harness.setup_django(database_url, **REAL_TASKS)
        from django.urls import reverse

        from trustbridge.events.models import Rsvp, RsvpStatus

        event, occurrence, sessions = _town(residents, places)
        detail = reverse("events:detail", args=[SLUG, event.pk])
        rsvp = reverse("events:rsvp", args=[SLUG, event.pk, occurrence.pk])
        csrf = secrets.token_hex(16)  # a 32-character secret, sent as cookie and field
        body = urlencode({"csrfmiddlewaretoken": csrf}).encode()

        def headers(session_key: str, form: bool) -> dict[str, str]:
            sent = {"Cookie": f"sessionid={session_key}; csrftoken={csrf}"}
            if form:
                sent["Content-Type"] = "application/x-www-form-urlencoded"
            return sent

        reads = [(u, "GET", detail, None, headers(k, False)) for u, k in sessions]
        writes = [(u, "POST", rsvp, body, headers(k, True)) for u, k in sessions]
        server, port = harness.start_gunicorn(harness.environment(database_url, **REAL_TASKS))
        try:
            _burst(port, clients, reads[: clients * 4])  # warm both workers
            ceiling = _figures(
                *_burst(port, clients, [(u, "GET", "/healthz", None, {}) for u, *_r in reads])
            )
            baseline = _figures(*_burst(port, clients, reads))
            answers, elapsed = _burst(port, clients, writes)
        finally:
            server.terminate()
            server.wait(timeout=30)
        measured = _figures(answers, elapsed)
        checks = _check(answers, places, Rsvp, RsvpStatus, occurrence)
    finally:
        drop()
    print(
        f"## {database}: {residents:,} simultaneous sign-ups for {places} places, "
        f"{clients} clients, two gunicorn workers",
        flush=True,
    )
    print(
        f"   {measured['per_second']:.0f} sign-ups/s, p50 {measured['p50']:.0f} ms, "
        f"p99 {measured['p99']:.0f} ms; answers {measured['statuses']}"
    )
    print(
        f"   baseline, the event page read by the same clients: "
        f"{baseline['per_second']:.0f} requests/s, p99 {baseline['p99']:.0f} ms; sign-ups run "
        f"at {measured['per_second'] / baseline['per_second']:.0%} of that rate"
    )
    print(
        f"   ceiling, GET /healthz by the same clients: {ceiling['per_second']:.0f} requests/s, "
        f"p99 {ceiling['p99']:.0f} ms"
    )
    for name, (passed, detail_text) in checks.items():
        print(f"   {'ok    ' if passed else 'FAILED'} {name}: {detail_text}")
    return all(passed for passed, _detail in checks.values())


def _check(
    answers: list[Answer], places: int, Rsvp: Any, RsvpStatus: Any, occurrence: Any
) -> dict[str, tuple[bool, str]]:
    rows = list(
        Rsvp.objects.filter(occurrence=occurrence).values_list(
            "id", "user_id", "status", "confirmed_at", "queued_at"
        )
    )
    answered = {a.user_id for a in answers if a.status in (200, 302, 303)}
    by_user: dict[int, int] = {}
    for _id, user_id, *_rest in rows:
        by_user[user_id] = by_user.get(user_id, 0) + 1
    confirmed = [r for r in rows if r[2] == RsvpStatus.CONFIRMED]
    waitlisted = [r for r in rows if r[2] == RsvpStatus.WAITLISTED]
    other = len(rows) - len(confirmed) - len(waitlisted)
    # Decided under the date's lock: ids in that order, and the queue (queued_at, id) too.
    decided = sorted(rows, key=lambda r: r[0])
    places_first = {r[0] for r in decided[:places]} == {r[0] for r in confirmed}
    queue = [r[0] for r in sorted(waitlisted, key=lambda r: (r[4], r[0]))]
    queue_in_order = queue == sorted(queue)
    # A sign-up answered before another was sent must be ahead of it.
    id_of = {r[1]: r[0] for r in rows}
    done = sorted((a.received, id_of[a.user_id]) for a in answers if a.user_id in id_of)
    running_max, highest = [], 0
    for _received, rsvp_id in done:
        highest = max(highest, rsvp_id)
        running_max.append(highest)
    received_times = [d[0] for d in done]
    overtaken = 0
    for answer in answers:
        if answer.user_id not in id_of:
            continue
        earlier = bisect.bisect_left(received_times, answer.sent)
        if earlier and running_max[earlier - 1] > id_of[answer.user_id]:
            overtaken += 1
    return {
        "exactly the places confirmed": (
            len(confirmed) == places,
            f"{len(confirmed)} confirmed of {places} places",
        ),
        "the rest waitlisted": (
            len(waitlisted) == len(answers) - places and other == 0,
            f"{len(waitlisted)} waitlisted, {other} in another state",
        ),
        "none lost": (
            answered == set(by_user) and len(answered) == len(answers),
            f"{len(answers)} sent, {len(answered)} answered, {len(by_user)} with a sign-up",
        ),
        "none duplicated": (
            max(by_user.values(), default=0) == 1,
            f"most sign-ups by one resident: {max(by_user.values(), default=0)}",
        ),
        "places went to the first decided": (places_first, "by the order of the lock"),
        "waiting list in order": (
            queue_in_order and overtaken == 0,
            f"queue follows the lock's order: {queue_in_order}; sign-ups placed behind one "
            f"sent after them was answered: {overtaken}",
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("both", "postgresql", "sqlite"), default="both")
    parser.add_argument("--rsvps", type=int, default=2000, help="residents signing up at once")
    parser.add_argument("--places", type=int, default=200, help="places at the date")
    parser.add_argument("--clients", type=int, default=64, help="concurrent client threads")
    args = parser.parse_args()
    if args.database == "both":
        # Django is set up once per process: each database gets its own.
        failed = False
        for database in ("postgresql", "sqlite"):
            command = [sys.executable, __file__, "--database", database]
            command += ["--rsvps", str(args.rsvps), "--places", str(args.places)]
            command += ["--clients", str(args.clients)]
            failed |= subprocess.run(command, check=False).returncode != 0  # noqa: S603
        return 1 if failed else 0
    return 0 if run(args.database, args.rsvps, args.places, args.clients) else 1


if __name__ == "__main__":
    sys.exit(main())
