"""A signed-in person reads the site in their saved language, whatever the
browser says. Signing in (accounts.signals) marks the request with it and
this middleware hands it to LocaleMiddleware's own cookie, so later requests
need no database or session read to know it (public photos stay cacheable,
with no Vary: Cookie). Without a saved language: the switcher's choice, then
the browser's."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from core.translations import LANGUAGE_CODES

# The attribute accounts.signals sets on the sign-in request.
SAVED_LANGUAGE = "carbridge_saved_language"


def remember_on_response(request: HttpRequest, language: str) -> None:
    setattr(request, SAVED_LANGUAGE, language)


class SavedLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        language = getattr(request, SAVED_LANGUAGE, "")
        if language in LANGUAGE_CODES:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
