"""The agenda stays free of double bookings when organisers book at the same
moment: on PostgreSQL with twenty at once, and on SQLite and PostgreSQL alike
through the meeting page, where the loser is told the clash, never shown an
error page. The PostgreSQL tests fail, not skip, when REQUIRE_SERVICES=1 and
PostgreSQL is missing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from events.models import Meeting
from events.services.meetings import meeting_move
from tests.config.test_integration import _run_concurrently
from tests.conftest import at_once
from tests.events.conftest import make_fair
from tests.factories import BuyerFactory, ExporterFactory, MeetingFactory, ParticipationFactory

THREADS = 20


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_twenty_bookings_of_one_buyer_into_one_slot_at_once_leave_exactly_one(postgres):
    fair = make_fair(tables=[f"T{n}" for n in range(1, THREADS + 1)])
    buyer = BuyerFactory(name="Tehran Auto Import")
    ParticipationFactory(event=fair, organisation=buyer)
    meetings = []
    for _ in range(THREADS):
        exporter = ExporterFactory()
        ParticipationFactory(event=fair, organisation=exporter)
        meetings.append(MeetingFactory(event=fair, exporter=exporter, buyer=buyer))
    slot = fair.slots.get(number=1)
    tables = list(fair.tables.order_by("position"))

    # Each thread books a different meeting at a different table: only the
    # buyer is shared, so only the (slot, buyer) constraint can stop them.
    outcomes = _run_concurrently(
        *[
            lambda meeting=meeting, table=table: meeting_move(meeting=meeting, slot=slot, table=table)
            for meeting, table in zip(meetings, tables, strict=True)
        ]
    )

    booked = Meeting.objects.filter(event=fair, slot=slot, state__in=Meeting.BOOKED)
    assert booked.count() == 1
    refused = [outcome for outcome in outcomes if outcome is not None]
    assert len(refused) == THREADS - 1, outcomes
    for error in refused:
        assert isinstance(error, ValidationError), error
        assert "Tehran Auto Import already has a meeting in slot 1" in error.messages[0]
    assert Meeting.objects.filter(event=fair, state=Meeting.State.REQUESTED).count() == THREADS - 1


# Several cells contested at once, so the two moves into each really overlap.
CELLS = 3


def _moving(client: Client, meeting: Meeting, slot: int, table: int) -> Callable[[], HttpResponse]:
    url = reverse("event_meeting", args=[meeting.event.slug, meeting.pk])
    return lambda: client.post(url, {"action": "move", "slot": slot, "table": table})


@pytest.mark.django_db(transaction=True)
def test_two_moves_into_one_grid_cell_at_once_book_one_and_name_the_clash(each_database, login, organiser):
    fair = make_fair(organiser.membership.organisation)
    contests = []
    for number in range(1, CELLS + 1):
        pair = []
        for _ in range(2):
            exporter, buyer = ExporterFactory(), BuyerFactory()
            for organisation in (exporter, buyer):
                ParticipationFactory(event=fair, organisation=organisation)
            pair.append(MeetingFactory(event=fair, exporter=exporter, buyer=buyer))
        contests.append((pair, fair.slots.get(number=number), fair.tables.get(name="T1")))
    moves = [
        _moving(login(organiser), meeting, slot.pk, table.pk)
        for pair, slot, table in contests
        for meeting in pair
    ]

    outcomes = at_once(*moves)

    for outcome in outcomes:
        assert isinstance(outcome, HttpResponse), outcome
    for (pair, slot, _table), first, second in zip(contests, outcomes[::2], outcomes[1::2], strict=True):
        assert sorted([first.status_code, second.status_code]) == [302, 409]
        refused = first if first.status_code == 409 else second
        booked = pair[0] if refused is second else pair[1]
        assert (
            f"T1 is already taken in slot {slot.number} ({booked.exporter.name} – {booked.buyer.name})."
            in refused.text
        )
    assert Meeting.objects.filter(event=fair, state=Meeting.State.SCHEDULED).count() == CELLS
    assert Meeting.objects.filter(event=fair, state=Meeting.State.REQUESTED).count() == CELLS
