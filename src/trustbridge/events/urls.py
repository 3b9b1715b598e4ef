"""Events pages under /o/<slug>/: each part of the capability keeps its own URL module."""

from django.urls import include, path

from trustbridge.events import views

app_name = "events"

urlpatterns = [
    path("events.ics", views.organization_feed, name="organization_ics"),
    path("areas/<slug:area_slug>/events.ics", views.area_feed, name="area_ics"),
    path("events/<int:event_id>.ics", views.event_feed, name="event_ics"),
    path("events/", include("trustbridge.events.urls_public")),
    path("events/", include("trustbridge.events.urls_questions")),
    path("events/", include("trustbridge.events.urls_engagement")),
    path("staff/events/", include("trustbridge.events.urls_staff")),
    path("staff/events/", include("trustbridge.events.urls_questions_staff")),
    path("staff/events/", include("trustbridge.events.urls_door")),
]
