"""A participant's agenda as an iCalendar feed: the same UIDs on every
download, so calendar apps update meetings in place, and cancelled meetings
sent as cancelled so they disappear from the app rather than linger."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Organisation
from events.models import Event, Meeting

_UID_DOMAIN = "carbridge"


def meeting_uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.pk}@{_UID_DOMAIN}"


def agenda_calendar(event: Event, organisation: Organisation, meetings: Iterable[Meeting]) -> bytes:
    """The iCalendar text of the organisation's meetings at the event. Times are
    given in the event's own time zone, with its VTIMEZONE included."""
    zone = event.zone
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//CarBridge//Meeting agenda//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{event.display_name} · {organisation.name}")
    calendar.add("x-wr-timezone", event.time_zone)
    now = datetime.now(UTC)
    for meeting in meetings:
        if meeting.slot is None:
            continue
        counterpart = meeting.buyer if meeting.exporter_id == organisation.pk else meeting.exporter
        item = icalendar.Event()
        item.add("uid", meeting_uid(meeting))
        item.add("dtstamp", now)
        item.add("dtstart", meeting.slot.starts_at.astimezone(zone))
        item.add("dtend", meeting.slot.ends_at.astimezone(zone))
        # Every save bumps updated_at, so the sequence only ever grows.
        item.add("sequence", int(meeting.updated_at.timestamp()))
        item.add("last-modified", meeting.updated_at)
        item.add("summary", _("Meeting with %(name)s") % {"name": counterpart.name})
        location = ", ".join(
            part for part in (meeting.table.name if meeting.table else "", event.venue, event.city) if part
        )
        item.add("location", location)
        item.add("description", _agenda_description(meeting, counterpart))
        item.add("url", settings.CARBRIDGE_SITE_URL.rstrip("/") + reverse("event_agenda", args=[event.slug]))
        if meeting.state in (Meeting.State.CANCELLED, Meeting.State.DECLINED):
            item.add("status", "CANCELLED")
        elif meeting.state == Meeting.State.SCHEDULED:
            item.add("status", "TENTATIVE")
        else:
            item.add("status", "CONFIRMED")
        calendar.add_component(item)
    calendar.add_missing_timezones()
    ical: bytes = calendar.to_ical()
    return ical


def _agenda_description(meeting: Meeting, counterpart: Organisation) -> str:
    lines = [f"{counterpart.name} ({counterpart.country.name})" if counterpart.country else counterpart.name]
    if meeting.table:
        lines.append(_("Table: %(table)s") % {"table": meeting.table.name})
    if meeting.match:
        lines.append(_("Lot: %(lot)s") % {"lot": meeting.match.lot})
        lines.append(_("Need: %(need)s") % {"need": meeting.match.need})
    if counterpart.languages:
        lines.append(_("Languages: %(languages)s") % {"languages": ", ".join(counterpart.language_names)})
    if meeting.reason:
        lines.append(_("Reason: %(reason)s") % {"reason": meeting.reason})
    return "\n".join(lines)
