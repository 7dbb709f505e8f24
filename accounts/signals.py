"""Remember the language a person uses the site in, for mail sent later."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import translation

from accounts.middleware import remember_on_response
from accounts.models import User


@receiver(user_logged_in)
def remember_language(sender: type, request: HttpRequest | None, user: User, **kwargs: object) -> None:
    # A saved language wins (UserLanguageMiddleware shows the next pages in
    # it); a person without one keeps the language the sign-in page was shown
    # in: the switcher's, else the browser's.
    if user.language:
        if request is not None:
            remember_on_response(request, user.language)
            translation.activate(user.language)
        return
    language = translation.get_language() or ""
    if language:
        user.language = language
        User.objects.filter(pk=user.pk).update(language=language)
