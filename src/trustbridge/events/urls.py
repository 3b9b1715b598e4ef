"""Events: calendar feeds under /o/<slug>/."""

from django.urls import path

from trustbridge.events import views

app_name = "events"

urlpatterns = [
    path("events.ics", views.organization_feed, name="organization_ics"),
    path("areas/<slug:area_slug>/events.ics", views.area_feed, name="area_ics"),
    path("events/<int:event_id>.ics", views.event_feed, name="event_ics"),
]
