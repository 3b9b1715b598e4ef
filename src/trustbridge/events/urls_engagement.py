"""Events, the public engagement figures per area, under /o/<slug>/events/."""

from django.urls import path

from trustbridge.events import door_views

urlpatterns = [
    path("engagement/", door_views.engagement_view, name="engagement"),
]
