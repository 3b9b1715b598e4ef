"""Forms of the town-hall question pages: they parse input only; ``questions`` checks it
fully and makes the change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from trustbridge.events.models import Question
from trustbridge.events.questions import MAX_ANSWER, MAX_QUESTION, MAX_REASON


class AskForm(forms.Form):
    text = forms.CharField(
        label=_("Your question"),
        max_length=MAX_QUESTION,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Up to 500 characters. A moderator reads it before it is shown. Please leave out "
            "names and contact details."
        ),
    )
    anonymous = forms.BooleanField(
        label=_("Ask anonymously"),
        required=False,
        help_text=_(
            "Your name is never shown with your question. Tick this and the question is not "
            "linked to your account either."
        ),
    )
    # A field people never see (hidden by the stylesheet, skipped by keyboard and screen
    # readers); a robot that fills every field in gives itself away.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, signed_in: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not signed_in:  # visitors are always anonymous: there is nothing to choose
            del self.fields["anonymous"]

    def is_robot(self) -> bool:
        return bool(self.data.get("website"))


class ActionForm(forms.Form):
    """Which action a moderator's button asks for, on which question (each question's own
    fields carry its prefix)."""

    ACTIONS = ("approve", "hide", "merge", "answer")

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    question = forms.IntegerField(min_value=1)


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Public reason for hiding it"),
        max_length=MAX_REASON,
        help_text=_("Shown in the public log and in place of the question."),
    )


class MergeForm(forms.Form):
    into = forms.TypedChoiceField(label=_("Merge into"), coerce=int)

    def __init__(self, *args: Any, targets: list[Question], question: Question, **kwargs: Any):
        super().__init__(*args, **kwargs)
        into: forms.TypedChoiceField = self.fields["into"]  # type: ignore[assignment]
        into.choices = [("", _("Choose a question")), *_choices(targets, question)]


def _choices(targets: list[Question], question: Question) -> list[tuple[int, str]]:
    return [(t.pk, _short(t.text)) for t in targets if t.pk != question.pk]


def _short(text: str, length: int = 90) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"),
        max_length=MAX_ANSWER,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Published on the questions page."),
    )
    live = forms.BooleanField(label=_("Answered at the event"), required=False)


class PresenterAnswerForm(forms.Form):
    """On the presenter's screen a question is answered at the event. The text area keeps
    what is typed while the list around it refreshes (``hx-preserve``: its id is stable)."""

    answer = forms.CharField(
        label=_("What was answered"),
        max_length=MAX_ANSWER,
        widget=forms.Textarea(attrs={"rows": 2, "hx-preserve": "true"}),
    )
