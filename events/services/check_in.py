"""Checking participants in at the venue, on the event's days."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from events.models import CheckInRecord, Participation
from events.selectors import check_in_days


@transaction.atomic
def participation_check_in(
    *,
    participation: Participation,
    checked_in: bool = True,
    by: User | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> Participation:
    """Check a participant in at the venue, or undo it. A check-in is taken on
    the event's days only, unless the organiser gives a reason; every change
    is kept in the participant's history with who made it."""
    participation = (
        Participation.objects.select_for_update(of=("self",)).select_related("event").get(pk=participation.pk)
    )
    if not participation.is_approved:
        raise ValidationError(_("Only approved participants can check in."), code="status")
    if checked_in == (participation.checked_in_at is not None):
        return participation
    now = now or timezone.now()
    event = participation.event
    on_event_day, days = check_in_days(event, now)
    outside = checked_in and not on_event_day
    if outside and not reason.strip():
        raise ValidationError(
            _(
                "Today is not one of the event's days (%(days)s): check-in opens on the day. "
                "To check this participant in anyway, give the reason."
            ),
            params={"days": days},
            code="day",
        )
    participation.checked_in_at = now if checked_in else None
    participation.save(update_fields=["checked_in_at"])
    CheckInRecord.objects.create(
        participation=participation,
        checked_in=checked_in,
        at=now,
        by=by,
        outside_event_days=outside,
        reason=reason.strip() if outside else "",
    )
    return participation
