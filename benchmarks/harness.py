"""What the benchmarks that drive real servers share: a database of their own, Django set
up on it, two gunicorn workers, and percentiles."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("TRUSTBRIDGE_BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def environment(database_url: str, **extra: str) -> dict[str, str]:
    """The servers' environment: the benchmarks' settings on ``database_url``."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "bench_settings",
            "PYTHONPATH": f"{ROOT / 'benchmarks'}{os.pathsep}{ROOT / 'src'}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            **extra,
        }
    )
    return env


def setup_django(database_url: str, **extra: str) -> None:
    """Django in this process, on the same settings and database as the servers."""
    os.environ.update(environment(database_url, **extra))
    sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT / "src")]
    import django

    django.setup()


def postgresql_database(prefix: str) -> tuple[str, Callable[[], None]]:
    """A fresh PostgreSQL database and the function that drops it."""
    import psycopg

    name = f"{prefix}_{os.getpid()}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{PG_SERVER}/{name}", drop


def start_gunicorn(env: dict[str, str], *, threads: int = 1) -> tuple[subprocess.Popen[bytes], int]:
    """Two gunicorn workers on a free port, answering ``/healthz`` when this returns."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = subprocess.Popen(  # noqa: S603  our own server
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "trustbridge.wsgi:application",
            "--workers",
            "2",
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--backlog",
            "4096",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    for _ in range(300):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server, port
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("gunicorn did not start")
