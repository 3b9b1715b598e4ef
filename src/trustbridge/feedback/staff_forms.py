"""Forms of the staff feedback pages: they parse and check input only; ``workflow.py`` makes
the change, ``inbox.py`` reads. Forms of the item page carry a prefix, so that the labels and
error links of the several forms on one page never share an id."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from trustbridge.core.models import Organization
from trustbridge.feedback import inbox
from trustbridge.feedback.inbox import ALL, OPEN, Assignee, FlagFilter, InboxFilter, Queue, Sort
from trustbridge.feedback.models import CloseReason, Kind, Status
from trustbridge.feedback.workflow import CLOSE_REASONS_BY_HAND, BulkAction, next_statuses

if TYPE_CHECKING:
    from trustbridge.accounts.models import User
    from trustbridge.feedback.models import Item

TEXTAREA = forms.Textarea(attrs={"rows": 5})
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
WEEKDAYS = [
    ("0", _("Monday")),
    ("1", _("Tuesday")),
    ("2", _("Wednesday")),
    ("3", _("Thursday")),
    ("4", _("Friday")),
    ("5", _("Saturday")),
    ("6", _("Sunday")),
]


def _people(users: list[User], empty: Any) -> list[tuple[str, Any]]:
    return [("", empty), *((str(u.pk), inbox.staff_name(u)) for u in users)]


def _choice(form: forms.Form, name: str) -> forms.ChoiceField:
    field: Any = form.fields[name]
    return field


# The inbox -------------------------------------------------------------------------------


class InboxFilterForm(forms.Form):
    """The inbox's filters, all in the address (a GET form), so a view can be bookmarked and
    shared."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("A tracking code, or words of the description."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    category = forms.TypedChoiceField(
        label=_("Category"), required=False, coerce=int, empty_value=None
    )
    area = forms.TypedChoiceField(label=_("Area"), required=False, coerce=int, empty_value=None)
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)
    flag = forms.ChoiceField(
        label=_("Response target"),
        required=False,
        choices=[
            ("", _("Any")),
            (FlagFilter.FLAGGED, _("Approaching or overdue")),
            (FlagFilter.APPROACHING, _("Approaching its target")),
            (FlagFilter.OVERDUE, _("Overdue")),
        ],
    )
    duplicates = forms.BooleanField(label=_("Only items with possible duplicates"), required=False)
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[(Sort.NEWEST, _("Newest first")), (Sort.OLDEST, _("Oldest first"))],
    )

    def __init__(
        self, *args: Any, organization: Organization, viewer: User, queue: Queue, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "status").choices = [
            (OPEN, _("Open (not resolved or closed)")),
            (ALL, _("Any status")),
            *Status.choices,
        ]
        kinds = [(k, label) for k, label in Kind.choices if k != Kind.CONDUCT]
        _choice(self, "kind").choices = [("", _("Any kind")), *kinds]
        if queue == Queue.CONDUCT:
            del self.fields["kind"]
        _choice(self, "category").choices = [
            ("", _("Any category")),
            *inbox.category_choices(organization, queue),
        ]
        _choice(self, "area").choices = [
            ("", _("Any area")),
            *((a.pk, a.name) for a in inbox.areas_of(organization)),
        ]
        staff = inbox.staff_who_may_work(queue, organization)
        _choice(self, "assignee").choices = [
            ("", _("Anyone or nobody")),
            (Assignee.MINE, _("Me")),
            (Assignee.UNASSIGNED, _("Nobody")),
            *((str(u.pk), inbox.staff_name(u)) for u in staff if u.pk != viewer.pk),
        ]
        _choice(self, "team").choices = [
            ("", _("Any team")),
            *((t.pk, t.name) for t in inbox.teams_of(organization)),
        ]

    def filters(self) -> InboxFilter:
        """The filters asked for; a value that is not valid is left out (its error shows)."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        return InboxFilter(
            status=data.get("status") or OPEN,
            kind=data.get("kind") or "",
            category=data.get("category"),
            area=data.get("area"),
            assignee=data.get("assignee") or "",
            team=data.get("team"),
            flag=data.get("flag") or "",
            duplicates=bool(data.get("duplicates")),
            q=(data.get("q") or "").strip(),
            sort=data.get("sort") or Sort.NEWEST,
        )


class BulkForm(forms.Form):
    """One action on the items ticked in the inbox."""

    items = forms.MultipleChoiceField(label=_("Items"), required=False)
    action = forms.ChoiceField(label=_("Action"), choices=BulkAction.choices)
    assignee = forms.TypedChoiceField(
        label=_("Assign to"), required=False, coerce=int, empty_value=None
    )
    team = forms.TypedChoiceField(
        label=_("Assign to team"), required=False, coerce=int, empty_value=None
    )
    status = forms.ChoiceField(label=_("New status"), required=False)
    reason = forms.CharField(
        label=_("Reason, shown to the residents"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed to close or reopen items."),
    )

    def __init__(
        self,
        *args: Any,
        organization: Organization,
        queue: Queue,
        references: list[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "items").choices = [(r, r) for r in references]
        _choice(self, "assignee").choices = _people(
            inbox.staff_who_may_work(queue, organization), _("Nobody")
        )
        _choice(self, "team").choices = [
            ("", _("No team")),
            *((t.pk, t.name) for t in inbox.teams_of(organization)),
        ]
        _choice(self, "status").choices = [
            ("", _("Choose a status")),
            *((s.value, s.label) for s in Status if s not in (Status.NEW, Status.CLOSED)),
        ]

    def clean_items(self) -> list[str]:
        items: list[str] = self.cleaned_data["items"]
        if not items:
            raise forms.ValidationError(_("Select at least one item."))
        return items


# The item page ---------------------------------------------------------------------------


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Reply to the resident"),
        max_length=4000,
        widget=TEXTAREA,
        help_text=_("Public: shown on the resident's tracking page and e-mailed to them."),
    )


class CannedChoiceForm(forms.Form):
    """Start the reply from a canned reply (a GET form: it only fills the reply box)."""

    canned = forms.TypedChoiceField(label=_("Canned reply"), coerce=int)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "canned").choices = [
            (c.pk, c.title) for c in inbox.canned_replies(organization)
        ]


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Internal note"),
        max_length=4000,
        widget=TEXTAREA,
        help_text=_("Staff only: never shown to the resident or the public."),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"))
    close_reason = forms.ChoiceField(
        label=_("Closed as"),
        required=False,
        help_text=_("Only when closing. To close a duplicate, merge it instead."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Shown to the resident with the new status. Needed to close or reopen an item."
        ),
    )

    def __init__(self, *args: Any, item: Item, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "status").choices = [(s.value, s.label) for s in next_statuses(item.status)]
        _choice(self, "close_reason").choices = [
            ("", _("Not closing")),
            *((r.value, CloseReason(r).label) for r in CLOSE_REASONS_BY_HAND),
        ]


class AssignForm(forms.Form):
    user = forms.TypedChoiceField(label=_("Person"), required=False, coerce=int, empty_value=None)
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, item: Item, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organization = item.organization
        _choice(self, "user").choices = _people(
            inbox.staff_who_may_work(item, organization), _("Nobody")
        )
        _choice(self, "team").choices = [
            ("", _("No team")),
            *((t.pk, t.name) for t in inbox.teams_of(organization)),
        ]


class MergeForm(forms.Form):
    original = forms.CharField(
        label=_("Tracking code of the original item"),
        max_length=20,
        help_text=_("This item is closed as its duplicate. Nothing personal is copied."),
    )
    reason = forms.CharField(
        label=_("Message to this item's resident"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional. The original's tracking code is never shown to them."),
    )

    def clean_original(self) -> str:
        return str(self.cleaned_data["original"]).strip().upper()


class SubjectForm(forms.Form):
    user = forms.TypedChoiceField(
        label=_("Staff member the complaint is about"),
        coerce=int,
        help_text=_("They will never be able to see this complaint, its history or who made it."),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "user").choices = _people(
            inbox.staff_members(organization), _("Choose a person")
        )


class ModerateForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Publish these words")), ("reject", _("Keep it private"))],
        widget=forms.RadioSelect,
    )
    public_text = forms.CharField(
        label=_("Words to publish"),
        required=False,
        max_length=4000,
        widget=TEXTAREA,
        help_text=_("Personal details (e-mail addresses, phone numbers, names) must be removed."),
    )


# Settings --------------------------------------------------------------------------------


class CategoryForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"),
        max_length=60,
        help_text=_("Short, in the web address and for Open311 clients. It cannot change later."),
    )
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("Any kind but conduct")), *Kind.choices],
    )
    acknowledge_hours = forms.IntegerField(
        label=_("Target to acknowledge (business hours)"), min_value=1, max_value=10000
    )
    resolve_hours = forms.IntegerField(
        label=_("Target to resolve (business hours)"), min_value=1, max_value=10000
    )
    position = forms.IntegerField(label=_("Position in lists"), min_value=0, max_value=1000)
    active = forms.BooleanField(label=_("Residents may choose it"), required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    members = forms.TypedMultipleChoiceField(
        label=_("Members"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["members"]
        field.choices = [(u.pk, inbox.staff_name(u)) for u in inbox.staff_members(organization)]


class CannedReplyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    text_en = forms.CharField(label=_("Text in English"), widget=TEXTAREA)
    text_fr = forms.CharField(label=_("Text in French"), widget=TEXTAREA, required=False)
    text_es = forms.CharField(label=_("Text in Spanish"), widget=TEXTAREA, required=False)


class CalendarForm(forms.Form):
    work_start = forms.TimeField(label=_("Working day starts"), widget=TIME)
    work_end = forms.TimeField(label=_("Working day ends"), widget=TIME)
    work_days = forms.TypedMultipleChoiceField(
        label=_("Working days"), choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    warn_at_share = forms.IntegerField(
        label=_("Flag items when this share of their target has passed (percent)"),
        min_value=1,
        max_value=100,
    )
    allow_anonymous = forms.BooleanField(
        label=_("Residents may stay anonymous, even to staff"), required=False
    )


class HolidayForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=DATE)
    name = forms.CharField(label=_("Name"), max_length=120)
