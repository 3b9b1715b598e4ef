"""Forms of the resident pages: they parse input only; ``intake`` and ``survey`` check it
fully and make the change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from trustbridge.core.models import Area
from trustbridge.feedback.intake import MAX_DESCRIPTION, MAX_MESSAGE, Submission
from trustbridge.feedback.models import Kind, Source
from trustbridge.feedback.resident_queries import CategoryChoice
from trustbridge.feedback.survey import QUESTIONS, SCALE

IMAGE_TYPES = "image/jpeg,image/png,image/webp"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the list may be empty."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": IMAGE_TYPES}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


class CategorySelect(forms.Select):
    """A select whose options say which kind they serve (``data-kind``), so that the page's
    script can offer only the categories that fit the chosen kind."""

    def __init__(self, kinds: dict[str, str], attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.kinds = kinds

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        if option["value"]:
            option["attrs"]["data-kind"] = self.kinds.get(str(option["value"]), "")
        return option


def _honeypot() -> forms.CharField:
    # A field people never see (hidden by the stylesheet, skipped by keyboard and screen
    # readers); a robot that fills every field in gives itself away.
    return forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )


class FeedbackForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What would you like to tell us?"),
        choices=Kind.choices,
        widget=forms.RadioSelect,
    )
    category = forms.ChoiceField(label=_("What is it about?"), required=False)
    description = forms.CharField(
        label=_("Your message"),
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Up to 4,000 characters. What happened, where and when, or what you would like "
            "to say. Please leave out other people's names and contact details."
        ),
    )
    area = forms.ChoiceField(label=_("Area"), required=False)
    address = forms.CharField(
        label=_("Address or place"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=_("A street address, a crossing or a landmark."),
    )
    latitude = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        help_text=_(
            "Up to 3 photos: JPEG, PNG or WebP, 10 MB each. We remove their hidden details, "
            "such as where they were taken. Only our staff see them."
        ),
    )
    contact_name = forms.CharField(
        label=_("Your name"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    contact_email = forms.EmailField(
        label=_("Your e-mail address"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("We e-mail you a receipt and each reply. We never show it publicly."),
    )
    contact_phone = forms.CharField(
        label=_("Your phone number"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    anonymous = forms.BooleanField(
        label=_("Keep me anonymous, even to staff"),
        required=False,
        help_text=_(
            "We keep only your e-mail address, if you give one, to send you updates; staff "
            "never see it. Your name and phone number are not kept."
        ),
    )
    wants_public = forms.BooleanField(
        label=_("You may show my words publicly, after a moderator removes personal details"),
        required=False,
        help_text=_("On our public accountability page, with the replies we give you."),
    )
    website = _honeypot()

    def __init__(
        self,
        *args: Any,
        categories: list[CategoryChoice],
        areas: list[Area],
        allow_anonymous: bool,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        category: Any = self.fields["category"]
        category.widget = CategorySelect({c.code: c.kind for c in categories})
        category.choices = [("", _("Choose…")), *((c.code, c.label) for c in categories)]
        own = [
            str(label)
            for kind, label in Kind.choices
            if sum(1 for c in categories if c.kind == kind) == 1
        ]
        if own:
            category.help_text = _("Not needed for: %(kinds)s.") % {"kinds": ", ".join(own)}
        area: Any = self.fields["area"]
        area.choices = [("", _("Not given")), *((a.slug, a.name) for a in areas)]
        if not areas:  # nothing to choose from, and any point would be outside
            for name in ("area", "latitude", "longitude"):
                del self.fields[name]
        if not allow_anonymous:
            del self.fields["anonymous"]

    def is_robot(self) -> bool:
        return bool(self.data.get("website"))

    def submission(self, *, language: str) -> Submission:
        data = self.cleaned_data
        return Submission(
            kind=data["kind"],
            category=data["category"],
            description=data["description"],
            area=data.get("area") or "",
            address=data["address"],
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            contact_name=data["contact_name"],
            contact_email=data["contact_email"],
            contact_phone=data["contact_phone"],
            anonymous=bool(data.get("anonymous")),
            wants_public=data["wants_public"],
            language=language,
            source=Source.WEB,
        )


class MessageForm(forms.Form):
    message = forms.CharField(
        label=_("Your message"),
        max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only our staff read it."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class SurveyForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for question in QUESTIONS:
            self.fields[question.field] = forms.TypedChoiceField(
                label=question.text,
                choices=[(value, f"{value} · {words}") for value, words in SCALE],
                coerce=int,
                widget=forms.RadioSelect,
            )
