"""Template filters for showing lot and need codes as translated labels."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from matchmaking.choices import BodyType, FuelType, ShippingMode

register = template.Library()

_CHOICES = {
    "body_type": BodyType,
    "fuel_type": FuelType,
    "shipping_mode": ShippingMode,
}


@register.filter
def code_labels(codes: Iterable[str] | None, kind: str) -> str:
    """`["suv", "mpv"]|code_labels:"body_type"` → "SUV, MPV"; unknown codes as
    they are, so nothing stored is ever hidden."""
    labels = dict(_CHOICES[kind].choices)
    return ", ".join(str(labels.get(code, code)) for code in codes or [])
