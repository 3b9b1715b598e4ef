"""Feedback: the public pages, under /o/<slug>/accountability/."""

from django.urls import path

from trustbridge.feedback import public_views

urlpatterns = [
    path("", public_views.accountability_page, name="accountability"),
    path("items/", public_views.public_item_list, name="public_items"),
    path("items/<str:reference>/", public_views.public_item, name="public_item"),
    path("compliments/", public_views.compliments, name="compliments"),
]
