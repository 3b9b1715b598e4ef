"""Forms of initiatives: they parse and check input only; ``initiatives.py`` makes the change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from trustbridge.core.models import Area, Organization
from trustbridge.core.tenancy import scoped
from trustbridge.transparency.models import Initiative, InitiativeStatus, OffenceCategory

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class InitiativeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"), max_length=300, help_text=_("One or two sentences for the list.")
    )
    goal = forms.CharField(label=_("Goal"), widget=forms.Textarea(attrs={"rows": 5}))
    status = forms.ChoiceField(label=_("Status"), choices=InitiativeStatus.choices)
    areas = forms.ModelMultipleChoiceField(
        label=_("Areas"),
        queryset=Area.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty if it concerns every area."),
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("Offence categories it targets"),
        queryset=OffenceCategory.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    started_on = forms.DateField(label=_("Started on"), required=False, widget=DATE)
    ended_on = forms.DateField(label=_("Ended on"), required=False, widget=DATE)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas: Any = self.fields["areas"]
        areas.queryset = scoped(Area, organization).order_by("name", "id")
        categories: Any = self.fields["categories"]
        categories.queryset = scoped(OffenceCategory, organization).order_by("position", "name")


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_on = forms.DateField(label=_("Due on"), required=False, widget=DATE)


class UpdateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 6}))
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_("JPEG, PNG or WebP. Its hidden details (camera, place) are removed."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    photo_alt = forms.CharField(
        label=_("Photo description"),
        max_length=300,
        required=False,
        help_text=_("Required with a photo: what it shows, for people who cannot see it."),
    )


class StoryForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Story"), widget=forms.Textarea(attrs={"rows": 8}))
    initiative = forms.ModelChoiceField(
        label=_("Initiative"), queryset=Initiative.objects.none(), required=False
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["initiative"]
        field.queryset = scoped(Initiative, organization).order_by("title", "id")


class FollowForm(forms.Form):
    email = forms.EmailField(
        label=_("Your e-mail address"),
        help_text=_("We send a link to confirm. Your address is used for nothing else."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # A field people never see (hidden by the stylesheet, skipped by keyboard and screen
    # readers); a robot that fills every field in gives itself away.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def is_robot(self) -> bool:
        return bool(self.cleaned_data.get("website"))
