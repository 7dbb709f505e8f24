"""A company's and a person's contact channels (phone, WhatsApp, WeChat,
Telegram): how each is checked, stored and linked. Numbers are kept in
E.164 (`+8613800138000`), parsed by `phonenumbers` (Google's libphonenumber
data); usernames in the form the apps themselves accept."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CHANNEL_FIELDS = ("phone", "whatsapp", "wechat_id", "telegram")

# WeChat's own rule for a WeChat ID: 6 to 20 letters, digits, "_" or "-",
# starting with a letter.
WECHAT_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{5,19}")
# Telegram's rule for a public username: 5 to 32 letters, digits or "_".
TELEGRAM_USERNAME = re.compile(r"[A-Za-z0-9_]{5,32}")

PHONE_EXAMPLE = "+86 138 0013 8000"

LABELS = {
    "phone": _("Phone"),
    "whatsapp": _("WhatsApp"),
    "wechat_id": _("WeChat ID"),
    "telegram": _("Telegram"),
}


def _phone_error(field: str) -> ValidationError:
    return ValidationError(
        _("%(field)s: write the number with its country code, e.g. %(example)s."),
        code="invalid",
        params={"field": LABELS[field], "example": PHONE_EXAMPLE},
    )


def phone_clean(value: str, *, field: str = "phone") -> str:
    """The number in E.164, or "" for none; refuses a number that is not a
    valid international one (with its country code)."""
    value = value.strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as error:
        raise _phone_error(field) from error
    if not phonenumbers.is_valid_number(number):
        raise _phone_error(field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def wechat_id_clean(value: str) -> str:
    value = value.strip()
    if value and not WECHAT_ID.fullmatch(value):
        raise ValidationError(
            _("%(field)s: 6 to 20 letters, digits, “_” or “-”, starting with a letter (WeChat's own rule)."),
            code="invalid",
            params={"field": LABELS["wechat_id"]},
        )
    return value


def _telegram_error() -> ValidationError:
    return ValidationError(
        _("%(field)s: a username of 5 to 32 letters, digits or “_”, with or without the “@”."),
        code="invalid",
        params={"field": LABELS["telegram"]},
    )


def telegram_clean(value: str) -> str:
    """The username without its leading "@"."""
    value = value.strip().removeprefix("@")
    if value and not TELEGRAM_USERNAME.fullmatch(value):
        raise _telegram_error()
    return value


def validate_wechat_id(value: str) -> None:
    """The models' validator: what the admin may store."""
    wechat_id_clean(value)


def validate_telegram(value: str) -> None:
    """The models' validator: a stored username has no "@"."""
    if value and not TELEGRAM_USERNAME.fullmatch(value):
        raise _telegram_error()


def channels_clean(fields: dict[str, object]) -> dict[str, str]:
    """The channels among `fields` in their stored form; a `ValidationError`
    naming every field that is wrong."""
    cleaners = {
        "phone": lambda value: phone_clean(value, field="phone"),
        "whatsapp": lambda value: phone_clean(value, field="whatsapp"),
        "wechat_id": wechat_id_clean,
        "telegram": telegram_clean,
    }
    cleaned: dict[str, str] = {}
    errors: dict[str, ValidationError] = {}
    for name, clean in cleaners.items():
        if name not in fields:
            continue
        value = fields[name]
        try:
            cleaned[name] = clean("" if value is None else str(value))
        except ValidationError as error:
            errors[name] = error
    if errors:
        raise ValidationError(errors)
    return cleaned


@dataclass(frozen=True)
class Channels:
    """The channels of a company or a person, as a page or an email shows
    them once both sides of a match want to meet."""

    phone: str = ""
    whatsapp: str = ""
    wechat_id: str = ""
    telegram: str = ""

    @classmethod
    def of(cls, holder: object) -> Channels:
        """From an Organisation or a User (their numbers may be PhoneNumber
        objects or strings)."""
        return cls(**{name: str(getattr(holder, name, "") or "") for name in CHANNEL_FIELDS})

    def __bool__(self) -> bool:
        return any((self.phone, self.whatsapp, self.wechat_id, self.telegram))

    @property
    def whatsapp_digits(self) -> str:
        # wa.me wants the number in international form without "+".
        return self.whatsapp.removeprefix("+")
