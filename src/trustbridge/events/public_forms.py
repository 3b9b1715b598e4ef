"""Forms of the public events pages. They parse input only; ``services`` checks a sign-up
fully and makes it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from trustbridge.core.models import Area
from trustbridge.events.models import EventKind, Occurrence, Rsvp

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class EventFilterForm(forms.Form):
    """Which dates to list: one area, one kind, or all. An unknown value is reported on its
    field and that filter is left out."""

    area = forms.ChoiceField(
        label=_("Area"),
        required=False,
        error_messages={"invalid_choice": _("There is no area “%(value)s”; showing every area.")},
    )
    kind = forms.ChoiceField(
        label=_("Kind of event"),
        required=False,
        choices=[("", _("All kinds")), *EventKind.choices],
        error_messages={
            "invalid_choice": _("There is no kind of event “%(value)s”; showing every kind.")
        },
    )

    def __init__(self, data: Any, *, areas: Sequence[Area], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(data, **kwargs)
        self.areas = {area.slug: area for area in areas}
        if areas:
            area: Any = self.fields["area"]
            area.choices = [("", _("All areas")), *((a.slug, a.name) for a in areas)]
        else:  # nothing to choose from
            del self.fields["area"]

    def _valid(self, name: str) -> str:
        self.is_valid()
        return str(self.cleaned_data.get(name) or "")

    @property
    def chosen_area(self) -> Area | None:
        return self.areas.get(self._valid("area"))

    @property
    def chosen_kind(self) -> str:
        return self._valid("kind")

    def query(self) -> dict[str, str]:
        """The valid filters, for links that keep them (pages, months, the map)."""
        return {name: self._valid(name) for name in ("area", "kind") if self._valid(name)}


class CalendarForm(EventFilterForm):
    """The filters and a month (``YYYY-MM``) within the calendar's bounds."""

    month = forms.CharField(
        label=_("Month"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )

    def __init__(
        self, data: Any, *, areas: Sequence[Area], bounds: tuple[dt.date, dt.date], **kwargs: Any
    ) -> None:
        super().__init__(data, areas=areas, **kwargs)
        self.bounds = bounds

    def clean_month(self) -> dt.date | None:
        value = str(self.cleaned_data.get("month") or "").strip()
        if not value:
            return None
        found = _MONTH.match(value)
        month = None
        if found and 1 <= int(found[2]) <= 12:
            month = dt.date(int(found[1]), int(found[2]), 1)
        if month is None:
            raise forms.ValidationError(
                _("Give the month as year-month, for example 2030-03. Showing this month."),
                code="invalid",
            )
        first, last = self.bounds
        if not first <= month <= last:
            raise forms.ValidationError(
                _("Choose a month between %(first)s and %(last)s. Showing this month.")
                % {"first": f"{first:%Y-%m}", "last": f"{last:%Y-%m}"},
                code="out_of_range",
            )
        return month

    @property
    def chosen_month(self) -> dt.date | None:
        self.is_valid()
        month = self.cleaned_data.get("month")
        return month if isinstance(month, dt.date) else None


def _honeypot() -> forms.CharField:
    # A field people never see (hidden by the stylesheet, skipped by keyboard and screen
    # readers); a robot that fills every field in gives itself away.
    return forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )


class RsvpForm(forms.Form):
    """A place at one date. A signed-in resident sends no field at all; a guest gives a name
    and an address to confirm from. Field ids carry the date, so that every date of a page
    has its own form."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=Rsvp._meta.get_field("name").max_length,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Your e-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("We send you a link to confirm your place. We never show it publicly."),
    )
    website = _honeypot()

    def __init__(
        self, data: Any = None, *, occurrence: Occurrence, guest: bool, **kwargs: Any
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", f"id_date{occurrence.pk}_%s")
        super().__init__(data, **kwargs)
        self.occurrence = occurrence
        if not guest:
            self.fields.clear()

    def is_robot(self) -> bool:
        return "website" in self.fields and bool(self.data.get("website"))


class GuestActionForm(forms.Form):
    """What a guest does from their e-mail link."""

    CONFIRM, CANCEL = "confirm", "cancel"
    action = forms.ChoiceField(
        choices=[(CONFIRM, _("Confirm my place")), (CANCEL, _("Cancel my place"))]
    )
