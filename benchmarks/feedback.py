"""Feedback benchmark: sustained submissions through the API, and staff and public queries at scale.

1. **Submissions.** A fresh PostgreSQL database, two gunicorn worker processes on this
   machine, and client threads posting feedback to ``POST /api/v1/organizations/{slug}/feedback``
   for a fixed time. Prints submissions/s, p50/p99 latency, and proves that none was lost:
   every 201 answer's tracking code is in the database and the database holds nothing else.
   The baseline, in the same run and setup: the same clients on ``GET /healthz`` (the
   server's ceiling for a request that touches nothing).
2. **Queries at scale.** The database is filled to ``--items`` feedback items (1 M by
   default) with bulk inserts, then typical staff inbox pages (``feedback.inbox``) and public
   accountability figures (``feedback.accountability``, summed from the roll-up after the
   timer's refresh) are timed, p50/p95, against the baseline of one plain pass over the
   organisation's items (``COUNT(*)``); the figures read straight from the items
   (``plain_accountability``) and the roll-up's build and refresh times are printed too.

Usage: ``python benchmarks/feedback.py [--seconds 30] [--clients 8] [--items 1000000]``.
Targets (issue 4): ≥ 300 submissions/s, none lost, p99 ≤ 250 ms; inbox and accountability
p95 ≤ 50 ms at 1 M items.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import harness

SLUG = "bench-feedback"
# Every simulated resident posts from 127.0.0.1 without a key.
ANON_API = {"TRUSTBRIDGE_API_ANON_RATE_LIMIT": "100000000/m"}
SUBMISSION_TARGET = 300.0
P99_TARGET_MS = 250.0
QUERY_TARGET_MS = 50.0


def _town() -> tuple[Any, list[Any], Any]:
    """The organisation, its areas and an officer who works the inbox."""
    from django.core.management import call_command

    from trustbridge.accounts.models import User
    from trustbridge.core import services as core_services
    from trustbridge.core.models import Membership, OrganizationKind, Role
    from trustbridge.feedback.defaults import ensure_feedback_setup

    call_command("migrate", verbosity=0)
    organization = core_services.create_organization(
        actor=None,
        slug=SLUG,
        name="Benchmark Police",
        kind=OrganizationKind.POLICE,
        timezone="America/Toronto",
    )
    areas = []
    for i in range(12):
        west, south = -79.5 + (i % 4) * 0.02, 43.6 + (i // 4) * 0.02
        ring = [
            [west, south],
            [west + 0.02, south],
            [west + 0.02, south + 0.02],
            [west, south + 0.02],
            [west, south],
        ]
        areas.append(
            core_services.create_area(
                actor=None,
                organization=organization,
                name=f"Ward {i + 1}",
                geometry={"type": "Polygon", "coordinates": [ring]},
                population=10_000 + 1_000 * i,
            )
        )
    ensure_feedback_setup(organization)
    officer = User.objects.create_user("officer@bench.example", "bench-password-2026")
    Membership.objects.create(organization=organization, user=officer, role=Role.OFFICER)
    return organization, areas, officer


# 1. Submissions ----------------------------------------------------------------------------


def _load(
    port: int,
    clients: int,
    seconds: float,
    make_request: Callable[[int, int], tuple[str, str, bytes | None]],
) -> dict[str, Any]:
    """Run ``clients`` threads for ``seconds``; each request is (method, path, body)."""
    results: list[tuple[float, int, bytes]] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client(number: int) -> None:
        sequence = 0
        mine = []
        while time.perf_counter() < stop_at:
            method, path, body = make_request(number, sequence)
            sequence += 1
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            began = time.perf_counter()
            headers = {"Content-Type": "application/json"} if body else {}
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                status = response.status
            except OSError:
                status, payload = 0, b""
            finally:
                connection.close()
            mine.append((time.perf_counter() - began, status, payload))
        with lock:
            results.extend(mine)

    began = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies = [r[0] * 1000 for r in results]
    statuses: dict[int, int] = {}
    for _l, status, _p in results:
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "requests": len(results),
        "per_second": len(results) / elapsed,
        "p50": harness.percentile(latencies, 0.50),
        "p99": harness.percentile(latencies, 0.99),
        "statuses": statuses,
        "payloads": [p for _l, s, p in results if s == 201],
    }


def submissions(args: argparse.Namespace, database_url: str, areas: list[Any]) -> dict[str, Any]:
    from trustbridge.feedback.models import Item

    server, port = harness.start_gunicorn(
        harness.environment(database_url, **ANON_API), threads=args.threads
    )
    try:
        slugs = [a.slug for a in areas]
        words = [
            "street",
            "light",
            "broken",
            "corner",
            "park",
            "bus",
            "shelter",
            "speeding",
            "school",
            "noise",
            "night",
        ]

        def feedback(client: int, sequence: int) -> tuple[str, str, bytes | None]:
            rng = random.Random(client * 1_000_003 + sequence)
            body = {
                "kind": "concern",
                "category": rng.choice(("safety", "nuisance", "traffic")),
                "description": f"{' '.join(rng.choices(words, k=12))} (client {client}, #{sequence})",
                "area": rng.choice(slugs),
            }
            return "POST", f"/api/v1/organizations/{SLUG}/feedback", json.dumps(body).encode()

        # Warm both workers (imports, connections), then measure.
        _load(port, args.clients, 2, lambda c, s: ("GET", "/healthz", None))
        baseline = _load(
            port, args.clients, args.seconds / 3, lambda c, s: ("GET", "/healthz", None)
        )
        measured = _load(port, args.clients, args.seconds, feedback)
    finally:
        server.terminate()
        server.wait(timeout=30)
    answered = {json.loads(p)["reference"] for p in measured["payloads"]}
    stored = set(Item.objects.filter(organization__slug=SLUG).values_list("reference", flat=True))
    return {
        "submissions_per_s": measured["per_second"],
        "p50_ms": measured["p50"],
        "p99_ms": measured["p99"],
        "statuses": measured["statuses"],
        "accepted": len(answered),
        "stored": len(stored),
        "lost": len(answered - stored),
        "unexplained": len(stored - answered),
        "healthz_per_s": baseline["per_second"],
        "healthz_p99_ms": baseline["p99"],
    }


# 2. Queries at scale ------------------------------------------------------------------------


def fill(organization: Any, areas: list[Any], officer: Any, items: int, seed: int = 4) -> int:
    """Bulk-insert items (with their clocks) up to ``items``; returns how many there are."""
    import datetime as dt

    from django.db.models import F

    from trustbridge.feedback import targets
    from trustbridge.feedback.models import Category, Item, Kind, Moderation, Status

    rng = random.Random(seed)
    categories = list(Category.objects.filter(organization=organization))
    calendar = targets.Calendar.of(organization)
    now = dt.datetime.now(dt.UTC)
    have = Item.objects.filter(organization=organization).count()
    batch: list[Any] = []
    statuses = (
        [Status.RESOLVED] * 70
        + [Status.CLOSED] * 8
        + [Status.NEW] * 5
        + [Status.ACKNOWLEDGED] * 5
        + [Status.IN_PROGRESS] * 9
        + [Status.WAITING] * 3
    )
    for n in range(have, items):
        category = rng.choice(categories)
        submitted = now - dt.timedelta(seconds=rng.randrange(730 * 86400))
        item = Item(
            organization=organization,
            reference=f"B{n:09d}",
            secret_digest="0" * 64,
            kind=category.kind or Kind.CONCERN,
            category=category,
            description=f"benchmark item {n} about {rng.choice(('lights', 'speeding', 'noise', 'parking', 'graffiti'))}",
            area=rng.choice(areas),
            submitted_at=submitted,
            status=Status.NEW,
            fingerprint=f"{rng.randrange(200_000):x}",
            assignee=officer if rng.random() < 0.3 else None,
        )
        targets.start_clocks(item, calendar)
        status = rng.choice(statuses)
        if status != Status.NEW:
            acknowledged = calendar.add_hours(
                submitted, rng.uniform(0.2, 1.5) * category.acknowledge_hours
            )
            if acknowledged and acknowledged < now:
                targets.record_transition(
                    item,
                    Status.ACKNOWLEDGED if status != Status.WAITING else Status.WAITING,
                    acknowledged,
                    calendar,
                )
                finished = calendar.add_hours(
                    submitted, rng.uniform(0.2, 1.6) * category.resolve_hours
                )
                if status in (Status.RESOLVED, Status.CLOSED) and finished and finished < now:
                    targets.record_transition(item, status, finished, calendar)
                elif status == Status.IN_PROGRESS:
                    targets.record_transition(item, status, acknowledged, calendar)
        if rng.random() < 0.04 and item.kind != Kind.CONDUCT:
            item.wants_public, item.moderation, item.public_text = (
                True,
                Moderation.APPROVED,
                item.description,
            )
        batch.append(item)
        if len(batch) >= 5_000:
            Item.objects.bulk_create(batch)
            batch = []
    Item.objects.bulk_create(batch)
    # Each item last changed around when it was received, not all in the last minutes: the
    # roll-up's refresh reads only months with recent changes.
    Item.objects.filter(organization=organization, reference__startswith="B").update(
        updated_at=F("submitted_at")
    )
    return Item.objects.filter(organization=organization).count()


def _timed(call: Callable[[], Any]) -> float:
    began = time.perf_counter()
    call()
    return (time.perf_counter() - began) * 1000


def queries(organization: Any, areas: list[Any], officer: Any, samples: int) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from trustbridge.feedback import accountability, inbox, rollup
    from trustbridge.feedback.models import Category, Item, Status

    rng = random.Random(9)
    categories = list(Category.objects.filter(organization=organization).exclude(kind="conduct"))
    inbox_filters: list[tuple[str, Any]] = []
    for _ in range(samples):
        choice = rng.random()
        if choice < 0.3:
            kind, f = "open items", inbox.InboxFilter()
        elif choice < 0.45:
            kind, f = "a category", inbox.InboxFilter(category=rng.choice(categories).pk)
        elif choice < 0.6:
            kind, f = "an area, all", inbox.InboxFilter(area=rng.choice(areas).pk, status=inbox.ALL)
        elif choice < 0.7:
            kind, f = "mine", inbox.InboxFilter(assignee=inbox.Assignee.MINE)
        elif choice < 0.8:
            kind, f = "overdue", inbox.InboxFilter(flag=inbox.FlagFilter.OVERDUE)
        elif choice < 0.9:
            kind, f = "a status", inbox.InboxFilter(status=rng.choice([s.value for s in Status]))
        else:
            words = rng.choice(("speeding", "noise lights", "parking"))
            kind, f = "search", inbox.InboxFilter(q=words)
        inbox_filters.append((kind, f))
    account_params = []
    for _ in range(samples):
        params: dict[str, str] = {}
        if rng.random() < 0.4:
            params["category"] = rng.choice(categories).code
        if rng.random() < 0.4:
            params["area"] = rng.choice(areas).slug
        if rng.random() < 0.3:
            params["period"] = rng.choice(("this-year", "last-year"))
        account_params.append(params)

    for _kind, f in inbox_filters[:5]:  # warm the database's caches, not ours
        inbox.inbox_page(officer, organization, f)
    inbox_by_kind: dict[str, list[float]] = {}
    for kind, f in inbox_filters:
        elapsed = _timed(lambda f=f: inbox.inbox_page(officer, organization, f))
        inbox_by_kind.setdefault(kind, []).append(elapsed)
    inbox_ms = [ms for samples_of_kind in inbox_by_kind.values() for ms in samples_of_kind]
    now = timezone.now()
    began = time.perf_counter()
    rollup.refresh(organization, now)  # what the escalation timer does; here, from nothing
    build_s = time.perf_counter() - began
    for params in account_params[:5]:
        accountability.accountability(
            accountability.AccountabilityFilter.from_params(organization, params, now=now)
        )
    account_ms = [
        _timed(
            lambda p=p: accountability.accountability(
                accountability.AccountabilityFilter.from_params(organization, p, now=now)
            )
        )
        for p in account_params
    ]
    plain_ms = [
        _timed(
            lambda p=p: accountability.plain_accountability(
                accountability.AccountabilityFilter.from_params(organization, p, now=now)
            )
        )
        for p in account_params[:5]
    ]
    # A timer's refresh after a day's work: a thousand recent items changed.
    recent = list(
        Item.objects.filter(organization=organization, status=Status.NEW)
        .order_by("-submitted_at")
        .values_list("pk", flat=True)[:1000]
    )
    Item.objects.filter(pk__in=recent).update(updated_at=timezone.now())
    later = timezone.now()
    began = time.perf_counter()
    rollup.refresh(organization, later)
    refresh_s = time.perf_counter() - began
    public_ms = [
        _timed(lambda: list(accountability.public_items(organization)[:20]))
        for _ in range(samples // 4)
    ]

    def full_pass() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*), SUM(length(description)) FROM {Item._meta.db_table} WHERE organization_id = %s",  # noqa: S608
                [organization.pk],
            )
            cursor.fetchone()

    baseline_ms = [_timed(full_pass) for _ in range(5)]
    return {
        "inbox": (statistics.median(inbox_ms), harness.percentile(inbox_ms, 0.95)),
        "inbox by filter": {
            kind: (statistics.median(ms), harness.percentile(ms, 0.95))
            for kind, ms in inbox_by_kind.items()
        },
        "accountability": (statistics.median(account_ms), harness.percentile(account_ms, 0.95)),
        "accountability from the items": statistics.median(plain_ms),
        "roll-up built": build_s,
        "roll-up refreshed": refresh_s,
        "public list": (statistics.median(public_ms), harness.percentile(public_ms, 0.95)),
        "baseline": statistics.median(baseline_ms),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30, help="length of the submission run")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per gunicorn worker (1: sync worker)"
    )
    parser.add_argument("--items", type=int, default=1_000_000, help="items for the query timings")
    parser.add_argument("--samples", type=int, default=200, help="filters timed per query kind")
    args = parser.parse_args()
    database_url, drop = harness.postgresql_database("tb_fbench")
    failed = False
    try:
        harness.setup_django(database_url, **ANON_API)
        organization, areas, officer = _town()
        print(
            f"## Submissions: {args.clients} clients for {args.seconds:.0f} s, two gunicorn "
            f"workers of {args.threads} threads, PostgreSQL",
            flush=True,
        )
        s = submissions(args, database_url, areas)
        print(
            f"   {s['submissions_per_s']:.0f} submissions/s (target ≥ {SUBMISSION_TARGET:.0f}), "
            f"p50 {s['p50_ms']:.1f} ms, p99 {s['p99_ms']:.1f} ms (target ≤ {P99_TARGET_MS:.0f}); "
            f"answers {s['statuses']}"
        )
        print(
            f"   accepted {s['accepted']:,}, stored {s['stored']:,}, lost {s['lost']}, stored "
            f"without an answer {s['unexplained']}"
        )
        print(
            f"   baseline GET /healthz: {s['healthz_per_s']:.0f} requests/s, p99 "
            f"{s['healthz_p99_ms']:.1f} ms; submissions run at "
            f"{s['submissions_per_s'] / s['healthz_per_s']:.0%} of that ceiling"
        )
        failed |= s["lost"] > 0 or s["unexplained"] > 0
        failed |= s["submissions_per_s"] < SUBMISSION_TARGET or s["p99_ms"] > P99_TARGET_MS
        print(f"## Queries at {args.items:,} items", flush=True)
        began = time.perf_counter()
        total = fill(organization, areas, officer, args.items)
        print(f"   filled to {total:,} items in {time.perf_counter() - began:.0f} s", flush=True)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        q = queries(organization, areas, officer, args.samples)
        for name in ("inbox", "accountability", "public list"):
            p50, p95 = q[name]
            verdict = "ok" if p95 <= QUERY_TARGET_MS else "MISSED"
            print(
                f"   {name:15} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms (target ≤ {QUERY_TARGET_MS:.0f}: "
                f"{verdict}); one pass over the items takes {q['baseline']:.0f} ms: "
                f"{q['baseline'] / p95:.0f} times the p95"
            )
            failed |= p95 > QUERY_TARGET_MS
        print(
            f"   accountability from the roll-up p50 {q['accountability'][0]:.2f} ms; read from "
            f"the items (the baseline) p50 {q['accountability from the items']:.0f} ms: "
            f"{q['accountability from the items'] / q['accountability'][0]:.0f} times slower"
        )
        print(
            f"   roll-up built from nothing in {q['roll-up built']:.1f} s; refreshed after "
            f"1,000 recent changes in {q['roll-up refreshed']:.2f} s"
        )
        for kind, (p50, p95) in sorted(q["inbox by filter"].items()):
            print(f"     inbox, {kind:13} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms")
    finally:
        drop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
