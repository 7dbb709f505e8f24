"""Overseas contact points: the organisers' contact centres abroad, each for
one country, with a way to reach them that must look like what its channel
expects."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import cast

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from django_countries import countries

from accounts.models import WORKING_LANGUAGE_CODES, ContactPoint, Organisation

CONTACT_POINT_FIELDS = ("country", "name", "person", "channel", "address", "city", "languages", "note")

_PHONE_CHARACTERS = re.compile(r"^\+?[\d\s().-]+$")
_TELEGRAM_NAME = re.compile(r"^(?:@|https?://t\.me/|t\.me/)?[A-Za-z][A-Za-z0-9_]{4,31}$")
_WECHAT_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{5,19}$")


def _is_phone_number(value: str) -> bool:
    # E.164 allows at most 15 digits; fewer than 7 is no reachable number.
    digits = sum(character.isdigit() for character in value)
    return bool(_PHONE_CHARACTERS.match(value)) and 7 <= digits <= 15


def contact_address_clean(*, channel: str, address: str) -> str:
    """The address tidied for its channel (an email address in lower case), or
    a `ValidationError` on `address` saying what the channel expects."""
    address = address.strip()
    if not address:
        raise ValidationError({"address": _("Give the number or address to reach the contact point at.")})
    if channel == ContactPoint.Channel.EMAIL:
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(
                {
                    "address": _(
                        "For the Email channel, the number or address must be an email address, "
                        "e.g. almaty@example.com."
                    )
                }
            ) from None
        return address.lower()
    if channel in (ContactPoint.Channel.PHONE, ContactPoint.Channel.WHATSAPP):
        if not _is_phone_number(address):
            raise ValidationError(
                {
                    "address": _(
                        "For the %(channel)s channel, the number or address must be a phone number "
                        "of 7 to 15 digits, e.g. +7 727 250 1234."
                    )
                    % {"channel": ContactPoint.Channel(channel).label}
                }
            )
    elif channel == ContactPoint.Channel.TELEGRAM:
        if not (_TELEGRAM_NAME.match(address) or _is_phone_number(address)):
            raise ValidationError(
                {
                    "address": _(
                        "For the Telegram channel, the number or address must be a username "
                        "such as @almaty_centre, or a phone number."
                    )
                }
            )
    elif channel == ContactPoint.Channel.WECHAT:
        if not (_WECHAT_ID.match(address) or _is_phone_number(address)):
            raise ValidationError(
                {
                    "address": _(
                        "For the WeChat channel, the number or address must be a WeChat ID "
                        "(6 to 20 letters, digits, “_” or “-”, starting with a letter), or a phone number."
                    )
                }
            )
    elif channel not in ContactPoint.Channel.values:
        raise ValidationError({"channel": _("Choose one of the channels in the list.")})
    return address


def _contact_point_fields(
    *, organiser: Organisation, fields: dict[str, object], exclude_pk: int | None = None
) -> dict[str, object]:
    """Every field checked and tidied, or every problem at once as a `ValidationError`."""
    if not organiser.is_organiser:
        raise ValidationError(_("Only organisers maintain contact points."))
    cleaned = {name: value.strip() if isinstance(value, str) else value for name, value in fields.items()}
    errors: dict[str, list[str]] = {}
    country_names = dict(countries)
    if cleaned["country"] not in country_names:
        errors["country"] = [_("Choose the country the contact point serves.")]
    if not cleaned["name"]:
        errors["name"] = [_("Give the contact centre a name.")]
    # The one list among the fields: language codes, as the form and the signatures give them.
    languages = cast("Iterable[str]", cleaned["languages"])
    unknown = sorted(set(languages) - set(WORKING_LANGUAGE_CODES))
    if unknown:
        errors["languages"] = [_("Unknown languages: %(codes)s.") % {"codes": ", ".join(unknown)}]
    # Kept in the list's order, so the same choice always reads the same way.
    cleaned["languages"] = [code for code in WORKING_LANGUAGE_CODES if code in languages]
    try:
        cleaned["address"] = contact_address_clean(
            channel=str(cleaned["channel"]), address=str(cleaned["address"])
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if not errors:
        taken = ContactPoint.objects.filter(
            organiser=organiser, country=cleaned["country"], name__iexact=cleaned["name"]
        )
        if exclude_pk is not None:
            taken = taken.exclude(pk=exclude_pk)
        if taken.exists():
            errors["name"] = [
                _("You already have a contact point called “%(name)s” in %(country)s.")
                % {"name": cleaned["name"], "country": country_names[cleaned["country"]]}
            ]
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def contact_point_create(
    *,
    organiser: Organisation,
    country: str,
    name: str,
    channel: str,
    address: str,
    person: str = "",
    city: str = "",
    languages: Iterable[str] = (),
    note: str = "",
) -> ContactPoint:
    """Add a contact centre that the organiser maintains in one country."""
    fields = _contact_point_fields(
        organiser=organiser,
        fields={
            "country": country,
            "name": name,
            "person": person,
            "channel": channel,
            "address": address,
            "city": city,
            "languages": list(languages),
            "note": note,
        },
    )
    return ContactPoint.objects.create(organiser=organiser, **fields)


@transaction.atomic
def contact_point_update(*, contact_point: ContactPoint, **fields: object) -> ContactPoint:
    """Change a contact point's details; it stays with its organiser."""
    unknown = set(fields) - set(CONTACT_POINT_FIELDS)
    if unknown:
        raise ValueError(f"Not contact point fields: {sorted(unknown)}")
    # Checked as a whole: a new channel may no longer suit the old address.
    current = {name: getattr(contact_point, name) for name in CONTACT_POINT_FIELDS}
    current["country"] = contact_point.country.code
    cleaned = _contact_point_fields(
        organiser=contact_point.organiser, fields={**current, **fields}, exclude_pk=contact_point.pk
    )
    for field, value in cleaned.items():
        setattr(contact_point, field, value)
    contact_point.save(update_fields=[*cleaned, "updated_at"])
    return contact_point


@transaction.atomic
def contact_point_delete(*, contact_point: ContactPoint) -> None:
    contact_point.delete()
