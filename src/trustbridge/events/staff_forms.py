"""Forms of the organisers' pages: they parse and check input only; ``services`` makes the
change and refuses what it must (times, a series without end, capacity, hosts).

Times are typed on the organisation's wall clock (``datetime-local`` inputs) and read in its
time zone, whatever the server's. The repeat helper (weekly, every two weeks, monthly on the
same weekday; an end by number of dates or by last date) writes the iCalendar RRULE that
the service expands; experts may type one instead.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.forms.boundfield import BoundField
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from trustbridge.core.errors import ServiceError, ServiceErrors
from trustbridge.core.forms import add_service_errors
from trustbridge.core.models import Organization
from trustbridge.events import staff_queries
from trustbridge.events.models import Event, EventKind, Occurrence
from trustbridge.events.notifications import MAX_BODY, MAX_SUBJECT
from trustbridge.events.services import MAX_DESCRIPTION, MAX_TITLE

TEXTAREA = forms.Textarea(attrs={"rows": 5})
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"

# RFC 5545 weekday codes, Monday first (``datetime.weekday()`` order).
WEEKDAYS = [
    ("MO", _("Monday")),
    ("TU", _("Tuesday")),
    ("WE", _("Wednesday")),
    ("TH", _("Thursday")),
    ("FR", _("Friday")),
    ("SA", _("Saturday")),
    ("SU", _("Sunday")),
]
CODES = [code for code, _label in WEEKDAYS]


class Repeat:
    NONE = ""
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"


REPEATS = [
    (Repeat.NONE, _("Does not repeat")),
    (Repeat.WEEKLY, _("Every week")),
    (Repeat.FORTNIGHTLY, _("Every two weeks")),
    (Repeat.MONTHLY, _("Every month, on the same weekday")),
]


class LocalDateTimeField(forms.DateTimeField):
    """A ``datetime-local`` input read on the wall clock of ``zone`` (set by the form).

    A time that does not exist, or happens twice, on a daylight-saving change is refused
    rather than guessed."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_FORMAT)
    input_formats = [LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.zone = zoneinfo.ZoneInfo("UTC")

    def to_python(self, value: Any) -> dt.datetime | None:
        with timezone.override(self.zone):
            return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        with timezone.override(self.zone):
            return super().prepare_value(value)


def _field(form: forms.BaseForm, name: str) -> Any:
    return form.fields[name]


def language_names() -> dict[str, str]:
    return {code: str(name) for code, name in settings.LANGUAGES}


# The event -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LanguageFields:
    """The title and description of one language, shown together."""

    code: str
    name: str
    title: BoundField
    description: BoundField


class EventForm(forms.Form):
    """Everything about an event. Titles and descriptions come per published language of
    the organisation (``title_<code>``, ``description_<code>``)."""

    kind = forms.ChoiceField(label=_("Kind of event"), choices=EventKind.choices)

    starts_at = LocalDateTimeField(label=_("Starts"))
    ends_at = LocalDateTimeField(label=_("Ends"))
    repeat = forms.ChoiceField(label=_("Repeats"), choices=REPEATS, required=False)
    weekdays = forms.MultipleChoiceField(
        label=_("On these days (weekly or every two weeks)"),
        choices=WEEKDAYS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: the weekday of the first date."),
    )
    count = forms.IntegerField(
        label=_("Ends after this number of dates"), min_value=1, required=False
    )
    until = forms.DateField(
        label=_("Or ends on this date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    recurrence = forms.CharField(
        label=_("Advanced: repeat rule (RRULE)"),
        required=False,
        max_length=255,
        help_text=_(
            "For experts, an iCalendar rule such as FREQ=WEEKLY;BYDAY=TU;COUNT=10. When "
            "given, it replaces the choices above."
        ),
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "characters"}),
    )

    venue = forms.CharField(label=_("Venue"), max_length=200, required=False)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    online_url = forms.CharField(
        label=_("Online link"),
        max_length=200,
        required=False,
        widget=forms.URLInput(),
        help_text=_("For an event held online, or also online."),
    )
    step_free = forms.BooleanField(label=_("Step-free access"), required=False)
    hearing_loop = forms.BooleanField(label=_("Hearing loop"), required=False)
    interpretation = forms.CharField(
        label=_("Interpretation"),
        max_length=200,
        required=False,
        help_text=_("For example: British Sign Language, Spanish."),
    )
    childcare = forms.BooleanField(label=_("Childcare"), required=False)
    accessibility_notes = forms.CharField(
        label=_("Other accessibility details"), required=False, widget=TEXTAREA
    )

    areas = forms.TypedMultipleChoiceField(
        label=_("Areas"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    hosts = forms.TypedMultipleChoiceField(
        label=_("Hosts"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Members of your organisation who host it; their names are public."),
    )
    capacity = forms.IntegerField(
        label=pgettext_lazy("seats at an event", "Places"),
        required=False,
        max_value=100_000,
        help_text=_("Leave empty for no limit. Sign-ups past it join a waiting list."),
    )

    when_fields = ("starts_at", "ends_at")
    repeat_fields = ("repeat", "weekdays", "count", "until", "recurrence")
    place_fields = ("venue", "address", "online_url")
    access_fields = (
        "step_free",
        "hearing_loop",
        "interpretation",
        "childcare",
        "accessibility_notes",
    )

    def __init__(
        self,
        *args: Any,
        organization: Organization,
        event: Event | None = None,
        **kwargs: Any,
    ) -> None:
        if event is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_of(event)
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.zone = zoneinfo.ZoneInfo(organization.timezone)
        for name in self.when_fields:
            _field(self, name).zone = self.zone
        self.languages = self._languages(organization, event)
        names = language_names()
        for code in self.languages:
            self.fields[f"title_{code}"] = forms.CharField(
                label=_("Title (%(language)s)") % {"language": names[code]},
                max_length=MAX_TITLE,
                required=False,
                widget=forms.TextInput(attrs={"lang": code}),
            )
            self.fields[f"description_{code}"] = forms.CharField(
                label=_("Description (%(language)s)") % {"language": names[code]},
                max_length=MAX_DESCRIPTION,
                required=False,
                widget=forms.Textarea(attrs={"rows": 5, "lang": code}),
            )
        self.area_list = list(staff_queries.areas_of(organization))
        _field(self, "areas").choices = [(a.pk, a.name) for a in self.area_list]
        self.members = staff_queries.members_of(organization)
        _field(self, "hosts").choices = [(u.pk, staff_queries.host_name(u)) for u in self.members]

    @staticmethod
    def _languages(organization: Organization, event: Event | None) -> list[str]:
        """The organisation's languages, then any other the event already has text in (so
        that an edit never drops it silently)."""
        known = language_names()
        codes = [c for c in organization.languages or [] if c in known] or [settings.LANGUAGE_CODE]
        if event is not None:
            codes += [c for c in (event.texts or {}) if c in known and c not in codes]
        return codes

    def text_fields(self) -> list[LanguageFields]:
        names = language_names()
        return [
            LanguageFields(code, names[code], self[f"title_{code}"], self[f"description_{code}"])
            for code in self.languages
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("recurrence", "").strip() or not data.get("repeat"):
            return data
        count, until = data.get("count"), data.get("until")
        if count is None and until is None and "count" not in self.errors:
            self.add_error("count", _("Say when the series ends: a number of dates or a date."))
        elif count is not None and until is not None:
            self.add_error("until", _("Give a number of dates or a last date, not both."))
        return data

    # What the service takes ------------------------------------------------------------

    def texts(self) -> dict[str, dict[str, str]]:
        data = self.cleaned_data
        return {
            code: {
                "title": data.get(f"title_{code}", ""),
                "description": data.get(f"description_{code}", ""),
            }
            for code in self.languages
        }

    def rule(self) -> str:
        """The RRULE typed by an expert, else the one the helper builds (or none)."""
        data = self.cleaned_data
        typed = str(data.get("recurrence") or "").strip()
        if typed:
            return typed
        return build_rule(
            data.get("repeat") or Repeat.NONE,
            start=data["starts_at"].astimezone(self.zone),
            weekdays=list(data.get("weekdays") or []),
            count=data.get("count"),
            until=data.get("until"),
        )

    def changes(self) -> dict[str, Any]:
        """The keyword arguments of ``services.create_event``/``update_event``."""
        data = self.cleaned_data
        hosts = {u.pk: u for u in self.members}
        areas = {a.pk: a for a in self.area_list}
        return {
            "kind": data["kind"],
            "texts": self.texts(),
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "recurrence_rule": self.rule(),
            "capacity": data.get("capacity"),
            "areas": [areas[pk] for pk in data.get("areas", [])],
            "hosts": [hosts[pk] for pk in data.get("hosts", [])],
            **{name: data[name] for name in (*self.place_fields, *self.access_fields)},
        }

    def add_errors(self, error: ServiceError | ServiceErrors) -> None:
        """Put the service's refusals on the fields they concern: a missing title on the
        first language's title, a refused series on the repeat helper when it built it."""
        errors = error.errors if isinstance(error, ServiceErrors) else [error]
        helper_rule = not str(self.cleaned_data.get("recurrence") or "").strip()
        moved = []
        for item in errors:
            field = item.field
            if field == "texts":
                field = f"title_{self.languages[0]}"
            elif field == "recurrence" and helper_rule:
                field = "repeat"
            moved.append(ServiceError(item.code, item.message, field))
        add_service_errors(self, ServiceErrors(moved))


def build_rule(
    repeat: str,
    *,
    start: dt.datetime,
    weekdays: list[str],
    count: int | None,
    until: dt.date | None,
) -> str:
    """The RRULE of the repeat helper's choices; ``start`` is the first date's local time.

    Monthly repeats keep the weekday of the first date and its place in the month (the
    second Tuesday); a fifth one becomes the last of the month, which every month has.
    """
    if repeat == Repeat.NONE:
        return ""
    parts: list[str]
    if repeat == Repeat.MONTHLY:
        nth = (start.day - 1) // 7 + 1
        parts = ["FREQ=MONTHLY", f"BYDAY={-1 if nth == 5 else nth}{CODES[start.weekday()]}"]
    else:
        days = [code for code in CODES if code in weekdays] or [CODES[start.weekday()]]
        parts = ["FREQ=WEEKLY"]
        if repeat == Repeat.FORTNIGHTLY:
            parts.append("INTERVAL=2")
        parts.append("BYDAY=" + ",".join(days))
    if count is not None:
        parts.append(f"COUNT={count}")
    elif until is not None:
        # A local date: the whole of that day counts (the service reads the rule on the
        # organisation's wall clock).
        parts.append(f"UNTIL={until:%Y%m%d}T235959")
    return ";".join(parts)


def read_rule(rule: str, start: dt.datetime) -> dict[str, Any] | None:
    """The helper's choices for a rule it could have built, else ``None`` (the rule goes
    in the advanced field). ``start`` is the first date's local time."""
    parts = _parts(rule)
    known = {"FREQ", "INTERVAL", "BYDAY", "COUNT", "UNTIL"}
    if "FREQ" not in parts or set(parts) - known or ("COUNT" in parts) == ("UNTIL" in parts):
        return None
    choices: dict[str, Any] = {"weekdays": [], "count": None, "until": None}
    if "COUNT" in parts:
        if not parts["COUNT"].isdigit():
            return None
        choices["count"] = int(parts["COUNT"])
    else:
        try:
            day = dt.datetime.strptime(parts["UNTIL"], "%Y%m%dT235959").date()  # noqa: DTZ007
        except ValueError:
            return None
        choices["until"] = day
    days = parts.get("BYDAY", "").split(",")
    interval = parts.get("INTERVAL", "1")
    if parts["FREQ"] == "WEEKLY" and interval in ("1", "2") and set(days) <= set(CODES):
        choices["repeat"] = Repeat.WEEKLY if interval == "1" else Repeat.FORTNIGHTLY
        choices["weekdays"] = [d for d in CODES if d in days]
    elif parts["FREQ"] == "MONTHLY" and interval == "1" and "BYDAY" in parts:
        choices["repeat"] = Repeat.MONTHLY
    else:
        return None
    built = build_rule(
        choices["repeat"],
        start=start,
        weekdays=choices["weekdays"],
        count=choices["count"],
        until=choices["until"],
    )
    # Only a rule the helper writes exactly so: saving the form unchanged must keep it.
    return choices if built == rule else None


def _parts(rule: str) -> dict[str, str]:
    return dict(p.partition("=")[::2] for p in rule.upper().split(";") if p)


def initial_of(event: Event) -> dict[str, Any]:
    """The form's values for an existing event."""
    zone = zoneinfo.ZoneInfo(event.organization.timezone)
    initial: dict[str, Any] = {
        "kind": event.kind,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "capacity": event.capacity,
        "areas": [a.pk for a in event.areas.all()],
        "hosts": [u.pk for u in event.hosts.all()],
    }
    for name in (*EventForm.place_fields, *EventForm.access_fields):
        initial[name] = getattr(event, name)
    for code, parts in (event.texts or {}).items():
        initial[f"title_{code}"] = parts.get("title", "")
        initial[f"description_{code}"] = parts.get("description", "")
    if event.recurrence:
        helper = read_rule(event.recurrence, event.starts_at.astimezone(zone))
        initial.update(helper if helper is not None else {"recurrence": event.recurrence})
    return initial


# Confirmations, dates, messages ------------------------------------------------------------


class ConfirmForm(forms.Form):
    """A tick that makes a destructive action deliberate."""

    confirm = forms.BooleanField(label=_("Yes, I am sure"))

    def __init__(self, *args: Any, label: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label:
            self.fields["confirm"].label = label


class MoveForm(forms.Form):
    """New times for one date."""

    starts_at = LocalDateTimeField(label=_("New start"))
    ends_at = LocalDateTimeField(label=_("New end"))

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zone = zoneinfo.ZoneInfo(organization.timezone)
        for name in ("starts_at", "ends_at"):
            _field(self, name).zone = zone


ALL_DATES = ""


class MessageForm(forms.Form):
    """A message to the people signed up for one date or for every date."""

    occurrence = forms.ChoiceField(label=_("To the people signed up for"), required=False)
    include_waitlist = forms.BooleanField(
        label=_("Also write to those on the waiting list"), required=False
    )
    subject = forms.CharField(label=_("Subject"), max_length=MAX_SUBJECT)
    body = forms.CharField(
        label=_("Message"), max_length=MAX_BODY, widget=forms.Textarea(attrs={"rows": 8})
    )

    def __init__(
        self, *args: Any, dates: list[Occurrence], zone: zoneinfo.ZoneInfo, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.dates = {str(o.pk): o for o in dates}
        _field(self, "occurrence").choices = [
            (ALL_DATES, _("Every date")),
            *((str(o.pk), _local(o.starts_at, zone)) for o in dates),
        ]

    def chosen_date(self) -> Occurrence | None:
        return self.dates.get(self.cleaned_data.get("occurrence") or ALL_DATES)


def _local(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    return date_format(moment.astimezone(zone), "SHORT_DATETIME_FORMAT")
