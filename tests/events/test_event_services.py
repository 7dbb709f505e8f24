"""Setting up events and deciding who takes part."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from events.models import Event, Meeting, Participation
from events.services import events as services
from events.services.check_in import participation_check_in
from events.services.events import SessionSpec, table_names_from
from events.services.meetings import meeting_move
from matchmaking.models import Match
from tests.events.conftest import AFTERNOON, FAIR_DAY, MORNING, make_fair
from tests.factories import (
    BuyerFactory,
    ExporterFactory,
    FxRateFactory,
    LotFactory,
    MatchFactory,
    NeedFactory,
    OrganiserFactory,
)

pytestmark = pytest.mark.django_db


def test_sessions_are_cut_into_slots_in_the_events_time_zone(fair):
    slots = list(fair.slots.order_by("number"))
    # 09:00–12:00 holds six 30-minute slots, 14:00–17:30 seven.
    assert len(slots) == 13
    assert [slot.number for slot in slots] == list(range(1, 14))
    first = slots[0].starts_at.astimezone(fair.zone)
    assert (first.hour, first.minute) == (9, 0)
    assert slots[0].starts_at == datetime.datetime(2026, 12, 15, 1, 0, tzinfo=datetime.UTC)
    assert slots[6].session.label == "Afternoon"
    assert list(fair.tables.values_list("name", flat=True)) == ["T1", "T2", "T3", "T4"]


def test_a_remainder_shorter_than_a_slot_is_left_out(organiser):
    short = SessionSpec(FAIR_DAY, "Morning", datetime.time(9, 0), datetime.time(10, 45))
    event = make_fair(organiser.membership.organisation, sessions=(short,))
    assert event.slots.count() == 3


@pytest.mark.parametrize(
    ("text", "names"),
    [("3", ["T1", "T2", "T3"]), ("Booth A, Booth B\nBooth C", ["Booth A", "Booth B", "Booth C"])],
)
def test_tables_are_a_count_or_names(text, names):
    assert table_names_from(text) == names


@pytest.mark.parametrize(
    ("text", "message"), [("", "number of tables"), ("0", "between 1 and 500"), ("A, B, A", "repeated: A")]
)
def test_bad_tables_are_refused_with_the_reason(text, message):
    with pytest.raises(ValidationError, match=message):
        table_names_from(text)


def test_overlapping_sessions_are_refused(organiser):
    late_morning = SessionSpec(FAIR_DAY, "Late", datetime.time(11, 0), datetime.time(13, 0))
    with pytest.raises(ValidationError, match="overlap"):
        make_fair(organiser.membership.organisation, sessions=(MORNING, late_morning))
    assert not Event.objects.exists()


def test_only_organisers_run_events():
    with pytest.raises(ValidationError, match="Only organisers"):
        make_fair(ExporterFactory())


def test_a_taken_short_name_is_refused(fair):
    with pytest.raises(ValidationError, match="short name"):
        make_fair(OrganiserFactory(), slug=fair.slug)


def test_the_layout_cannot_change_under_booked_meetings(fair, meeting_between):
    meeting = meeting_between(fair, ExporterFactory(), BuyerFactory())
    meeting_move(meeting=meeting, slot=fair.slots.get(number=1), table=fair.tables.get(name="T1"))
    with pytest.raises(ValidationError, match="already booked"):
        services.event_save(
            organiser=fair.organiser,
            event=fair,
            data={"slot_minutes": 20},
            sessions=[MORNING, AFTERNOON],
            table_names=["T1", "T2", "T3", "T4"],
        )
    with pytest.raises(ValidationError, match="T1"):
        services.event_save(
            organiser=fair.organiser,
            event=fair,
            data={},
            sessions=[MORNING, AFTERNOON],
            table_names=["T2", "T3"],
        )
    fair.refresh_from_db()
    assert fair.slot_minutes == 30
    assert fair.tables.count() == 4


def test_renaming_free_tables_and_adding_sessions_keeps_the_event(fair):
    extra = SessionSpec(
        FAIR_DAY + datetime.timedelta(days=1), "Morning", datetime.time(9, 0), datetime.time(10, 0)
    )
    services.event_save(
        organiser=fair.organiser,
        event=fair,
        data={"name": "Renamed"},
        sessions=[MORNING, AFTERNOON, extra],
        table_names=["A", "T1"],
    )
    fair.refresh_from_db()
    assert fair.name == "Renamed"
    assert fair.slots.count() == 15
    assert list(fair.tables.values_list("name", flat=True)) == ["A", "T1"]


# Participation -----------------------------------------------------------------


def test_a_company_applies_once_while_registration_is_open(fair):
    exporter = ExporterFactory()
    participation = services.participation_apply(event=fair, organisation=exporter, note="Ten SUVs")
    assert participation.status == Participation.Status.PENDING
    with pytest.raises(ValidationError, match="already applied"):
        services.participation_apply(event=fair, organisation=exporter)


@pytest.mark.parametrize(
    "change",
    [
        {"status": Event.Status.DRAFT},
        {"registration_closes_at": timezone.now() - datetime.timedelta(hours=1)},
        {"registration_opens_at": timezone.now() + datetime.timedelta(days=1)},
    ],
)
def test_applying_outside_registration_is_refused(fair, change):
    Event.objects.filter(pk=fair.pk).update(**change)
    fair.refresh_from_db()
    with pytest.raises(ValidationError, match="not open"):
        services.participation_apply(event=fair, organisation=BuyerFactory())


def test_a_rejection_needs_a_reason_the_applicant_sees(fair, organiser):
    participation = services.participation_apply(event=fair, organisation=BuyerFactory())
    with pytest.raises(ValidationError, match="why"):
        services.participation_decide(participation=participation, approve=False, reason=" ", by=organiser)
    services.participation_decide(
        participation=participation, approve=False, reason="No export licence", by=organiser
    )
    participation.refresh_from_db()
    assert participation.status == Participation.Status.REJECTED
    assert participation.decision_reason == "No export licence"
    assert participation.decided_by == organiser


def test_approval_turns_mutual_matches_into_meeting_requests(fair, organiser, join):
    exporter, buyer = ExporterFactory(), BuyerFactory()
    match = MatchFactory(
        lot=LotFactory(exporter=exporter),
        need=NeedFactory(buyer=buyer),
        state="mutual",
        exporter_interest="yes",
        buyer_interest="yes",
    )
    # A second mutual match between the same pair still makes one meeting.
    MatchFactory(
        lot=LotFactory(exporter=exporter),
        need=match.need,
        state="mutual",
        exporter_interest="yes",
        buyer_interest="yes",
        score=50,
    )
    join(fair, buyer)
    participation = services.participation_apply(event=fair, organisation=exporter)
    assert not Meeting.objects.exists()
    services.participation_decide(participation=participation, approve=True, by=organiser)
    meeting = Meeting.objects.get()
    assert (meeting.exporter, meeting.buyer, meeting.match) == (exporter, buyer, match)
    assert meeting.state == Meeting.State.REQUESTED


def test_organisers_add_companies_directly(fair, organiser):
    participation = services.participation_add(event=fair, organisation=BuyerFactory(), by=organiser)
    assert participation.is_approved
    with pytest.raises(ValidationError, match="Only exporters and buyers"):
        services.participation_add(event=fair, organisation=OrganiserFactory(), by=organiser)


def test_unavailable_slots_cannot_hide_a_booked_meeting(fair, meeting_between):
    exporter = ExporterFactory()
    meeting = meeting_between(fair, exporter, BuyerFactory())
    slot = fair.slots.get(number=2)
    meeting_move(meeting=meeting, slot=slot, table=fair.tables.first())
    participation = Participation.objects.get(event=fair, organisation=exporter)
    with pytest.raises(ValidationError, match="slots 2"):
        services.participation_set_unavailable(participation=participation, slot_ids=[slot.pk])
    free = fair.slots.get(number=3)
    assert services.participation_set_unavailable(participation=participation, slot_ids=[free.pk]) == [
        free.pk
    ]


def test_only_exporters_have_booths_and_only_approved_companies_check_in(fair, join):
    buyer = join(fair, kind="buyer")
    with pytest.raises(ValidationError, match="Only exporters"):
        services.participation_set_home_table(participation=buyer, table=fair.tables.first())
    pending = join(fair, status=Participation.Status.PENDING)
    on_the_day = fair.slots.get(number=1).starts_at
    with pytest.raises(ValidationError, match="approved"):
        participation_check_in(participation=pending, now=on_the_day)
    exporter = participation_check_in(participation=join(fair), now=on_the_day)
    assert exporter.checked_in_at == on_the_day


def test_export_matches_keeps_to_the_events_participants(fair, join, tmp_path):
    inside = MatchFactory()
    MatchFactory()  # between companies that do not take part
    join(fair, inside.lot.exporter)
    join(fair, inside.need.buyer)
    path = tmp_path / "matches.csv"
    call_command("export_matches", str(path), "--event", fair.slug)
    lines = path.read_text().splitlines()
    assert len(lines) == 2
    assert inside.lot.ref in lines[1]


def test_run_matching_for_an_event_rescores_its_buyers_needs_only(fair, join, capsys):
    FxRateFactory(currency="USD")
    lot = LotFactory()
    inside, outside = NeedFactory(), NeedFactory()
    join(fair, inside.buyer)
    call_command("run_matching", "--event", fair.slug)
    assert "1 open needs rescored" in capsys.readouterr().out
    assert Match.objects.filter(need=inside, lot=lot).exists()
    assert not Match.objects.filter(need=outside).exists()
    with pytest.raises(CommandError, match="No event"):
        call_command("run_matching", "--event", "nowhere")
