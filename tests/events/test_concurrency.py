"""PostgreSQL keeps the agenda free of double bookings when organisers book
at the same moment. Fails, not skips, when REQUIRE_SERVICES=1 and
PostgreSQL is missing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from events.models import Meeting
from events.services.meetings import meeting_move
from tests.events.conftest import make_fair
from tests.factories import BuyerFactory, ExporterFactory, MeetingFactory, ParticipationFactory
from tests.test_integration import _run_concurrently

pytestmark = pytest.mark.integration

THREADS = 20


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
