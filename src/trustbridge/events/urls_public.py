"""The public events pages, under /o/<org_slug>/events/."""

from django.urls import path

from trustbridge.events import public_views

urlpatterns = [
    path("", public_views.event_list, name="list"),
    path("calendar/", public_views.calendar_page, name="calendar"),
    path("past/", public_views.past, name="past"),
    path("mine/", public_views.mine, name="mine"),
    path("mine/<int:rsvp_id>/cancel/", public_views.my_cancel, name="my_cancel"),
    path("<int:event_id>/", public_views.detail, name="detail"),
    path(
        "<int:event_id>/dates/<int:occurrence_id>/rsvp/",
        public_views.rsvp,
        name="rsvp",
    ),
    path("rsvp/<int:rsvp_id>/<str:secret>/", public_views.guest, name="guest"),
    path(
        "<int:event_id>/photos/<int:recap_photo_id>/",
        public_views.recap_photo,
        name="recap_photo",
    ),
]
