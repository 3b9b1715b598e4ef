from django.conf import settings
from django.urls import include, path

from trustbridge.api import api

urlpatterns = [
    path("", include("trustbridge.core.urls")),
    path("accounts/", include("allauth.urls")),
    path("account/", include("trustbridge.accounts.urls")),
    path("api/v1/", api.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)  # type: ignore[arg-type]
