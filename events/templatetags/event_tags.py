"""Template helpers for agendas and table sheets."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from accounts.models import Organisation
from events.models import Meeting

register = template.Library()


@register.simple_tag
def interpreter_hint(meeting: Meeting) -> str:
    """Whether the two sides share a working language; when they do not, which
    languages an interpreter needs, so the organisers can place one."""
    exporter, buyer = meeting.exporter, meeting.buyer
    if not exporter.languages or not buyer.languages:
        return ""
    shared = [code for code in exporter.languages if code in buyer.languages]
    if shared:
        return _("Common language: %(language)s") % {"language": _names(exporter, shared)[0]}
    return _("Interpreter: %(first)s ↔ %(second)s") % {
        "first": exporter.language_names[0],
        "second": buyer.language_names[0],
    }


def _names(organisation: Organisation, codes: list[str]) -> list[str]:
    names = dict(zip(organisation.languages, organisation.language_names, strict=False))
    return [names[code] for code in codes]
