"""Settings for the benchmarks' servers: the project's own, with the per-sender limits of
the feedback form lifted (every simulated resident sends from 127.0.0.1) and, unless a
benchmark asks for the real queue (``TRUSTBRIDGE_BENCH_REAL_TASKS=1``), no e-mail queued."""

import os

from trustbridge.settings import *  # noqa: F403

TRUSTBRIDGE_FEEDBACK_RATE_LIMITS = {"web": [], "api": [], "open311": []}
if os.environ.get("TRUSTBRIDGE_BENCH_REAL_TASKS") != "1":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
DEBUG = False
