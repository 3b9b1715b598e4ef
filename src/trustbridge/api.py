"""The JSON API at /api/v1/: every capability's router, one error format, OpenAPI 3.1."""

from __future__ import annotations

from trustbridge.core.api import router as core_router
from trustbridge.core.api_base import TrustbridgeAPI, default_throttles, install_error_handlers
from trustbridge.feedback.api import router as feedback_router
from trustbridge.transparency.api_imports import router as imports_router
from trustbridge.transparency.api_public import router as transparency_router

api = TrustbridgeAPI(
    title="Trustbridge API",
    version="1.0.0",
    description=(
        "Open data and integrations for Trustbridge. Public reads need no authentication; "
        "staff integrations use a personal token (`Authorization: Bearer tb_…`). Every 4xx "
        'answer has the body `{"detail": …, "errors": [{"field": …, "message": …}]}`. '
        "Lists are paginated with `page` and `page_size` (at most 200) in a stable order."
    ),
    urls_namespace="api",
    throttle=default_throttles(),
)
install_error_handlers(api)
api.add_router("", core_router)
api.add_router("", transparency_router)
api.add_router("", imports_router)
api.add_router("", feedback_router)
