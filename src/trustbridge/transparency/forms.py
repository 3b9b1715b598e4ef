"""Forms of the transparency staff pages: they parse input only; services make the change."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from trustbridge.transparency.mapping import shipped_mappings


class IncidentImportForm(forms.Form):
    file = forms.FileField(
        label=_("Incident file"),
        help_text=_("A CSV, JSON or GeoJSON export of your records system."),
    )
    mapping = forms.ChoiceField(
        label=_("Mapping"),
        help_text=_("How the file's columns become incident fields."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["mapping"].choices = [(name, name) for name in shipped_mappings()]  # type: ignore[attr-defined]
