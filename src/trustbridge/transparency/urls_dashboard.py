"""The public dashboard of reported incidents and its privacy page: /o/<slug>/transparency/."""

from django.urls import path

from trustbridge.transparency import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("privacy/", views.privacy, name="privacy"),
]
