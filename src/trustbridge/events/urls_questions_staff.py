"""Events: pages (filled in by the capability's parts)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
