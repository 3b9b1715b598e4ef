"""Events: the staff pages of town-hall questions (under /o/<slug>/staff/events/)."""

from django.urls import URLPattern, path

from trustbridge.events import question_views

urlpatterns: list[URLPattern] = [
    path("<int:event_id>/questions/", question_views.moderate_view, name="moderate"),
    path("<int:event_id>/presenter/", question_views.presenter_view, name="presenter"),
    path("questions/", question_views.question_events_view, name="question_events"),
    path("questions/overdue/", question_views.overdue_view, name="overdue_questions"),
]
