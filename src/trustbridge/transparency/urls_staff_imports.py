"""Incident imports under /o/<slug>/staff/incidents/."""

from django.urls import path

from trustbridge.transparency import staff_views

urlpatterns = [
    path("", staff_views.imports, name="imports"),
    path("imports/<int:import_id>/", staff_views.import_detail, name="import"),
    path("imports/<int:import_id>/progress/", staff_views.import_progress, name="import_progress"),
]
