"""Who may do what at an event.

Organisers of the event run it; approved participants see their own agenda and
answer their own meetings; everyone may read a published event's page and,
once the organisers publish it, its opportunity list, on which exporters may
offer lots. A refused request answers 404, as if the event or meeting did not
exist.
"""

from __future__ import annotations

import rules

from accounts.rules import is_organiser
from accounts.selectors import membership_for
from events.models import Event, Meeting, Participation


def _event_of(obj: object) -> Event | None:
    if isinstance(obj, Event):
        return obj
    if isinstance(obj, (Participation, Meeting)):
        return obj.event
    return None


@rules.predicate
def runs_event(user, obj) -> bool:
    """A member of the organisation that organises the event."""
    membership = membership_for(user)
    event = _event_of(obj)
    return bool(membership and event and membership.organisation_id == event.organiser_id)


@rules.predicate
def is_public_event(user, event) -> bool:
    return isinstance(event, Event) and event.is_public


@rules.predicate
def can_take_part(user) -> bool:
    membership = membership_for(user)
    return bool(membership and not membership.organisation.is_organiser)


@rules.predicate
def is_side_of_meeting(user, meeting) -> bool:
    membership = membership_for(user)
    return bool(
        membership
        and isinstance(meeting, Meeting)
        and membership.organisation_id in (meeting.exporter_id, meeting.buyer_id)
    )


@rules.predicate
def opportunities_are_public(user, event) -> bool:
    return isinstance(event, Event) and event.is_public and event.opportunities_published_at is not None


@rules.predicate
def is_exporter(user) -> bool:
    membership = membership_for(user)
    return bool(membership and membership.organisation.is_exporter)


rules.add_perm("events.add_event", is_organiser)
rules.add_perm("events.view_event", is_public_event | runs_event)
rules.add_perm("events.manage_event", runs_event)
rules.add_perm("events.apply_to_event", can_take_part & is_public_event)
rules.add_perm("events.answer_meeting", is_side_of_meeting)
rules.add_perm("events.record_outcome", is_side_of_meeting)
# Organisers preview their list before publishing it.
rules.add_perm("events.view_opportunities", opportunities_are_public | runs_event)
rules.add_perm("events.offer_lot", is_exporter & opportunities_are_public)
