"""Transparency benchmark: incident import speed and statistics latency, against a baseline.

    .venv/bin/python benchmarks/transparency.py [--rows 1000000 ...] [--database sqlite|postgres]
                                                [--skip-10m] [--filters 240] [--profile]

For each size (default 1 M and 10 M rows) it writes a synthetic export of a 50-area city
over four years (``synthetic.py``, streamed to a temporary file), then for each database
(SQLite in a temporary file; PostgreSQL in a fresh database tb_bench_<pid> on
127.0.0.1:5432 that it creates and drops) runs, in a child process with its own settings:

1. the import through ``services.import_incidents`` (the real path: parsing, generalisation,
   point-in-polygon, H3 cells, upserts, roll-ups): rows per second;
2. dashboard statistics through ``queries.py`` over ``--filters`` typical filters (last 12
   months of all areas, one area over one quarter, one category over one year, by area,
   series by month, comparison), p50 and p95, and the whole dashboard's statistics for
   one filter (total, monthly and weekly series, by area, by category, comparison, pattern);
3. the public statistics API (``/api/v1/organizations/<slug>/statistics``) through
   ``django.test.Client``, p50 and p95;
4. the baseline: the same answers computed by a plain GROUP BY over the Incident table
   (local month x area x category, then the same publication rule), on a subset of the
   filters, with p50/p95 and the speed-up; every answer is compared with the roll-up
   path's (published figures and left-out cells, and the unsuppressed total of the
   roll-ups against a COUNT over Incident), and any disagreement fails the run.

Targets: import ≥ 50,000 rows/s (PostgreSQL), ≥ 20,000 rows/s (SQLite); statistics p95
≤ 50 ms at 10 M incidents; ≥ 50x faster than the GROUP BY.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
SLUG = "bench-city"
TARGETS = {"sqlite": 20_000, "postgres": 50_000}
P95_TARGET_MS = 50.0
SPEEDUP_TARGET = 50.0


# Parent: generate, run one child per database, print the table ----------------------------


def _sizes(args: argparse.Namespace) -> list[int]:
    sizes = args.rows or [1_000_000, 10_000_000]
    if args.skip_10m:
        sizes = [n for n in sizes if n < 10_000_000]
    return sizes


def _fmt_ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _print_table(results: list[dict[str, Any]]) -> None:
    print()
    print("=" * 100)
    print("Transparency benchmark — results")
    print("=" * 100)
    header = f"{'rows':>12} {'database':9} {'import rows/s':>14} {'target':>8} {'s':>8}  {'created':>10} {'rejected':>8}"
    print(header)
    for r in results:
        target = TARGETS[r["database"]]
        verdict = "ok" if r["import_rows_per_s"] >= target else "MISSED"
        print(
            f"{r['rows']:>12,} {r['database']:9} {r['import_rows_per_s']:>14,.0f} {target:>8,} "
            f"{r['import_seconds']:>8.1f}  {r['created']:>10,} {r['rejected']:>8,}  {verdict}"
        )
    print()
    print(
        f"{'rows':>12} {'database':9} {'statistic':32} {'n':>5} {'p50 ms':>9} {'p95 ms':>9}"
        f" {'GROUP BY p50':>13} {'p95':>9} {'speed-up p50':>13}"
    )
    for r in results:
        for name, s in r["latency"].items():
            base = r["baseline"].get(name)
            speedup = f"{base['p50'] / s['p50']:>12.0f}x" if base and s["p50"] else f"{'':>13}"
            print(
                f"{r['rows']:>12,} {r['database']:9} {name:32} {s['n']:>5} {s['p50']:>9.2f} "
                f"{s['p95']:>9.2f} {_fmt_ms(base['p50'] if base else None):>13} "
                f"{_fmt_ms(base['p95'] if base else None):>9} {speedup}"
            )
    print()
    for r in results:
        stats = r["latency"]["all statistics (typical)"]
        base = r["baseline"]["all statistics (typical)"]
        raw = r["baseline"].get("raw COUNT(*) only")
        print(
            f"{r['rows']:>12,} {r['database']:9} statistics p95 {stats['p95']:.2f} ms "
            f"(target ≤ {P95_TARGET_MS:.0f}: {'ok' if stats['p95'] <= P95_TARGET_MS else 'MISSED'}); "
            f"speed-up over GROUP BY on the same filters: p50 {r['speedup_p50']:.0f}x, "
            f"mean {r['speedup_mean']:.0f}x (target ≥ {SPEEDUP_TARGET:.0f}: "
            f"{'ok' if r['speedup_p50'] >= SPEEDUP_TARGET else 'MISSED'}); "
            f"GROUP BY p50 {base['p50']:.0f} ms"
            + (f", bare COUNT(*) p50 {raw['p50']:.1f} ms" if raw else "")
        )
        print(
            f"{'':>22} answers agree: {r['agreement']['agreed']}/{r['agreement']['compared']} "
            f"filters; unsuppressed roll-up totals = COUNT over Incident on "
            f"{r['agreement']['unsuppressed_agreed']}/{r['agreement']['compared']}; "
            f"roll-up cells: {r['rollup_rows']:,}"
        )
    print("=" * 100)


def parent(args: argparse.Namespace) -> int:
    databases = [args.database] if args.database else ["sqlite", "postgres"]
    workdir = Path(tempfile.mkdtemp(prefix="tb-bench-", dir=args.tmp))
    print(shutil.disk_usage(workdir), flush=True)
    results: list[dict[str, Any]] = []
    failed = False
    try:
        for rows in _sizes(args):
            free = shutil.disk_usage(workdir).free
            needed = rows * 130 * (2 if "sqlite" in databases else 1) * 3
            if free < needed:
                print(
                    f"Not enough disk for {rows:,} rows: {free / 1e9:.1f} GB free, need ~{needed / 1e9:.1f} GB"
                )
                failed = True
                continue
            csv_path = workdir / f"incidents-{rows}.csv"
            print(f"\n## {rows:,} rows: writing {csv_path} …", flush=True)
            began = time.perf_counter()
            subprocess.run(  # noqa: S603  our own scripts
                [
                    sys.executable,
                    str(ROOT / "benchmarks" / "synthetic.py"),
                    str(csv_path),
                    "--rows",
                    str(rows),
                ],
                check=True,
            )
            print(f"   generated in {time.perf_counter() - began:.1f} s", flush=True)
            for database in databases:
                out = workdir / f"result-{rows}-{database}.json"
                command = [
                    sys.executable,
                    str(Path(__file__).resolve()),
                    "--child",
                    str(csv_path),
                    "--database",
                    database,
                    "--rows",
                    str(rows),
                    "--filters",
                    str(args.filters),
                    "--baseline-filters",
                    str(args.baseline_filters),
                    "--json-out",
                    str(out),
                    "--tmp",
                    str(workdir),
                ]
                if args.profile:
                    command.append("--profile")
                print(f"## {rows:,} rows on {database}", flush=True)
                child = subprocess.run(command, check=False)  # noqa: S603
                if child.returncode != 0 or not out.exists():
                    print(f"   FAILED on {database} (exit {child.returncode})", flush=True)
                    failed = True
                    continue
                results.append(json.loads(out.read_text()))
                _print_table(results)
            csv_path.unlink(missing_ok=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if failed and results:
        _print_table(results)
    return 1 if failed else 0


# Child: one database, one size -----------------------------------------------------------


def _percentiles(samples: list[float]) -> dict[str, Any]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return {
        "n": len(ordered),
        "p50": at(0.50) * 1000,
        "p95": at(0.95) * 1000,
        "mean": statistics.fmean(ordered) * 1000,
    }


def _setup_database(database: str, workdir: Path) -> Callable[[], None]:
    """Point DATABASE_URL at a fresh database; returns how to remove it."""
    if database == "sqlite":
        path = workdir / f"bench-{os.getpid()}.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"

        def drop_sqlite() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

        return drop_sqlite
    import psycopg

    name = f"tb_bench_{os.getpid()}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = f"{PG_SERVER}/{name}"

    def drop_postgres() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return drop_postgres


def child(args: argparse.Namespace) -> int:
    workdir = Path(args.tmp or tempfile.gettempdir())
    drop = _setup_database(args.database, workdir)
    try:
        return _child(args)
    finally:
        drop()


def _child(args: argparse.Namespace) -> int:
    os.environ["DJANGO_SETTINGS_MODULE"] = "trustbridge.settings"
    os.environ["TRUSTBRIDGE_API_ANON_RATE_LIMIT"] = "100000000/m"  # measure, do not throttle
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"
    warnings.filterwarnings("ignore", message="No directory at")
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import django

    django.setup()
    import synthetic
    from django.core.management import call_command

    from trustbridge.core import services as core_services
    from trustbridge.core.models import OrganizationKind
    from trustbridge.transparency import services
    from trustbridge.transparency.mapping import load_mapping
    from trustbridge.transparency.taxonomy import ensure_taxonomy

    call_command("migrate", verbosity=0)
    town = synthetic.city()
    organization = core_services.create_organization(
        actor=None,
        slug=SLUG,
        name="Benchmark City Police",
        kind=OrganizationKind.POLICE,
        timezone=town.timezone,
    )
    for name, population, geometry in zip(
        town.names, town.populations, town.geometries, strict=True
    ):
        core_services.create_area(
            actor=None,
            organization=organization,
            name=name,
            geometry=geometry,
            population=population,
        )
    ensure_taxonomy(organization)

    # 1. Import ----------------------------------------------------------------------------
    mapping = load_mapping(synthetic.MAPPING)
    profiler = cProfile.Profile() if args.profile else None
    began = time.perf_counter()
    if profiler:
        profiler.enable()
    run = services.import_incidents(
        actor=None,
        organization=organization,
        source=Path(args.child),
        mapping=mapping,
        source_name=Path(args.child).name,
    )
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - began
    print(
        f"   import: {run.rows_read:,} rows in {seconds:.1f} s = {run.rows_read / seconds:,.0f} rows/s "
        f"(status {run.status}, created {run.created:,}, updated {run.updated:,}, "
        f"rejected {run.rejected:,})",
        flush=True,
    )
    if run.error:
        print(f"   import error: {run.error}", flush=True)
    if profiler:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(35)
        print(text.getvalue(), flush=True)
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(25)
        print(text.getvalue(), flush=True)

    result: dict[str, Any] = {
        "rows": args.rows,
        "database": args.database,
        "import_seconds": seconds,
        "import_rows_per_s": run.rows_read / seconds,
        "rows_read": run.rows_read,
        "created": run.created,
        "updated": run.updated,
        "rejected": run.rejected,
        "status": run.status,
    }
    if args.profile:
        _profile_statistics(organization)
    result.update(_statistics(organization, args))
    Path(args.json_out).write_text(json.dumps(result, indent=2))
    return 0 if result["agreement"]["agreed"] == result["agreement"]["compared"] else 2


# Statistics: roll-ups, API and the GROUP BY baseline --------------------------------------


def _filters(organization: Any, count: int, seed: int = 7) -> list[tuple[str, Any]]:
    """``count`` typical dashboard filters, as (kind, StatsFilter), in a shuffled order."""
    from trustbridge.core.models import Area
    from trustbridge.transparency import queries
    from trustbridge.transparency.models import Incident, OffenceCategory

    rng = random.Random(seed)
    areas = list(Area.objects.filter(organization=organization).values_list("pk", flat=True))
    categories = list(
        OffenceCategory.objects.filter(organization=organization).values_list("pk", flat=True)
    )
    newest = Incident.objects.filter(organization=organization).latest("occurred_at").occurred_at
    end = queries.add_months(newest.date().replace(day=1), 1)
    first_year = end.year - 3
    quarters = [date(y, m, 1) for y in range(first_year, end.year + 1) for m in (1, 4, 7, 10)]
    quarters = [q for q in quarters if queries.add_months(q, 3) <= end]
    years = [date(y, 1, 1) for y in range(first_year, end.year) if date(y + 1, 1, 1) <= end]
    last12 = (queries.add_months(end, -12), end)

    def make(start: date, stop: date, unit: str = "month", a=(), c=()) -> Any:
        return queries.StatsFilter(organization, start, stop, unit, tuple(a), tuple(c), "custom")

    builders: list[tuple[str, Callable[[], Any]]] = [
        ("total: last 12 months", lambda: make(*last12, c=rng.sample(categories, rng.choice([0, 1])))),
        ("total: 1 area, 1 quarter", lambda: (lambda q: make(q, queries.add_months(q, 3), a=[rng.choice(areas)]))(rng.choice(quarters))),
        ("total: 1 category, 1 year", lambda: (lambda y: make(y, y.replace(year=y.year + 1), c=[rng.choice(categories)]))(rng.choice(years))),
        ("by_area", lambda: make(*last12, c=rng.sample(categories, rng.choice([0, 1, 2])))),
        ("series by month", lambda: (lambda y: make(y, y.replace(year=y.year + 1), a=rng.sample(areas, rng.choice([0, 1]))))(rng.choice(years))),
        ("comparison", lambda: (lambda q: make(q, queries.add_months(q, 3), a=rng.sample(areas, rng.choice([0, 1])), c=rng.sample(categories, rng.choice([0, 1]))))(rng.choice(quarters[4:]))),
    ]  # fmt: skip
    found = [(kind, build()) for i in range(count) for kind, build in [builders[i % len(builders)]]]
    rng.shuffle(found)
    return found


def _rollup_answer(kind: str, f: Any) -> Any:
    """The answer of one typical request, from the roll-ups (what the dashboard shows)."""
    from trustbridge.transparency import queries

    def fig(figure: Any) -> tuple[Any, int]:
        return (figure.value, figure.suppressed_cells)

    if kind.startswith("total"):
        return fig(queries.total(f))
    if kind == "by_area":
        return {(a.pk if a else 0): fig(figure) for a, figure, _rate in queries.by_area(f)}
    if kind == "series by month":
        return {d: fig(figure) for d, figure in queries.series(f)}
    comparison = queries.comparison(f)
    return (fig(comparison.current), fig(comparison.previous), fig(comparison.last_year))


def _group_by_cells(f: Any, start: date, end: date) -> list[tuple[date, int, int, int]]:
    """Base cells (local month, area, category, count) by a GROUP BY over Incident."""
    from zoneinfo import ZoneInfo

    from django.db.models import Count, DateField
    from django.db.models.functions import TruncMonth

    from trustbridge.transparency import queries
    from trustbridge.transparency.models import Incident

    query = Incident.objects.filter(
        organization=f.organization,
        occurred_at__gte=queries.local_midnight(f.organization, start),
        occurred_at__lt=queries.local_midnight(f.organization, end),
    )
    if f.area_ids:
        query = query.filter(area_id__in=f.area_ids)
    if f.category_ids:
        query = query.filter(category_id__in=f.category_ids)
    zone = ZoneInfo(f.organization.timezone)
    rows = (
        query.annotate(m=TruncMonth("occurred_at", output_field=DateField(), tzinfo=zone))
        .values("m", "area_id", "category_id")
        .annotate(n=Count("id"))
        .values_list("m", "area_id", "category_id", "n")
        .order_by()
    )
    return [(m, area or 0, category, n) for m, area, category, n in rows]


def _publish(cells: list[tuple[date, int, int, int]], k: int) -> tuple[Any, int]:
    total = sum(n for *_, n in cells if n >= k)
    suppressed = sum(1 for *_, n in cells if 0 < n < k)
    return (None if 0 < total < k else total, suppressed)


def _baseline_answer(kind: str, f: Any, k: int) -> Any:
    """The same answer as ``_rollup_answer``, by a plain GROUP BY over the Incident table."""
    from trustbridge.transparency import queries

    if kind == "comparison":
        earliest = min(queries.add_months(f.start, -f.months), queries.add_months(f.start, -12))
        cells = _group_by_cells(f, earliest, f.end)

        def between(start: date, end: date) -> tuple[Any, int]:
            return _publish([c for c in cells if start <= c[0] < end], k)

        return (
            between(f.start, f.end),
            between(queries.add_months(f.start, -f.months), f.start),
            between(queries.add_months(f.start, -12), queries.add_months(f.end, -12)),
        )
    cells = _group_by_cells(f, f.start, f.end)
    if kind.startswith("total"):
        return _publish(cells, k)
    grouped: dict[Any, list[tuple[date, int, int, int]]] = defaultdict(list)
    if kind == "by_area":
        from trustbridge.core.models import Area

        ids = list(f.area_ids) or list(
            Area.objects.filter(organization=f.organization).values_list("pk", flat=True)
        )
        for cell in cells:
            grouped[cell[1]].append(cell)
        answer = {pk: _publish(grouped.get(pk, []), k) for pk in ids}
        if grouped.get(0):
            answer[0] = _publish(grouped[0], k)
        return answer
    for cell in cells:
        grouped[cell[0]].append(cell)
    months = []
    month = f.start
    while month < f.end:
        months.append(month)
        month = queries.add_months(month, 1)
    return {m: _publish(grouped.get(m, []), k) for m in months}


def _unsuppressed_agree(f: Any) -> bool:
    """The roll-ups' unsuppressed total of the filter equals a COUNT over Incident."""
    from django.db.models import Sum

    from trustbridge.transparency import queries
    from trustbridge.transparency.models import Incident, MonthlyCount

    rollup = MonthlyCount.objects.filter(
        organization=f.organization, month__gte=f.start, month__lt=f.end
    )
    raw = Incident.objects.filter(
        organization=f.organization,
        occurred_at__gte=queries.local_midnight(f.organization, f.start),
        occurred_at__lt=queries.local_midnight(f.organization, f.end),
    )
    if f.area_ids:
        rollup = rollup.filter(area_key__in=f.area_ids)
        raw = raw.filter(area_id__in=f.area_ids)
    if f.category_ids:
        rollup = rollup.filter(category_id__in=f.category_ids)
        raw = raw.filter(category_id__in=f.category_ids)
    return (rollup.aggregate(n=Sum("count"))["n"] or 0) == raw.count()


def _profile_statistics(organization: Any) -> None:
    """Where a typical statistics request spends its time (cProfile, 30 filters)."""
    profiler = cProfile.Profile()
    profiler.enable()
    for kind, f in _filters(organization, 30, seed=11):
        _rollup_answer(kind, f)
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(20)
    print("   statistics profile (30 typical filters):", text.getvalue(), flush=True)


def _api_params(f: Any, areas: dict[int, str], categories: dict[int, str]) -> dict[str, Any]:
    from trustbridge.transparency import queries

    return {
        "from": f"{f.start:%Y-%m}",
        "to": f"{queries.add_months(f.end, -1):%Y-%m}",
        "unit": f.unit,
        "area": [areas[pk] for pk in f.area_ids],
        "category": [categories[pk] for pk in f.category_ids],
    }


def _timed(call: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    answer = call()
    return time.perf_counter() - began, answer


def _statistics(organization: Any, args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client

    from trustbridge.core.models import Area
    from trustbridge.transparency import queries
    from trustbridge.transparency.models import MonthlyCount, OffenceCategory

    k = queries.configuration(organization).k
    filters = _filters(organization, args.filters)
    fresh = lambda f: f.shifted(0)  # noqa: E731  a new filter: nothing cached from before

    # Warm the connection and caches of the database, not of the queries.
    for kind, f in filters[:12]:
        _rollup_answer(kind, fresh(f))

    latency: dict[str, list[float]] = defaultdict(list)
    for kind, f in filters:
        seconds, _ = _timed(lambda kind=kind, f=f: _rollup_answer(kind, fresh(f)))
        latency[kind].append(seconds)
        latency["all statistics (typical)"].append(seconds)

    # The whole dashboard's statistics for one filter, and each part of it on its own.
    def week(f: Any) -> Any:
        weekly = queries.StatsFilter(
            f.organization, f.start, f.end, "week", f.area_ids, f.category_ids, "custom"
        )
        weekly._cache.update(f._cache)
        return queries.series(weekly)

    parts: list[tuple[str, Callable[[Any], Any]]] = [
        ("total", queries.total),
        ("series (month)", queries.series),
        ("series (week)", week),
        ("by_area", queries.by_area),
        ("by_category", queries.by_category),
        ("comparison", queries.comparison),
        ("pattern", queries.pattern),
        ("sentences", queries.sentences),
    ]
    for _kind, f in filters[: max(20, len(filters) // 4)]:
        f = fresh(f)
        began = time.perf_counter()
        for name, part in parts:
            seconds, _ = _timed(lambda part=part, f=f: part(f))
            latency[f"  dashboard part: {name}"].append(seconds)
        latency["whole dashboard (1 filter)"].append(time.perf_counter() - began)

    # The API, through the whole Django stack.
    area_slugs = dict(Area.objects.filter(organization=organization).values_list("pk", "slug"))
    category_codes = dict(
        OffenceCategory.objects.filter(organization=organization).values_list("pk", "code")
    )
    client = Client()
    url = f"/api/v1/organizations/{organization.slug}/statistics"
    api_status: dict[int, int] = defaultdict(int)
    for _kind, f in filters:
        params = _api_params(f, area_slugs, category_codes)
        seconds, response = _timed(lambda params=params: client.get(url, params))
        api_status[response.status_code] += 1
        if response.status_code == 200:
            latency["API /statistics"].append(seconds)
    if api_status.get(200, 0) != len(filters):
        print(f"   API answered {dict(api_status)} (only 200s are timed)", flush=True)

    # The dashboard page itself (HTML, charts and tables), on a quarter of the filters.
    page = f"/o/{organization.slug}/transparency/"
    for _kind, f in filters[: max(20, len(filters) // 4)]:
        params = _api_params(f, area_slugs, category_codes)
        seconds, response = _timed(lambda params=params: client.get(page, params))
        if response.status_code == 200:
            latency["dashboard page (HTML)"].append(seconds)
        else:
            api_status[1000 + response.status_code] += 1

    # The baseline: the same answers by GROUP BY over Incident, on a subset of the filters.
    per_kind = max(1, args.baseline_filters // 6)
    subset: list[tuple[str, Any]] = []
    taken: dict[str, int] = defaultdict(int)
    for kind, f in filters:
        if taken[kind] < per_kind:
            subset.append((kind, f))
            taken[kind] += 1
    baseline: dict[str, list[float]] = defaultdict(list)
    same_rollup: dict[str, list[float]] = defaultdict(list)
    agreed = unsuppressed = 0
    disagreements = []
    for kind, f in subset:
        fast_s, fast = _timed(lambda kind=kind, f=f: _rollup_answer(kind, fresh(f)))
        slow_s, slow = _timed(lambda kind=kind, f=f: _baseline_answer(kind, f, k))
        baseline[kind].append(slow_s)
        baseline["all statistics (typical)"].append(slow_s)
        same_rollup["all statistics (typical)"].append(fast_s)
        if fast == slow:
            agreed += 1
        else:
            disagreements.append((kind, f.start, f.end, f.area_ids, f.category_ids, fast, slow))
        unsuppressed += _unsuppressed_agree(f)
    for _kind, f in subset[:6]:
        from trustbridge.transparency.models import Incident

        seconds, _ = _timed(
            lambda f=f: Incident.objects.filter(
                organization=f.organization,
                occurred_at__gte=queries.local_midnight(f.organization, f.start),
                occurred_at__lt=queries.local_midnight(f.organization, f.end),
            ).count()
        )
        baseline["raw COUNT(*) only"].append(seconds)
    for item in disagreements[:5]:
        print(f"   DISAGREEMENT {item}", flush=True)

    fast_mean = statistics.fmean(same_rollup["all statistics (typical)"])
    slow_mean = statistics.fmean(baseline["all statistics (typical)"])
    return {
        "k": k,
        "latency": {name: _percentiles(samples) for name, samples in latency.items()},
        "baseline": {name: _percentiles(samples) for name, samples in baseline.items()},
        "speedup_p50": statistics.median(baseline["all statistics (typical)"])
        / statistics.median(same_rollup["all statistics (typical)"]),
        "speedup_mean": slow_mean / fast_mean,
        "agreement": {
            "compared": len(subset),
            "agreed": agreed,
            "unsuppressed_agreed": unsuppressed,
        },
        "api_status": {str(code): n for code, n in api_status.items()},
        "rollup_rows": MonthlyCount.objects.filter(organization=organization).count(),
        "vendor": connection.vendor,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, action="append", help="rows (repeatable); default 1 M and 10 M"
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], help="default: both")
    parser.add_argument("--skip-10m", action="store_true", help="leave out sizes of 10 M and more")
    parser.add_argument("--filters", type=int, default=240, help="typical filters timed (≥ 200)")
    parser.add_argument(
        "--baseline-filters", type=int, default=24, help="filters also run as GROUP BY"
    )
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the import")
    parser.add_argument("--tmp", default=None, help="directory for the temporary files")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--json-out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.rows = args.rows[0]
        return child(args)
    return parent(args)


if __name__ == "__main__":
    sys.exit(main())
