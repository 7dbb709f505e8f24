"""The language switcher: Django's set_language (cookie, safe redirect), and
for a signed-in person the choice is saved, so pages on any device and the
emails, reminders and calendars sent later follow it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from accounts.models import User
from core.translations import LANGUAGE_CODES


@require_POST
def language_switch(request: HttpRequest) -> HttpResponseBase:
    response = set_language(request)
    language = request.POST.get("language", "")
    if language in LANGUAGE_CODES and request.user.is_authenticated:
        User.objects.filter(pk=request.user.pk).update(language=language)
    return response
