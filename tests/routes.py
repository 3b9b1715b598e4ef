"""Every route the project serves, read from Django's resolver and from the API's OpenAPI schema.

The cross-tenant test builds its cases from these lists, so a page or an API operation added
later is tested (or makes the test fail) without anyone remembering to list it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from trustbridge.api import api

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
_OPENAPI_PARAMETER = re.compile(r"{(\w+)}")


@dataclass(frozen=True)
class Route:
    """One URL pattern, with the names of its path parameters."""

    name: str  # "namespace:name", or the pattern itself when the route has no name
    pattern: str  # as written in the URLconf, e.g. "o/<slug:org_slug>/areas/"
    callback: Callable[..., Any]
    parameters: tuple[str, ...]
    namespace: str

    @property
    def staff_rule(self) -> Callable[..., bool] | None:
        """The rule of a page guarded by ``core.access.staff_view``, found on any layer."""
        view: Any = self.callback
        while view is not None:
            rule = getattr(view, "staff_rule", None)
            if rule is not None:
                return rule
            view = getattr(view, "__wrapped__", None)
        return None


def _walk(
    patterns: list[URLPattern | URLResolver],
    prefix: str,
    namespace: str,
    parameters: tuple[str, ...],
) -> Iterator[Route]:
    for entry in patterns:
        # Path converters and regular expressions both end up as named groups.
        found = parameters + tuple(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}".strip(":") if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner, found)
            continue
        pattern = prefix + str(entry.pattern)
        name = f"{namespace}:{entry.name}".strip(":") if entry.name else pattern
        yield Route(name, pattern, entry.callback, found, namespace)


def all_routes() -> list[Route]:
    """Every URL pattern of the site, including included apps (allauth) and the API."""
    return list(_walk(get_resolver().url_patterns, "", "", ()))


@dataclass(frozen=True)
class Operation:
    """One API operation as the OpenAPI schema describes it."""

    operation_id: str
    method: str  # lower case
    path: str  # "/api/v1/organizations/{slug}/areas"
    parameters: tuple[str, ...]
    secured: bool

    @property
    def writes(self) -> bool:
        return self.method in WRITE_METHODS

    @property
    def route_pattern(self) -> str:
        """The same path in the resolver's notation ("api/v1/organizations/<slug>/areas")."""
        return _OPENAPI_PARAMETER.sub(r"<\1>", self.path).lstrip("/")


def all_operations() -> list[Operation]:
    """Every operation of every router mounted on the API."""
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    operations = []
    for path, item in schema["paths"].items():
        for method in HTTP_METHODS:
            if method not in item:
                continue
            spec = item[method]
            operations.append(
                Operation(
                    operation_id=spec["operationId"],
                    method=method,
                    path=path,
                    parameters=tuple(_OPENAPI_PARAMETER.findall(path)),
                    secured=bool(spec.get("security")),
                )
            )
    return operations
