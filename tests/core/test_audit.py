"""The audit log: every change writes exactly one expected line, and no line can be altered."""

from __future__ import annotations

import json

import pytest
from django.db import DatabaseError, connection, transaction

from tests.factories import UserFactory, square
from trustbridge.accounts import services as account_services
from trustbridge.core import audit, services
from trustbridge.core.models import AuditAction, AuditEvent, Membership

pytestmark = pytest.mark.django_db


def only_new_event(before_id, run):
    """Run ``run`` and return the one audit event it wrote."""
    result = run()
    [event] = AuditEvent.objects.filter(id__gt=before_id)
    return event, result


def last_id():
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


SECRET_VALUES = ("Southside", "desk@riverside.example", "+1 555 0100", "12 Bank Street")


def test_creating_an_area_writes_one_create_event_for_it(admin, organization):
    event, area = only_new_event(
        last_id(),
        lambda: services.create_area(
            actor=admin, organization=organization, name="Southside", geometry=square()
        ),
    )
    assert (event.actor, event.action, event.organization) == (admin, "create", organization)
    assert (event.target_type, event.target_id, event.changes) == ("core.area", str(area.pk), [])


def test_updating_an_area_records_changed_field_names_and_never_their_values(admin, area):
    event, _ = only_new_event(
        last_id(),
        lambda: services.update_area(
            actor=admin, area=area, name="Southside", description="12 Bank Street"
        ),
    )
    assert (event.actor, event.action, event.target_type, event.target_id) == (
        admin,
        "update",
        "core.area",
        str(area.pk),
    )
    assert event.changes == ["description", "name"]
    written = json.dumps([event.summary, event.changes])
    assert not any(value in written for value in SECRET_VALUES)


def test_deleting_an_area_writes_one_delete_event_naming_it(admin, area):
    pk = area.pk
    event, _ = only_new_event(last_id(), lambda: services.delete_area(actor=admin, area=area))
    assert (event.actor, event.action, event.target_type, event.target_id) == (
        admin,
        "delete",
        "core.area",
        str(pk),
    )


def test_changing_settings_records_field_names_and_never_their_values(admin, organization):
    event, _ = only_new_event(
        last_id(),
        lambda: services.update_organization(
            actor=admin,
            organization=organization,
            contact_email="desk@riverside.example",
            contact_phone="+1 555 0100",
            address="12 Bank Street",
        ),
    )
    assert (event.actor, event.action, event.target_type, event.target_id) == (
        admin,
        "update",
        "core.organization",
        str(organization.pk),
    )
    assert event.changes == ["address", "contact_email", "contact_phone"]
    written = json.dumps([event.summary, event.changes])
    assert not any(value in written for value in SECRET_VALUES)


def test_inviting_writes_one_event_without_the_address(admin, organization):
    event, (invitation, secret) = only_new_event(
        last_id(),
        lambda: services.invite(
            actor=admin, organization=organization, email="newcomer@example.org", role="officer"
        ),
    )
    assert (event.actor, event.action, event.target_type, event.target_id) == (
        admin,
        "create",
        "core.invitation",
        str(invitation.pk),
    )
    written = json.dumps([event.summary, event.changes])
    assert "newcomer@example.org" not in written
    assert secret not in written


def test_changing_a_role_writes_one_event(admin, member):
    officer = Membership.objects.get(user=member("officer"))
    event, _ = only_new_event(
        last_id(),
        lambda: services.change_role(actor=admin, membership=officer, role="supervisor"),
    )
    assert (event.actor, event.action, event.target_type, event.target_id, event.changes) == (
        admin,
        "update",
        "core.membership",
        str(officer.pk),
        ["role"],
    )


def test_removing_a_member_writes_one_event(admin, member):
    officer = Membership.objects.get(user=member("officer"))
    pk = officer.pk
    event, _ = only_new_event(
        last_id(), lambda: services.remove_member(actor=admin, membership=officer)
    )
    assert (event.actor, event.action, event.target_type, event.target_id) == (
        admin,
        "delete",
        "core.membership",
        str(pk),
    )


def test_creating_an_api_token_writes_one_event_without_the_secret(admin, organization):
    event, (token, secret) = only_new_event(
        last_id(),
        lambda: account_services.create_api_token(
            actor=admin, organization=organization, name="Dispatch", scope="read"
        ),
    )
    assert (event.actor, event.action, event.target_type, event.target_id) == (
        admin,
        "create",
        "accounts.apitoken",
        str(token.pk),
    )
    assert secret not in json.dumps([event.summary, event.changes])


def test_a_refused_action_writes_no_event(admin, organization):
    before = AuditEvent.objects.count()
    with pytest.raises(services.ServiceError):
        services.create_area(
            actor=admin, organization=organization, name="X", geometry={"type": "Point"}
        )
    assert AuditEvent.objects.count() == before


def test_an_event_records_the_address_the_request_came_from(organization, member, client_for):
    admin = member("admin")
    client = client_for(admin)
    response = client.get(f"/o/{organization.slug}/staff/members/", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.VIEW_PERSONAL)
    assert (event.actor, event.ip_address, event.summary) == (admin, "203.0.113.9", "member list")


def test_an_event_outside_a_request_has_no_address(organization):
    event = audit.record(actor=None, action=AuditAction.CREATE, organization=organization)
    assert (event.actor, event.ip_address, event.target_type, event.target_id) == (
        None,
        None,
        "",
        "",
    )


def test_an_anonymous_actor_is_recorded_as_nobody(organization):
    from django.contrib.auth.models import AnonymousUser

    event = audit.record(actor=AnonymousUser(), action=AuditAction.SIGN_IN_FAILED)
    assert event.actor is None


def test_a_long_summary_is_cut_to_the_column(organization):
    event = audit.record(actor=None, action=AuditAction.EXPORT, summary="x" * 300)
    assert event.summary == "x" * 255


# Append-only -------------------------------------------------------------------------------


@pytest.fixture
def event(organization):
    return audit.record(
        actor=UserFactory(email="someone@example.org"),
        action=AuditAction.UPDATE,
        organization=organization,
        summary="original",
    )


def test_an_event_cannot_be_saved_again(event):
    event.summary = "rewritten"
    with pytest.raises(PermissionError, match="append-only"):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).summary == "original"


def test_an_event_cannot_be_deleted(event):
    with pytest.raises(PermissionError, match="append-only"):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_events_cannot_be_updated_in_bulk(event):
    with pytest.raises(PermissionError, match="append-only"):
        AuditEvent.objects.filter(pk=event.pk).update(summary="rewritten")
    with pytest.raises(PermissionError, match="append-only"):
        AuditEvent.objects.update(summary="rewritten")
    assert AuditEvent.objects.get(pk=event.pk).summary == "original"


def test_events_cannot_be_deleted_in_bulk(event):
    with pytest.raises(PermissionError, match="append-only"):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(PermissionError, match="append-only"):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE core_auditevent SET summary = 'rewritten'",
        "DELETE FROM core_auditevent",
    ],
)
def test_postgresql_refuses_raw_sql_that_changes_events(event, statement):
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    with (
        pytest.raises(DatabaseError, match=r"The audit log is append-only\."),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEvent.objects.get(pk=event.pk).summary == "original"
