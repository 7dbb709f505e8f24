"""Remember the language a person uses the site in, for mail sent later."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import translation

from accounts.models import User


@receiver(user_logged_in)
def remember_language(sender: type, request: HttpRequest | None, user: User, **kwargs: object) -> None:
    # LocaleMiddleware has activated the language the page was shown in.
    language = translation.get_language() or ""
    if language and language != user.language:
        user.language = language
        User.objects.filter(pk=user.pk).update(language=language)
