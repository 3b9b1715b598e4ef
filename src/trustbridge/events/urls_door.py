"""Events, staff pages of the door, recaps, commitments and the engagement log, under
/o/<slug>/staff/events/."""

from django.urls import path

from trustbridge.events import door_views

urlpatterns = [
    path(
        "<int:event_id>/dates/<int:occurrence_id>/check-in/",
        door_views.checkin_view,
        name="checkin",
    ),
    path("<int:event_id>/recap/", door_views.recap_edit, name="recap_edit"),
    path("commitments/", door_views.commitments_view, name="commitments"),
    path("commitments/<int:commitment_id>/", door_views.commitment_view, name="commitment"),
    path("contacts/", door_views.contacts_view, name="contacts"),
]
