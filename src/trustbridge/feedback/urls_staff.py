"""Feedback: the staff pages, /o/<slug>/staff/feedback/."""

from django.urls import path

from trustbridge.feedback import client_key_views
from trustbridge.feedback import staff_views as views

ITEM = "items/<str:reference>/"

urlpatterns = [
    path("", views.inbox_view, name="staff_inbox"),
    path("bulk/", views.bulk_view, name="staff_bulk"),
    path("conduct/", views.conduct_view, name="staff_conduct"),
    path("moderation/", views.moderation_view, name="staff_moderation"),
    path("moderation/<str:reference>/", views.moderate_view, name="staff_moderate"),
    path(ITEM, views.item_view, name="staff_item"),
    path(ITEM + "reply/", views.item_reply, name="staff_item_reply"),
    path(ITEM + "note/", views.item_note, name="staff_item_note"),
    path(ITEM + "status/", views.item_status, name="staff_item_status"),
    path(ITEM + "assign/", views.item_assign, name="staff_item_assign"),
    path(ITEM + "merge/", views.item_merge, name="staff_item_merge"),
    path(ITEM + "subject/", views.item_subject, name="staff_item_subject"),
    path(ITEM + "photos/<int:photo_id>/", views.photo_view, name="staff_photo"),
    path("settings/", views.settings_view, name="staff_settings"),
    path("settings/categories/", views.categories_view, name="staff_categories"),
    path("settings/categories/new/", views.category_create, name="staff_category_create"),
    path("settings/categories/<int:category_id>/", views.category_edit, name="staff_category"),
    path(
        "settings/categories/<int:category_id>/delete/",
        views.category_delete,
        name="staff_category_delete",
    ),
    path("settings/teams/", views.teams_view, name="staff_teams"),
    path("settings/teams/new/", views.team_create, name="staff_team_create"),
    path("settings/teams/<int:team_id>/", views.team_edit, name="staff_team"),
    path("settings/teams/<int:team_id>/delete/", views.team_delete, name="staff_team_delete"),
    path("settings/replies/", views.canned_list, name="staff_canned_replies"),
    path("settings/replies/new/", views.canned_create, name="staff_canned_create"),
    path("settings/replies/<int:canned_id>/", views.canned_edit, name="staff_canned"),
    path(
        "settings/replies/<int:canned_id>/delete/",
        views.canned_delete,
        name="staff_canned_delete",
    ),
    path("settings/keys/", client_key_views.client_keys_view, name="staff_client_keys"),
    path(
        "settings/keys/<int:key_id>/revoke/",
        client_key_views.client_key_revoke,
        name="staff_client_key_revoke",
    ),
    path("settings/calendar/", views.calendar_view, name="staff_calendar"),
    path("settings/calendar/holidays/", views.holiday_add, name="staff_holiday_add"),
    path(
        "settings/calendar/holidays/<int:holiday_id>/delete/",
        views.holiday_delete,
        name="staff_holiday_delete",
    ),
]
