"""The check-in QR code on a participant's agenda: a signed link that names
the participation and the day it stops working (the day after the event's
last day), drawn server-side as SVG. An organiser scanning it with any phone
camera lands on a page that checks the company in with one tap.

Signed, not stored: nothing to leak from the database, and a code cannot be
forged or moved to another participant or event."""

from __future__ import annotations

import datetime

import segno
from django.core import signing
from django.utils import timezone

from events.models import Event, Participation
from events.selectors import event_day_dates

SALT = "carbridge.events.check-in"
# Without sessions yet, a code printed today works for this long.
DAYS_WITHOUT_SESSIONS = 30


class CodeExpired(Exception):
    """The code was genuine but its last day has passed."""


def expiry_day(event: Event, today: datetime.date | None = None) -> datetime.date:
    days = event_day_dates(event)
    if days:
        return days[-1] + datetime.timedelta(days=1)
    return (today or timezone.localdate(timezone.now(), event.zone)) + datetime.timedelta(
        days=DAYS_WITHOUT_SESSIONS
    )


def check_in_token(participation: Participation, expires: datetime.date) -> str:
    return signing.dumps(
        {"e": participation.event_id, "p": participation.pk, "u": expires.isoformat()},
        salt=SALT,
        compress=True,
    )


def participation_pk_from(token: str, event: Event, today: datetime.date | None = None) -> int | None:
    """The participation a code names, if it is genuine and for this event;
    None otherwise. Raises CodeExpired once its last day has passed."""
    try:
        data = signing.loads(token, salt=SALT)
        event_id, participation_id, until = (
            int(data["e"]),
            int(data["p"]),
            datetime.date.fromisoformat(data["u"]),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    if event_id != event.pk:
        return None
    if (today or timezone.localdate(timezone.now(), event.zone)) > until:
        raise CodeExpired
    return participation_id


def qr_svg(url: str, title: str) -> str:
    """The link as an inline SVG QR code: sharp at any size, printable."""
    return str(segno.make(url, error="m").svg_inline(scale=5, border=2, title=title, omitsize=True))
