"""Events: the public town-hall question pages (under /o/<slug>/events/)."""

from django.urls import URLPattern, path

from trustbridge.events import question_views

urlpatterns: list[URLPattern] = [
    path("<int:event_id>/questions/", question_views.questions_view, name="questions"),
    path(
        "<int:event_id>/questions/<int:question_id>/vote/",
        question_views.vote_view,
        name="question_vote",
    ),
    path(
        "<int:event_id>/questions/log/", question_views.moderation_log_view, name="moderation_log"
    ),
]
