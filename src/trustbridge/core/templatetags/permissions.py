"""``{% allowed "can_…" as name %}``: whether the signed-in user may do what a rule of
``core.rules`` names, in the page's organisation, so that navigation shows only the links
that lead somewhere for this role."""

from __future__ import annotations

from typing import Any

from django import template

from trustbridge.core import rules

register = template.Library()


@register.simple_tag(takes_context=True)
def allowed(context: dict[str, Any], rule_name: str) -> bool:
    if not rule_name.startswith("can_"):
        raise template.TemplateSyntaxError(f"{rule_name} is not a permission rule")
    rule = getattr(rules, rule_name)
    return bool(rule(context["request"].user, context["organization"]))
