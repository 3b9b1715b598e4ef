"""Staff pages of initiatives and success stories: /o/<slug>/staff/initiatives/."""

from django.urls import path

from trustbridge.transparency import initiative_views as views

urlpatterns = [
    path("", views.staff_initiatives, name="staff_initiatives"),
    path("new/", views.staff_initiative_create, name="staff_initiative_create"),
    path("stories/new/", views.staff_story_create, name="staff_story_create"),
    path("stories/<slug:story_slug>/delete/", views.staff_story_delete, name="staff_story_delete"),
    path("<slug:initiative_slug>/", views.staff_initiative, name="staff_initiative"),
    path(
        "<slug:initiative_slug>/milestones/",
        views.staff_milestone_add,
        name="staff_milestone_add",
    ),
    path(
        "<slug:initiative_slug>/milestones/<int:milestone_id>/done/",
        views.staff_milestone_done,
        name="staff_milestone_done",
    ),
    path(
        "<slug:initiative_slug>/updates/new/", views.staff_update_create, name="staff_update_create"
    ),
    path(
        "<slug:initiative_slug>/publish/",
        views.staff_initiative_publish,
        name="staff_initiative_publish",
    ),
    path(
        "<slug:initiative_slug>/unpublish/",
        views.staff_initiative_unpublish,
        name="staff_initiative_unpublish",
    ),
]
