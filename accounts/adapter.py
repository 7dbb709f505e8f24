"""django-allauth's emails as CarBridge's: they say "CarBridge", not the host
they were requested from ("Hello from 127.0.0.1:8000!"), and their links use
the public address from configuration (CARBRIDGE_SITE_URL), like every other
email the site sends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest


@dataclass(frozen=True)
class PublicSite:
    """What allauth's templates read from `current_site`."""

    name: str
    domain: str


def public_site() -> PublicSite:
    return PublicSite(name="CarBridge", domain=urlsplit(settings.CARBRIDGE_SITE_URL).netloc)


def on_public_address(url: str) -> str:
    """The same page, at the configured public address."""
    public = urlsplit(settings.CARBRIDGE_SITE_URL)
    return urlsplit(url)._replace(scheme=public.scheme, netloc=public.netloc).geturl()


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth ships no types
    def format_email_subject(self, subject: str) -> str:
        return f"[CarBridge] {subject}"

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        context = {**context, "current_site": public_site(), "site_url": settings.CARBRIDGE_SITE_URL}
        super().send_mail(template_prefix, email, context)

    def get_email_confirmation_url(self, request: HttpRequest, emailconfirmation: Any) -> str:
        return on_public_address(super().get_email_confirmation_url(request, emailconfirmation))

    def get_reset_password_from_key_url(self, key: str) -> str:
        return on_public_address(super().get_reset_password_from_key_url(key))
