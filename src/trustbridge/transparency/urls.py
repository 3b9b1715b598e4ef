"""Transparency pages under /o/<slug>/: each part of the capability keeps its own URL module."""

from django.urls import include, path

app_name = "transparency"

urlpatterns = [
    path("transparency/", include("trustbridge.transparency.urls_dashboard")),
    path("transparency/data/", include("trustbridge.transparency.urls_opendata")),
    path("initiatives/", include("trustbridge.transparency.urls_initiatives")),
    path("staff/incidents/", include("trustbridge.transparency.urls_staff_imports")),
    path("staff/initiatives/", include("trustbridge.transparency.urls_staff_initiatives")),
]
