from __future__ import annotations

from django import template

from accounts.models import LANGUAGE_CHOICES

register = template.Library()

_LANGUAGE_NAMES = dict(LANGUAGE_CHOICES)


@register.filter
def language_names(codes: list[str] | None) -> str:
    """Language codes as their names in the page's language, comma-separated."""
    return ", ".join(str(_LANGUAGE_NAMES.get(code, code)) for code in codes or [])
