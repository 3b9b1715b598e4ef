from django.conf import settings
from django.urls import include, path, re_path
from django.views.static import serve

from trustbridge.api import api

urlpatterns = [
    path("", include("trustbridge.core.urls")),
    path("o/<slug:org_slug>/", include("trustbridge.transparency.urls")),
    path("o/<slug:org_slug>/", include("trustbridge.feedback.urls")),
    path("o/<slug:org_slug>/", include("trustbridge.events.urls")),
    path("open311/v2/", include("trustbridge.feedback.urls_open311")),
    path("accounts/", include("allauth.urls")),
    path("account/", include("trustbridge.accounts.urls")),
    path("api/v1/", api.urls),
    # Organisation logos are public. A reverse proxy may serve /media/logos/ itself;
    # nothing else under MEDIA_ROOT is ever served by this route.
    re_path(
        r"^media/(?P<path>logos/[\w.-]+)$",
        serve,
        {"document_root": settings.MEDIA_ROOT},
        name="logo",
    ),
]

handler400 = "trustbridge.core.views.bad_request"
handler403 = "trustbridge.core.views.permission_denied"
handler404 = "trustbridge.core.views.page_not_found"
