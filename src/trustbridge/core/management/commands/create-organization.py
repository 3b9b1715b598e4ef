"""``trustbridge create-organization``: a new tenant and an invitation for its first admin."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse

from trustbridge.core import services
from trustbridge.core.errors import ServiceError, ServiceErrors
from trustbridge.core.models import OrganizationKind, Role


class Command(BaseCommand):
    help = "Create an organisation and e-mail an invitation to its first administrator."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--slug", required=True, help="Short name used in web addresses.")
        parser.add_argument("--name", required=True)
        parser.add_argument("--kind", required=True, choices=OrganizationKind.values)
        parser.add_argument("--timezone", default="UTC")
        parser.add_argument("--languages", default="en", help="Comma-separated: en,fr,es")
        parser.add_argument(
            "--admin-email", required=True, help="Who becomes its first administrator."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with transaction.atomic():
                organization = services.create_organization(
                    actor=None,
                    slug=options["slug"],
                    name=options["name"],
                    kind=options["kind"],
                    timezone=options["timezone"],
                    languages=[
                        code.strip() for code in options["languages"].split(",") if code.strip()
                    ],
                )
                invitation, secret = services.invite_first_admin(
                    organization=organization, email=options["admin_email"]
                )
        except ServiceErrors as exc:
            raise CommandError("; ".join(f"{e.field}: {e.message}" for e in exc.errors)) from exc
        except ServiceError as exc:
            raise CommandError(f"{exc.field or 'error'}: {exc.message}") from exc
        link = settings.TRUSTBRIDGE_BASE_URL + reverse("core:invitation", args=[secret])
        self.stdout.write(
            f"Created {organization.slug}. Invitation for {invitation.email} ({Role.ADMIN.label}):"
        )
        self.stdout.write(link)
