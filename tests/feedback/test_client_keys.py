"""Open311 client keys: issued by administrators, shown once, kept as a digest, found only in
their own organisation, stopped by revocation."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import PermissionDenied

from tests.conftest import make_member
from trustbridge.core.errors import ServiceError
from trustbridge.core.models import AuditAction, AuditEvent
from trustbridge.feedback import client_keys
from trustbridge.feedback.models import ClientKey


def test_an_administrator_issues_a_key_shown_once(organization, admin):
    actor = admin

    key, secret = client_keys.issue_key(actor, organization, "  Civic   app ")

    stored = ClientKey.objects.get()
    assert stored == key
    assert (stored.name, stored.organization, stored.created_by) == (
        "Civic app",
        organization,
        actor,
    )
    assert secret.startswith("tb311_")
    assert len(secret) > 40
    assert stored.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert stored.prefix == secret[:10]
    assert secret not in repr(list(ClientKey.objects.values()))
    event = AuditEvent.objects.get(target_type="feedback.clientkey")
    assert (event.action, event.actor, event.organization) == (
        AuditAction.CREATE,
        actor,
        organization,
    )
    assert secret[10:] not in event.summary + repr(event.changes)


@pytest.mark.parametrize("role", ["supervisor", "officer", "moderator", "standards", "partner"])
def test_other_roles_cannot_issue_or_revoke_keys(organization, admin, member, role):
    key, _secret = client_keys.issue_key(admin, organization, "Civic app")
    actor = member(role)

    with pytest.raises(PermissionDenied):
        client_keys.issue_key(actor, organization, "Another app")
    with pytest.raises(PermissionDenied):
        client_keys.revoke_key(actor, key)

    assert list(ClientKey.objects.values_list("name", "revoked_at")) == [("Civic app", None)]


def test_another_organisations_admin_cannot_issue_or_revoke_keys(
    organization, other_organization, admin
):
    outsider = make_member(other_organization, "admin", email="boss@elsewhere.example")
    key, _secret = client_keys.issue_key(admin, organization, "Civic app")

    with pytest.raises(PermissionDenied):
        client_keys.issue_key(outsider, organization, "Seized")
    with pytest.raises(PermissionDenied):
        client_keys.revoke_key(outsider, key)

    key.refresh_from_db()
    assert key.revoked_at is None
    assert ClientKey.objects.count() == 1


@pytest.mark.parametrize("name", ["", "   ", "x" * 121])
def test_a_key_needs_a_name_that_fits(organization, admin, name):
    with pytest.raises(ServiceError) as refused:
        client_keys.issue_key(admin, organization, name)

    assert refused.value.field == "name"
    assert ClientKey.objects.count() == 0


def test_a_key_is_found_only_in_its_own_organisation_and_while_it_works(
    organization, other_organization, admin
):
    key, secret = client_keys.issue_key(admin, organization, "Civic app")

    assert client_keys.find_key(organization, secret) == key
    assert client_keys.find_key(other_organization, secret) is None
    assert client_keys.find_key(organization, secret + "x") is None
    assert client_keys.find_key(organization, "") is None

    client_keys.revoke_key(admin, key)

    assert client_keys.find_key(organization, secret) is None


def test_revoking_twice_changes_nothing_the_second_time(organization, admin):
    key, _secret = client_keys.issue_key(admin, organization, "Civic app")
    client_keys.revoke_key(admin, key)
    first = ClientKey.objects.get().revoked_at
    events = AuditEvent.objects.count()

    client_keys.revoke_key(admin, ClientKey.objects.get())

    assert ClientKey.objects.get().revoked_at == first
    assert AuditEvent.objects.count() == events
    assert list(
        AuditEvent.objects.filter(action=AuditAction.UPDATE).values_list("changes", flat=True)
    ) == [["revoked_at"]]


def test_keys_are_listed_working_ones_first(organization, admin):
    old, _ = client_keys.issue_key(admin, organization, "Alpha")
    client_keys.issue_key(admin, organization, "Zulu")
    client_keys.issue_key(admin, organization, "Bravo")
    client_keys.revoke_key(admin, old)

    names = [k.name for k in client_keys.keys_of(organization)]

    assert names == ["Bravo", "Zulu", "Alpha"]


def test_using_a_key_is_noted_at_most_once_a_minute(organization, admin, django_assert_num_queries):
    key, _secret = client_keys.issue_key(admin, organization, "Civic app")

    client_keys.record_key_use(key)
    first = key.last_used_at
    with django_assert_num_queries(0):
        client_keys.record_key_use(key)

    key.refresh_from_db()
    assert first is not None
    assert key.last_used_at == first
