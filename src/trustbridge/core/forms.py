"""Forms parse and check input only; services make the change."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from trustbridge.core.errors import ServiceError, ServiceErrors
from trustbridge.core.models import AreaKind, Organization, Role

MAX_GEOJSON_BYTES = 5 * 1024 * 1024


def add_service_errors(form: forms.BaseForm, error: ServiceError | ServiceErrors) -> None:
    """Show a refused action's errors on the form fields they concern."""
    errors = error.errors if isinstance(error, ServiceErrors) else [error]
    for item in errors:
        field = item.field if item.field in form.fields else None
        form.add_error(field, item.message)


class OrganizationForm(forms.ModelForm[Organization]):
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The languages your public pages are offered in."),
    )
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = Organization
        fields = (
            "name",
            "description",
            "timezone",
            "languages",
            "contact_email",
            "contact_phone",
            "website",
            "address",
            "brand_colour",
            "logo",
        )
        widgets = {"brand_colour": forms.TextInput(attrs={"type": "color"})}

    def _post_clean(self) -> None:
        """Leave model validation to the service, so the form never writes to the model."""


class AreaForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=160)
    slug = forms.SlugField(
        label=_("Short name"), max_length=80, required=False, help_text=_("Used in web addresses.")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=AreaKind.choices)
    population = forms.IntegerField(label=_("Population"), min_value=0, required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    geometry = forms.CharField(
        label=_("Boundary (GeoJSON)"),
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_("A GeoJSON Polygon or MultiPolygon in longitude/latitude (WGS 84)."),
        max_length=MAX_GEOJSON_BYTES,
    )

    def clean_geometry(self) -> Any:
        try:
            return json.loads(self.cleaned_data["geometry"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("This is not valid JSON.")) from exc


class AreaImportForm(forms.Form):
    file = forms.FileField(
        label=_("GeoJSON file"),
        help_text=_("A FeatureCollection whose features have a “name” property."),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_GEOJSON_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return bytes(upload.read())


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from trustbridge.core.models import AuditAction

        super().__init__(*args, **kwargs)
        action: forms.ChoiceField = self.fields["action"]  # type: ignore[assignment]
        action.choices = [("", _("All actions")), *AuditAction.choices]
