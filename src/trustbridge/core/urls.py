from django.urls import include, path

from trustbridge.core import staff_views, views

app_name = "core"

organization_patterns = [
    path("", views.organization_home, name="organization"),
    path("brand.css", views.brand_css, name="brand_css"),
    path("areas/", views.area_list, name="areas"),
    path("areas.geojson", views.areas_geojson, name="areas_geojson"),
    path("areas/<slug:area_slug>/", views.area_detail, name="area"),
    path("staff/", staff_views.dashboard, name="staff_dashboard"),
    path("staff/settings/", staff_views.organization_settings, name="staff_settings"),
    path("staff/areas/", staff_views.area_list, name="staff_areas"),
    path("staff/areas/new/", staff_views.area_create, name="staff_area_create"),
    path("staff/areas/<slug:area_slug>/edit/", staff_views.area_edit, name="staff_area_edit"),
    path("staff/areas/<slug:area_slug>/delete/", staff_views.area_delete, name="staff_area_delete"),
    path("staff/members/", staff_views.member_list, name="staff_members"),
    path(
        "staff/members/<int:membership_id>/role/", staff_views.member_role, name="staff_member_role"
    ),
    path(
        "staff/members/<int:membership_id>/remove/",
        staff_views.member_remove,
        name="staff_member_remove",
    ),
    path(
        "staff/invitations/<int:invitation_id>/revoke/",
        staff_views.invitation_revoke,
        name="staff_invitation_revoke",
    ),
    path("staff/audit/", staff_views.audit_log, name="staff_audit"),
    path("staff/audit.csv", staff_views.audit_export, name="staff_audit_export"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("language/<str:code>/", views.choose_language, name="language"),
    path("invitations/<str:secret>/", staff_views.invitation, name="invitation"),
    path("o/<slug:org_slug>/", include(organization_patterns)),
]
