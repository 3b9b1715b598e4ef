"""Feedback: the resident pages, under /o/<slug>/feedback/."""

from django.urls import path

from trustbridge.feedback import resident_views as views

urlpatterns = [
    path("new", views.new, name="new"),
    path("track/<str:reference>/", views.track_signed, name="track_signed"),
    path("track/<str:reference>/<str:secret>/", views.track, name="track"),
    path("survey/<str:reference>/<str:secret>/", views.survey, name="survey"),
]
