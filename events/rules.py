"""Who may do what at an event.

Organisers of the event run it; approved participants see their own agenda and
answer their own meetings; everyone may read a published event's page and,
once the organisers publish it, its opportunity list, on which exporters may
offer lots. A refused request answers 404, as if the event or meeting did not
exist.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from accounts.models import Membership, User
from accounts.rules import add_perm, is_organiser, predicate
from accounts.selectors import membership_for
from events.models import Event, Meeting, Participation


def _membership(user: User | AnonymousUser) -> Membership | None:
    return membership_for(user if user.is_authenticated else None)


def _event_of(obj: object) -> Event | None:
    if isinstance(obj, Event):
        return obj
    if isinstance(obj, (Participation, Meeting)):
        return obj.event
    return None


@predicate
def runs_event(user: User | AnonymousUser, obj: object) -> bool:
    """A member of the organisation that organises the event."""
    membership = _membership(user)
    event = _event_of(obj)
    return bool(membership and event and membership.organisation_id == event.organiser_id)


@predicate
def is_public_event(user: User | AnonymousUser, event: object) -> bool:
    return isinstance(event, Event) and event.is_public


@predicate
def can_take_part(user: User | AnonymousUser) -> bool:
    membership = _membership(user)
    return bool(membership and not membership.organisation.is_organiser)


@predicate
def is_side_of_meeting(user: User | AnonymousUser, meeting: object) -> bool:
    membership = _membership(user)
    return bool(
        membership
        and isinstance(meeting, Meeting)
        and membership.organisation_id in (meeting.exporter_id, meeting.buyer_id)
    )


@predicate
def opportunities_are_public(user: User | AnonymousUser, event: object) -> bool:
    return isinstance(event, Event) and event.is_public and event.opportunities_published_at is not None


@predicate
def is_exporter(user: User | AnonymousUser) -> bool:
    membership = _membership(user)
    return bool(membership and membership.organisation.is_exporter)


add_perm("events.add_event", is_organiser)
add_perm("events.view_event", is_public_event | runs_event)
add_perm("events.manage_event", runs_event)
add_perm("events.apply_to_event", can_take_part & is_public_event)
add_perm("events.answer_meeting", is_side_of_meeting)
add_perm("events.record_outcome", is_side_of_meeting)
# Organisers preview their list before publishing it.
add_perm("events.view_opportunities", opportunities_are_public | runs_event)
add_perm("events.offer_lot", is_exporter & opportunities_are_public)
