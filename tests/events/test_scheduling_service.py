"""The scheduling engine run over an event's meetings in the database."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from events.models import Meeting, Participation, ScheduleRun
from events.services import meetings as meeting_services
from events.services.scheduling import schedule_problem, schedule_run_start, unscheduled_reason_text
from tests.factories import BuyerFactory, ExporterFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def schedule(organiser, django_capture_on_commit_callbacks):
    """Start a run and let its task run (Celery is eager in tests)."""

    def _schedule(event, time_limit=1):
        with django_capture_on_commit_callbacks(execute=True):
            run = schedule_run_start(event=event, user=organiser, time_limit=time_limit)
        run.refresh_from_db()
        return run

    return _schedule


def _requests(fair, meeting_between, exporters=4, buyers=5):
    exporter_orgs = [ExporterFactory(name=f"Exporter {n}") for n in range(exporters)]
    buyer_orgs = [BuyerFactory(name=f"Buyer {n}") for n in range(buyers)]
    return [meeting_between(fair, e, b) for e in exporter_orgs for b in buyer_orgs]


def _booked(fair):
    return list(Meeting.objects.filter(event=fair, state__in=Meeting.BOOKED))


def _assert_conflict_free(meetings):
    places = [(m.slot_id, m.table_id) for m in meetings]
    exporters = [(m.slot_id, m.exporter_id) for m in meetings]
    buyers = [(m.slot_id, m.buyer_id) for m in meetings]
    for keys in (places, exporters, buyers):
        assert len(keys) == len(set(keys))


def test_a_run_books_every_request_without_clashes(fair, meeting_between, schedule):
    _requests(fair, meeting_between)
    run = schedule(fair, 2)
    assert run.status == ScheduleRun.Status.FINISHED, run.error
    assert run.stats["requested"] == run.stats["scheduled"] == 20
    assert run.stats["slots_used"] >= run.stats["lower_bound_slots"] == 5
    booked = _booked(fair)
    assert len(booked) == 20
    assert all(m.state == Meeting.State.SCHEDULED for m in booked)
    _assert_conflict_free(booked)


def test_unavailable_slots_and_booths_are_respected(fair, meeting_between, schedule):
    meetings = _requests(fair, meeting_between, exporters=2, buyers=3)
    exporter = meetings[0].exporter
    participation = Participation.objects.get(event=fair, organisation=exporter)
    blocked = list(fair.slots.filter(number__lte=10))
    participation.unavailable_slots.set(blocked)
    participation.home_table = fair.tables.get(name="T3")
    participation.save()
    schedule(fair, 1)
    own = [m for m in _booked(fair) if m.exporter_id == exporter.pk]
    assert len(own) == 3
    assert all(m.slot.number > 10 and m.table.name == "T3" for m in own)


def test_confirmed_meetings_stay_put_unless_released(fair, meeting_between, schedule):
    meetings = _requests(fair, meeting_between, exporters=2, buyers=2)
    first = meetings[0]
    meeting_services.meeting_move(
        meeting=first, slot=fair.slots.get(number=13), table=fair.tables.get(name="T4")
    )
    meeting_services.meeting_confirm(meeting=first, organisation=first.exporter)
    meeting_services.meeting_confirm(meeting=first, organisation=first.buyer)
    schedule(fair, 1)
    first.refresh_from_db()
    assert (first.state, first.slot.number, first.table.name) == (Meeting.State.CONFIRMED, 13, "T4")
    _assert_conflict_free(_booked(fair))

    meeting_services.meeting_set_fixed(meeting=first, fixed=False)
    problem, _meetings = schedule_problem(fair)
    assert all(request.fixed_slot is None for request in problem.meetings)


def test_a_meeting_that_cannot_be_placed_says_why(fair, meeting_between, schedule):
    exporter, buyer = ExporterFactory(name="Busy Exporter"), BuyerFactory()
    meeting = meeting_between(fair, exporter, buyer)
    Participation.objects.get(event=fair, organisation=exporter).unavailable_slots.set(fair.slots.all())
    run = schedule(fair, 1)
    assert run.stats["scheduled"] == 0
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.REQUESTED
    assert meeting.unscheduled_reason["code"] == "participant_unavailable"
    assert "Busy Exporter" in unscheduled_reason_text(meeting.unscheduled_reason)


def test_the_meeting_cap_limits_each_participant(fair, meeting_between, schedule):
    fair.max_meetings_per_participant = 2
    fair.save()
    _requests(fair, meeting_between, exporters=1, buyers=4)
    run = schedule(fair, 1)
    assert run.stats["scheduled"] == 2
    capped = Meeting.objects.filter(event=fair, state=Meeting.State.REQUESTED)
    assert {m.unscheduled_reason["code"] for m in capped} == {"participant_capped"}


def test_a_second_run_waits_for_the_first(fair, organiser):
    ScheduleRun.objects.create(event=fair, status=ScheduleRun.Status.RUNNING)
    with pytest.raises(ValidationError, match="already under way"):
        schedule_run_start(event=fair, user=organiser)


def test_schedule_meetings_command_prints_the_figures(fair, meeting_between, capsys):
    _requests(fair, meeting_between, exporters=2, buyers=2)
    call_command("schedule_meetings", "--event", fair.slug, "--time-limit", "1")
    out = capsys.readouterr().out
    assert "4/4 meetings scheduled" in out
    with pytest.raises(CommandError, match="No event"):
        call_command("schedule_meetings", "--event", "nowhere")
