"""Open data: /o/<slug>/transparency/data/."""

from django.urls import path

from trustbridge.transparency import opendata_views as views

urlpatterns = [
    path("", views.landing, name="opendata"),
    path("incidents.csv", views.incidents_csv, name="opendata_incidents_csv"),
    path("incidents.geojson", views.incidents_geojson, name="opendata_incidents_geojson"),
    path("counts.csv", views.counts_csv, name="opendata_counts_csv"),
]
