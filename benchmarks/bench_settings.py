"""Settings for the feedback benchmark's servers: the project's own, with the per-sender
limits of the feedback form lifted (every simulated resident sends from 127.0.0.1) and no
e-mail queued."""

from trustbridge.settings import *  # noqa: F403

TRUSTBRIDGE_FEEDBACK_RATE_LIMITS = {"web": [], "api": [], "open311": []}
TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
DEBUG = False
