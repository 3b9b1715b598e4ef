from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from trustbridge.accounts.models import TokenScope
from trustbridge.core.models import Organization


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What the token is for."))
    organization = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organization.objects.none()
    )
    scope = forms.ChoiceField(label=_("Access"), choices=TokenScope.choices)

    def __init__(self, *args: Any, organizations: list[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: forms.ModelChoiceField = self.fields["organization"]  # type: ignore[assignment]
        field.queryset = Organization.objects.filter(pk__in=[o.pk for o in organizations])


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that my account and personal data will be erased for good."),
        required=True,
    )


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=120,
        required=False,
        help_text=_("Shown beside what you contribute in public. Leave empty to stay anonymous."),
    )
