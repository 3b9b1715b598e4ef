"""Public pages of initiatives and success stories: /o/<slug>/initiatives/."""

from django.urls import path

from trustbridge.transparency import initiative_views as views

urlpatterns = [
    path("", views.initiative_list, name="initiatives"),
    path("stories/", views.story_list, name="stories"),
    path("stories/<slug:story_slug>/", views.story_detail, name="story"),
    path("follow/<str:token>/", views.follow_confirm, name="follow_confirm"),
    path("unfollow/<str:token>/", views.unfollow, name="unfollow"),
    path("<slug:initiative_slug>/", views.initiative_detail, name="initiative"),
    path("<slug:initiative_slug>/follow/", views.follow, name="initiative_follow"),
    path(
        "<slug:initiative_slug>/updates/<int:update_id>/photo",
        views.update_photo,
        name="update_photo",
    ),
]
