"""The operator's commands: create an organisation, import areas from a GeoJSON file."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from tests.factories import square
from trustbridge.core.models import Area, Invitation, Organization, Role

pytestmark = pytest.mark.django_db


def feature(name: str | None, geometry: object, **properties: object) -> dict[str, object]:
    if name is not None:
        properties["name"] = name
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def write_collection(path, *features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}))
    return path


def test_create_organization_invites_its_first_admin_by_email(
    mailbox, capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "create-organization",
            slug="campus",
            name="Campus Safety",
            kind="campus",
            admin_email="Chief@Campus.example",
            languages="en,fr",
        )
    organization = Organization.objects.get(slug="campus")
    assert organization.languages == ["en", "fr"]
    invitation = Invitation.objects.get(organization=organization)
    assert (invitation.email, invitation.role) == ("chief@campus.example", Role.ADMIN)
    [message] = mailbox.to("chief@campus.example")
    link = capsys.readouterr().out.strip().splitlines()[-1]
    assert link in mailbox.text_of(message)


def test_create_organization_refuses_a_duplicate_slug_and_changes_nothing(organization):
    with pytest.raises(CommandError, match="slug"):
        call_command(
            "create-organization",
            slug=organization.slug,
            name="Copy",
            kind="police",
            admin_email="a@example.org",
        )
    assert Organization.objects.count() == 1
    assert Invitation.objects.count() == 0


def test_create_organization_refuses_an_unknown_time_zone():
    with pytest.raises(CommandError, match="timezone"):
        call_command(
            "create-organization",
            slug="x",
            name="X",
            kind="police",
            admin_email="a@example.org",
            timezone="Mars/Olympus",
        )
    assert not Organization.objects.exists()


def test_import_areas_keeps_good_features_and_reports_each_bad_one(organization, tmp_path, capsys):
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    path = write_collection(
        tmp_path / "areas.geojson",
        feature("Harbour", square(), population="1200"),
        feature("Bow tie", bowtie),
        feature(None, square(-79.0)),
        feature("Hill", square(-79.2)),
    )
    with pytest.raises(SystemExit) as exit_info:
        call_command("import-areas", str(path), org=organization.slug)
    assert exit_info.value.code == 1
    output = capsys.readouterr()
    assert output.out.strip() == "2 created, 0 updated, 2 refused."
    assert "feature 2: The boundary is not a valid shape: Self-intersection" in output.err
    assert "feature 3: The feature has no “name” property." in output.err
    areas = {a.slug: a.population for a in Area.objects.filter(organization=organization)}
    assert areas == {"harbour": 1200, "hill": None}


def test_import_areas_again_updates_instead_of_duplicating(organization, tmp_path, capsys):
    path = write_collection(tmp_path / "a.geojson", feature("Harbour", square()))
    call_command("import-areas", str(path), org=organization.slug)
    write_collection(path, feature("Harbour", square(-79.3), population=50))
    call_command("import-areas", str(path), org=organization.slug)
    assert capsys.readouterr().out.splitlines()[-1] == "0 created, 1 updated, 0 refused."
    area = Area.objects.get(organization=organization)
    assert (area.population, area.geometry) == (50, square(-79.3))


def test_import_areas_refuses_a_file_that_is_not_a_feature_collection(organization, tmp_path):
    path = tmp_path / "bad.geojson"
    path.write_text('{"type": "Polygon"}')
    with pytest.raises(CommandError, match="FeatureCollection"):
        call_command("import-areas", str(path), org=organization.slug)
    assert not Area.objects.exists()


def test_import_areas_names_an_unknown_organisation(tmp_path):
    path = write_collection(tmp_path / "a.geojson", feature("Harbour", square()))
    with pytest.raises(CommandError, match="No organisation"):
        call_command("import-areas", str(path), org="nowhere")
