"""``trustbridge demo``: build the deterministic demo town and print how to sign in."""

from __future__ import annotations

from typing import Any

from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core.management.base import BaseCommand

from trustbridge.core.models import Organization
from trustbridge.demo import town
from trustbridge.events.models import Event
from trustbridge.feedback.models import Item
from trustbridge.transparency.models import Incident, Initiative


class Command(BaseCommand):
    help = "Build the demo town (safe to run again). Never run it on a real deployment."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--code", action="store_true", help="Print the demo staff's current TOTP code."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["code"]:
            counter = next(yield_hotp_counters_from_time())
            self.stdout.write(format_hotp_value(hotp_value(town.DEMO_TOTP_SECRET, counter)))
            return
        people = town.build()
        self.stdout.write(self.style.SUCCESS("The demo town is ready."))
        police = Organization.objects.get(slug=town.POLICE["slug"])
        self.stdout.write(
            f"{police.name}: {Incident.objects.filter(organization=police).count():,} incidents "
            f"over two years and {Initiative.objects.filter(organization=police).count()} "
            f"initiatives at /o/{police.slug}/transparency/"
        )
        self.stdout.write(
            f"{Item.objects.filter(organization=police).count():,} pieces of resident feedback "
            f"over a year at /o/{police.slug}/accountability/"
        )
        self.stdout.write(
            f"{Event.objects.filter(organization=police).count()} events over a year, with a "
            f"weekly neighbourhood-watch meeting and town halls, at /o/{police.slug}/events/"
        )
        self.stdout.write(f"Every demo account's password: {town.DEMO_PASSWORD}")
        self.stdout.write(
            f"Staff two-factor (TOTP) secret: {town.DEMO_TOTP_SECRET} "
            "(add it to an authenticator app, or run `trustbridge demo --code`)"
        )
        for person in people:
            where = f"{person.role.label} at {person.organization}" if person.role else "resident"
            self.stdout.write(f"  {person.email:34} {where}")
