from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from trustbridge.core import rules


def trustbridge(request: HttpRequest) -> dict[str, Any]:
    """What every page's shell needs: the languages and the visitor's organisations."""
    user = getattr(request, "user", None)
    staff_orgs = []
    if user is not None and user.is_authenticated:
        staff_orgs = [
            m.organization
            for m in rules.memberships(user).values()
            if rules.can_enter_staff_area(user, m.organization)
        ]
    return {"LANGUAGE_CHOICES": settings.LANGUAGES, "my_organizations": staff_orgs}
