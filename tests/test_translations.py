"""The French and Spanish catalogues are complete, keep every placeholder, and are used."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from tests.factories import AreaFactory

PACKAGE_DIR = Path(django_settings.PACKAGE_DIR)
LANGUAGES = ("fr", "es")
CATALOGUES = {
    code: PACKAGE_DIR / "locale" / code / "LC_MESSAGES" / "django.po" for code in LANGUAGES
}

# What must reach the translation untouched: %(name)s-style and bare %s/%d python-format
# placeholders, {{ variables }} left in templates, and HTML tags such as
# <span class="visually-hidden">.
PLACEHOLDER = re.compile(
    r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdif]|\{\{\s*[^}]+?\s*\}\}|</?[a-zA-Z][^>]*>"
)


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def catalogue(code: str) -> polib.POFile:
    return polib.pofile(str(CATALOGUES[code]))


def entries(code: str) -> list[polib.POEntry]:
    return [entry for entry in catalogue(code) if not entry.obsolete]


def test_placeholder_pattern_finds_every_kind_of_placeholder():
    text = 'Revoke <span class="visually-hidden">%(name)s</span> %(n)d {{ count }} %s'
    assert placeholders(text) == {
        '<span class="visually-hidden">',
        "</span>",
        "%(name)s",
        "%(n)d",
        "{{ count }}",
        "%s",
    }


@pytest.mark.parametrize("code", LANGUAGES)
def test_catalogue_has_no_untranslated_entry(code):
    untranslated = [entry.msgid for entry in entries(code) if not entry.translated()]
    assert untranslated == []


@pytest.mark.parametrize("code", LANGUAGES)
def test_catalogue_has_no_fuzzy_entry_or_header(code):
    text = CATALOGUES[code].read_text(encoding="utf-8")
    assert re.findall(r"^#,.*\bfuzzy\b.*$", text, flags=re.MULTILINE) == []
    assert [entry.msgid for entry in entries(code) if "fuzzy" in entry.flags] == []


@pytest.mark.parametrize("code", LANGUAGES)
def test_catalogue_declares_its_language(code):
    assert catalogue(code).metadata["Language"] == code


@pytest.mark.parametrize("code", LANGUAGES)
def test_translations_keep_every_placeholder_and_tag(code):
    mismatches = []
    for entry in entries(code):
        if entry.msgid_plural:
            expected = placeholders(entry.msgid_plural)
            found = [placeholders(form) for form in entry.msgstr_plural.values()]
        else:
            expected = placeholders(entry.msgid)
            found = [placeholders(entry.msgstr)]
        mismatches += [(entry.msgid, expected, got) for got in found if got != expected]
    assert mismatches == []


@pytest.mark.parametrize("code", LANGUAGES)
def test_plural_entries_have_every_form_the_language_needs(code):
    po = catalogue(code)
    plural_forms = po.metadata["Plural-Forms"]
    count = int(re.search(r"nplurals=(\d+)", plural_forms).group(1))
    plurals = [entry for entry in entries(code) if entry.msgid_plural]
    assert plurals, "the catalogue should hold at least one plural entry"
    assert {entry.msgid: sorted(entry.msgstr_plural) for entry in plurals} == {
        entry.msgid: list(range(count)) for entry in plurals
    }


def test_french_and_spanish_catalogues_hold_the_same_messages():
    assert {e.msgid for e in entries("fr")} == {e.msgid for e in entries("es")}


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_catalogues_hold_every_message_in_the_source(tmp_path, settings, monkeypatch):
    """`make messages` would add nothing: every translatable string is already translated.

    The source is extracted from a copy so that the real catalogues are never touched.
    """
    source = tmp_path / "trustbridge"
    shutil.copytree(
        PACKAGE_DIR,
        source,
        ignore=shutil.ignore_patterns("locale", "static", "migrations", "__pycache__"),
    )
    (source / "locale").mkdir()
    settings.LOCALE_PATHS = [source / "locale"]
    monkeypatch.chdir(source)
    call_command("makemessages", locale=["fr"], no_obsolete=True, verbosity=0)
    extracted = polib.pofile(str(source / "locale" / "fr" / "LC_MESSAGES" / "django.po"))
    in_source = {(e.msgctxt, e.msgid) for e in extracted if e.msgid}
    in_catalogue = {(e.msgctxt, e.msgid) for e in entries("fr")}
    assert sorted(in_source - in_catalogue, key=str) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "heading", "area_kind"),
    [
        ("en", "Areas we serve", "Neighbourhood"),
        ("fr", "Les zones que nous desservons", "Quartier"),
        ("es", "Zonas que atendemos", "Barrio"),
    ],
)
def test_organization_page_is_served_in_the_chosen_language(
    client, organization, code, heading, area_kind
):
    AreaFactory(organization=organization, name="Old Mill", slug="old-mill", kind="neighbourhood")
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = code
    response = client.get(f"/o/{organization.slug}/")
    assert response.status_code == 200
    assert response["Content-Language"] == code
    body = response.content.decode()
    assert f'<h2 id="areas-heading">{heading}</h2>' in body
    assert f'<span class="muted">{area_kind}</span>' in body
