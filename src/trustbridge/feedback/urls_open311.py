"""Open311 GeoReport v2 at /open311/v2/ (jurisdiction_id = the organisation's slug).

Every resource ends in ``.xml`` or ``.json``, which chooses the answer's format.
"""

from django.urls import path, register_converter

from trustbridge.feedback import open311

app_name = "open311"


class FormatConverter:
    """The format suffix of a resource: ``xml`` (required by the spec) or ``json``."""

    regex = "xml|json"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "open311format")

urlpatterns = [
    path("discovery.<open311format:format>", open311.discovery, name="discovery"),
    path("services.<open311format:format>", open311.services, name="services"),
    path(
        "services/<str:service_code>.<open311format:format>",
        open311.service_definition,
        name="service_definition",
    ),
    path("requests.<open311format:format>", open311.requests, name="requests"),
    path(
        "requests/<str:service_request_id>.<open311format:format>",
        open311.request_detail,
        name="request",
    ),
    path("tokens/<str:token>.<open311format:format>", open311.token, name="token"),
]
