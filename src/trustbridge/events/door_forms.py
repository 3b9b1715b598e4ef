"""Forms of the door, recap, commitment and engagement pages: they parse input only;
``checkin``, ``recaps`` and ``engagement`` check it fully and make the change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from trustbridge.core.models import Area
from trustbridge.events.checkin import MAX_WALK_INS
from trustbridge.events.engagement import MAX_MINUTES, MAX_PEOPLE, MAX_TOPIC
from trustbridge.events.models import CommitmentStatus, ContactKind
from trustbridge.events.recaps import MAX_ALT, MAX_COMMITMENT, MAX_SUMMARY, MAX_UPDATE

IMAGE_TYPES = "image/jpeg,image/png,image/webp"
MAX_CODE = 64


class DateInput(forms.DateInput):
    """The browser's own date picker; the value travels as YYYY-MM-DD."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


# The door ---------------------------------------------------------------------------------


class CodeForm(forms.Form):
    """A check-in code, typed, scanned in the page, or carried by the QR code's address."""

    code = forms.CharField(
        label=_("Check-in code"),
        max_length=MAX_CODE,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "off",
                "spellcheck": "false",
                "enterkeyhint": "go",
            }
        ),
        help_text=_("Type the code under the QR code, or scan it."),
    )


class NameCheckInForm(forms.Form):
    rsvp = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Name or e-mail address"), max_length=120, required=False)


class WalkInsForm(forms.Form):
    count = forms.IntegerField(
        label=_("Walk-ins to add"),
        min_value=-MAX_WALK_INS,
        max_value=MAX_WALK_INS,
        help_text=_("People who came without signing up. A negative number corrects a mistake."),
    )


# Recaps -----------------------------------------------------------------------------------


class SummaryForm(forms.Form):
    """One summary field per language the organisation publishes in (``summary_<code>``,
    the names the service gives its errors)."""

    def __init__(self, *args: Any, languages: Iterable[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, name in languages:
            self.fields[f"summary_{code}"] = forms.CharField(
                label=_("Summary in %(language)s") % {"language": name},
                max_length=MAX_SUMMARY,
                required=False,
                widget=forms.Textarea(attrs={"rows": 6}),
            )

    def texts(self) -> dict[str, dict[str, str]]:
        return {
            name.removeprefix("summary_"): {"summary": value}
            for name, value in self.cleaned_data.items()
            if name.startswith("summary_")
        }


class CommitmentForm(forms.Form):
    text = forms.CharField(label=_("Commitment"), max_length=MAX_COMMITMENT, required=False)
    due_on = forms.DateField(label=_("Due (optional)"), required=False, widget=DateInput())


CommitmentFormSet = forms.formset_factory(CommitmentForm, extra=3, max_num=30, absolute_max=30)


class NewCommitmentForm(CommitmentForm):
    text = forms.CharField(label=_("Commitment"), max_length=MAX_COMMITMENT)


class PhotoForm(forms.Form):
    image = forms.FileField(
        label=_("Photo"),
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_TYPES}),
        help_text=_(
            "A JPEG, PNG or WebP image up to 10 MB. Its location and camera data are removed."
        ),
    )
    alt = forms.CharField(
        label=_("Description of the photo"),
        max_length=MAX_ALT,
        help_text=_("What the photo shows, for people who cannot see it."),
    )
    consent = forms.BooleanField(
        label=_("Everyone recognisable in this photo agreed to its publication."),
        error_messages={
            "required": _("A photo is published only if everyone recognisable in it agreed.")
        },
    )


class RemovePhotoForm(forms.Form):
    photo = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


# Commitments ------------------------------------------------------------------------------


class FollowUpForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Where it stands"), choices=CommitmentStatus.choices, widget=forms.RadioSelect
    )
    update = forms.CharField(
        label=_("Update for the public"),
        max_length=MAX_UPDATE,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown on the accountability page. Dropping a commitment needs the reason."),
    )


# The engagement log -----------------------------------------------------------------------


class ContactForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of contact"), choices=ContactKind.choices)
    area = forms.ChoiceField(label=_("Area"), required=False)
    topic = forms.CharField(
        label=_("Topic"),
        max_length=MAX_TOPIC,
        help_text=_("What it was about, in a few words. Never who: no names or contact details."),
    )
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=MAX_MINUTES)
    people = forms.IntegerField(label=_("People met"), min_value=1, max_value=MAX_PEOPLE, initial=1)
    happened_on = forms.DateField(label=_("Date"), widget=DateInput())

    def __init__(self, *args: Any, areas: Iterable[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.areas = {str(area.pk): area for area in areas}
        field: forms.ChoiceField = self.fields["area"]  # type: ignore[assignment]
        field.choices = [
            ("", _("No particular area")),
            *((pk, area.name) for pk, area in self.areas.items()),
        ]

    def chosen_area(self) -> Area | None:
        return self.areas.get(self.cleaned_data.get("area") or "")


class PeriodForm(forms.Form):
    """The period of the public engagement figures: ``?from=`` and ``?to=`` (both days
    included). The names are Python keywords, so the fields are added by name."""

    MAX_DAYS = 3 * 366

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["from"] = forms.DateField(label=_("From"), required=False, widget=DateInput())
        self.fields["to"] = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("from"), data.get("to")
        if end is not None and end > self.today:
            self.add_error("to", _("The period cannot end after today."))
        elif start is not None and end is not None and start > end:
            self.add_error("from", _("The period must start before it ends."))
        elif start is not None and (end or self.today) - start > dt.timedelta(days=self.MAX_DAYS):
            self.add_error("from", _("Choose a period of at most three years."))
        return data
