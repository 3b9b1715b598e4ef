"""Feedback pages under /o/<slug>/: each part of the capability keeps its own URL module."""

from django.urls import include, path

app_name = "feedback"

urlpatterns = [
    path("feedback/", include("trustbridge.feedback.urls_resident")),
    path("accountability/", include("trustbridge.feedback.urls_public")),
    path("staff/feedback/", include("trustbridge.feedback.urls_staff")),
]
