"""Organisers' pages of events, under /o/<slug>/staff/events/ (see ``staff_views``)."""

from django.urls import path

from trustbridge.events import staff_views

DATE = "<int:event_id>/dates/<int:occurrence_id>/"

urlpatterns = [
    path("", staff_views.event_list, name="staff_list"),
    path("new/", staff_views.event_create, name="staff_create"),
    path("<int:event_id>/", staff_views.event_edit, name="staff_event"),
    path("<int:event_id>/publish/", staff_views.event_publish, name="staff_publish"),
    path("<int:event_id>/cancel/", staff_views.event_cancel, name="staff_cancel"),
    path("<int:event_id>/dates/", staff_views.event_dates, name="staff_dates"),
    path(DATE + "cancel/", staff_views.date_cancel, name="staff_date_cancel"),
    path(DATE + "move/", staff_views.date_move, name="staff_date_move"),
    path(DATE + "attendees/", staff_views.attendees, name="staff_attendees"),
    path(DATE + "attendees.csv", staff_views.attendees_csv, name="staff_attendees_csv"),
    path("<int:event_id>/message/", staff_views.message, name="staff_message"),
]
