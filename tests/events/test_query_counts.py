"""What each event page costs in queries, and that the cost does not grow
with the number of rows: one case per URL of the app, checked against the
URLconf."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.urls import resolve, reverse

from accounts.models import Organisation, User
from events import urls as event_urls
from events.check_in_codes import check_in_token, expiry_day
from events.models import Event, EventTable, Meeting, Participation, ScheduleRun, Slot
from events.selectors import agenda_publication_notice
from events.services.events import SessionSpec, event_save
from events.services.scheduling import agenda_fingerprint
from matchmaking.models import Lot, Need
from tests.events.conftest import FAIR_DAY, event_form_data, send, sessions_of
from tests.factories import (
    BuyerFactory,
    EventFactory,
    ExporterFactory,
    LotFactory,
    MatchFactory,
    MeetingFactory,
    MembershipFactory,
    NeedFactory,
    ParticipationFactory,
)

pytestmark = pytest.mark.django_db


# Queries ---------------------------------------------------------------------------
#
# Each page is asked for with one row and with thirty (enough to put the event
# list, the participants and the meetings on several pages); the same literal
# count holds for both, so no page runs a query per row.


@dataclass
class Crowd:
    event: Event
    exporter: Participation  # exporter_admin's company, with `rows` meetings of every kind
    pending: Participation
    requested: Meeting  # a request waiting for a place
    free_slot: Slot
    free_table: EventTable
    run: ScheduleRun
    newcomer: Organisation  # a buyer not yet taking part
    rows: int
    opportunity: Need  # an open need of buyer_admin's company, on the published list
    lot: Lot  # exporter_admin's lot that meets it


def _crowd(rows: int, organiser: User, exporter_admin: User, buyer_admin: User) -> Crowd:
    """A fair of 120 ten-minute slots and rows + 1 tables; exporter_admin's
    company meets `rows` buyers (half from matches), has `rows` cancelled,
    `rows` waiting and `rows` held meetings and `rows` unavailable slots; `rows` other pairs
    are booked too, `rows` companies wait for a decision, `rows` runs are
    done, and `rows` other events are published and `rows` drafts kept."""
    organiser_org = organiser.membership.organisation
    day = datetime.time(8, 0), datetime.time(18, 0)
    event = event_save(
        organiser=organiser_org,
        data={
            "name": "Crowded Fair",
            "slug": "crowded",
            "city": "Chengdu",
            "slot_minutes": 10,
            "status": "open",
        },
        sessions=[
            SessionSpec(FAIR_DAY, "Day one", *day),
            SessionSpec(FAIR_DAY + datetime.timedelta(days=1), "Day two", *day),
        ],
        table_names=[f"T{n}" for n in range(1, rows + 3)],
    )
    slots = list(event.slots.order_by("number"))
    tables = list(event.tables.order_by("position"))
    exporter_org = exporter_admin.membership.organisation
    exporter = ParticipationFactory(event=event, organisation=exporter_org, home_table=tables[0])
    exporter.unavailable_slots.set(slots[2 * rows : 3 * rows])
    requested = None
    for i in range(rows):
        buyer = ParticipationFactory(
            event=event, organisation=buyer_admin.membership.organisation if i == 0 else BuyerFactory()
        ).organisation
        other_exporter = ParticipationFactory(
            event=event, organisation=ExporterFactory(), home_table=tables[i + 1]
        ).organisation
        late_buyer = ParticipationFactory(event=event, organisation=BuyerFactory()).organisation
        match = (
            MatchFactory(
                lot=LotFactory(exporter=exporter_org),
                need=NeedFactory(buyer=buyer),
                state="mutual",
                exporter_interest="yes",
                buyer_interest="yes",
            )
            if i % 2 == 0
            else None
        )
        state = Meeting.State.CONFIRMED if i % 2 else Meeting.State.SCHEDULED
        MeetingFactory(
            event=event,
            exporter=exporter_org,
            buyer=buyer,
            slot=slots[i],
            table=tables[0],
            state=state,
            match=match,
        )
        MeetingFactory(
            event=event,
            exporter=other_exporter,
            buyer=buyer,
            slot=slots[rows + i],
            table=tables[i + 1],
            state=Meeting.State.SCHEDULED,
        )
        MeetingFactory(
            event=event,
            exporter=exporter_org,
            buyer=late_buyer,
            state=Meeting.State.CANCELLED,
            slot=slots[i],
            table=tables[0],
            reason="Flight cancelled",
        )
        requested = MeetingFactory(
            event=event,
            exporter=other_exporter,
            buyer=late_buyer,
            unscheduled_reason={"code": "no_table", "params": {}, "reason": "No table"},
        )
        MeetingFactory(
            event=event,
            exporter=exporter_org,
            buyer=ParticipationFactory(event=event, organisation=BuyerFactory()).organisation,
        )
        MeetingFactory(
            event=event,
            exporter=exporter_org,
            buyer=ParticipationFactory(event=event, organisation=BuyerFactory()).organisation,
            slot=slots[rows + i],
            table=tables[0],
            state=Meeting.State.HELD,
            exporter_outcome=Meeting.Outcome.FOLLOW_UP,
            buyer_outcome=Meeting.Outcome.DEAL_SIGNED,
            buyer_outcome_note="Ten units, LC at sight",
        )
        pending = ParticipationFactory(
            event=event,
            organisation=BuyerFactory(),
            status=Participation.Status.PENDING,
            note="Twenty trucks",
        )
        ParticipationFactory(
            event=event,
            organisation=BuyerFactory(),
            status=Participation.Status.REJECTED,
            decision_reason="No licence",
        )
        NeedFactory(buyer=late_buyer, currency="EUR", max_unit_price=40_000, body_types=["sedan", "mpv"])
        NeedFactory(buyer=pending.organisation)
        LotFactory(exporter=exporter_org, make="Geely", model="Coolray", body_type="suv", fuel_type="petrol")
        ScheduleRun.objects.create(
            event=event, status=ScheduleRun.Status.FINISHED, progress_pct=100, stats={"scheduled": 1}
        )
        EventFactory()
        EventFactory(organiser=organiser_org, status=Event.Status.DRAFT)
    run = ScheduleRun.objects.filter(event=event).first()
    Event.objects.filter(pk=event.pk).update(opportunities_published_at=datetime.datetime.now(datetime.UTC))
    opportunity = NeedFactory(buyer=buyer_admin.membership.organisation)
    lot = LotFactory(exporter=exporter_org)
    return Crowd(
        event,
        exporter,
        pending,
        requested,
        slots[-1],
        tables[-1],
        run,
        BuyerFactory(),
        rows,
        opportunity,
        lot,
    )


def _crowd_cases(crowd: Crowd) -> dict[str, tuple[str, str, str, dict]]:
    """(who, method, address, data) of each request measured."""
    slug = crowd.event.slug
    exporter = crowd.exporter.pk

    def url(name: str, *args: object) -> str:
        return reverse(name, args=[slug, *args])

    sessions = sessions_of(crowd.event)
    scan_token = check_in_token(crowd.exporter, expiry_day(crowd.event))
    tables = ", ".join(crowd.event.tables.order_by("position").values_list("name", flat=True))
    # A new event with one session a day for `rows` days and `rows` tables.
    new_sessions = tuple(
        (f"{FAIR_DAY + datetime.timedelta(days=day):%Y-%m-%d}", "Morning", "09:00", "12:00")
        for day in range(crowd.rows)
    )
    return {
        "list/anonymous": ("anonymous", "get", reverse("event_list"), {}),
        "list/organiser": ("organiser", "get", reverse("event_list"), {}),
        "detail/anonymous": ("anonymous", "get", url("event_detail"), {}),
        "detail/participant": ("exporter", "get", url("event_detail"), {}),
        "detail/organiser": ("organiser", "get", url("event_detail"), {}),
        "apply": ("newcomer", "get", url("event_apply"), {}),
        "apply/post": ("newcomer", "post", url("event_apply"), {"note": "Hello"}),
        "availability": ("exporter", "get", url("event_availability"), {}),
        "availability/post": (
            "exporter",
            "post",
            url("event_availability"),
            {
                "unavailable": list(
                    crowd.event.slots.order_by("-number").values_list("pk", flat=True)[: crowd.rows]
                )
            },
        ),
        "agenda": ("exporter", "get", url("event_agenda"), {}),
        "agenda.ics": ("exporter", "get", url("event_agenda_ics"), {}),
        "feed": ("anonymous", "get", url("event_calendar_feed", crowd.exporter.calendar_token), {}),
        "answer/post": (
            "exporter",
            "post",
            url(
                "event_meeting_answer",
                crowd.event.meetings.filter(exporter=crowd.exporter.organisation, state="scheduled")
                .first()
                .pk,
            ),
            {"answer": "confirm"},
        ),
        "outcome/post": (
            "exporter",
            "post",
            url(
                "event_meeting_outcome",
                crowd.event.meetings.filter(exporter=crowd.exporter.organisation, state="held").first().pk,
            ),
            {"outcome": Meeting.Outcome.DEAL_SIGNED, "note": "Signed"},
        ),
        "opportunities/anonymous": ("anonymous", "get", url("event_opportunities"), {}),
        "opportunities/filtered": (
            "anonymous",
            "get",
            url("event_opportunities"),
            {"destination_country": "KZ", "body_type": "suv", "fuel_type": "phev"},
        ),
        "opportunities/exporter": ("exporter", "get", url("event_opportunities"), {}),
        "opportunities/organiser": ("organiser", "get", url("event_opportunities"), {}),
        "opportunities.csv": ("anonymous", "get", url("event_opportunities_download", "csv"), {}),
        "opportunities.xlsx": ("anonymous", "get", url("event_opportunities_download", "xlsx"), {}),
        "offer": ("exporter", "get", url("event_opportunity_offer", crowd.opportunity.pk), {}),
        "offer/post": (
            "exporter",
            "post",
            url("event_opportunity_offer", crowd.opportunity.pk),
            {"lot": crowd.lot.pk},
        ),
        "publish/post": ("organiser", "post", url("event_opportunities_publish"), {"publish": "0"}),
        "create": ("organiser", "get", reverse("event_create"), {}),
        "create/post": (
            "organiser",
            "post",
            reverse("event_create"),
            event_form_data(tables=str(crowd.rows), sessions=new_sessions),
        ),
        "edit": ("organiser", "get", url("event_edit"), {}),
        "edit/post": (
            "organiser",
            "post",
            url("event_edit"),
            event_form_data(
                slug=slug,
                tables=tables,
                sessions=sessions,
                initial_forms=len(sessions),
                slot_minutes="10",
                name="Renamed",
            ),
        ),
        "status/post": (
            "organiser",
            "post",
            url("event_status"),
            {"status": Event.Status.SCHEDULED, "confirm": agenda_publication_notice(crowd.event).token},
        ),
        "status/confirm": ("organiser", "post", url("event_status"), {"status": Event.Status.SCHEDULED}),
        "participants": ("organiser", "get", url("event_participants"), {}),
        "participants/post": (
            "organiser",
            "post",
            url("event_participants"),
            {"organisation": crowd.newcomer.pk},
        ),
        "participant": ("organiser", "get", url("event_participant", exporter), {}),
        "participant/post": (
            "organiser",
            "post",
            url("event_participant", exporter),
            {"home_table": crowd.free_table.pk},
        ),
        "decide/post": (
            "organiser",
            "post",
            url("event_participant_decide", crowd.pending.pk),
            {"decision": "approve"},
        ),
        "check_in/post": (
            "organiser",
            "post",
            url("event_participant_check_in", exporter),
            {"checked_in": "1", "reason": "Arrived for the set-up day"},
        ),
        "check_in_scan": ("organiser", "get", url("event_check_in_scan", scan_token), {}),
        "check_in_scan/post": (
            "organiser",
            "post",
            url("event_check_in_scan", scan_token),
            {"reason": "Arrived for the set-up day"},
        ),
        "meetings": ("organiser", "get", url("event_meetings"), {}),
        "meetings/post": ("organiser", "post", url("event_meetings"), {"action": "from_matches"}),
        "meeting": ("organiser", "get", url("event_meeting", crowd.requested.pk), {}),
        "meeting/post": (
            "organiser",
            "post",
            url("event_meeting", crowd.requested.pk),
            {"action": "move", "slot": crowd.free_slot.pk, "table": crowd.free_table.pk},
        ),
        "schedule": ("organiser", "get", url("event_schedule"), {}),
        "schedule/post": ("organiser", "post", url("event_schedule"), {"time_limit": 1}),
        "progress": ("organiser", "get", url("event_schedule_progress", crowd.run.pk), {}),
        "schedule_apply/post": (
            "organiser",
            "post",
            url("event_schedule_apply", _nothing_to_apply(crowd.event).pk),
            {},
        ),
        "grid": ("organiser", "get", url("event_grid"), {}),
        "table_signs": ("organiser", "get", url("event_table_signs"), {}),
        "table_sheets": ("organiser", "get", url("event_table_sheets"), {}),
    }


def _nothing_to_apply(event: Event) -> ScheduleRun:
    """A finished preview of the agenda as it is, changing nothing."""
    return ScheduleRun.objects.create(
        event=event,
        status=ScheduleRun.Status.FINISHED,
        preview=True,
        proposal={"places": {}, "reasons": {}, "changes": []},
        agenda_fingerprint=agenda_fingerprint(event, keep_booked=True),
    )


# Exact, and the same on SQLite and PostgreSQL. A signed-in page on an event
# starts with savepoint, session, user, event and membership and ends with the
# release (6); posts that save an event add the model's constraint checks, each
# in its own savepoint.
QUERY_COUNTS = {
    "list/anonymous": 4,
    "list/organiser": 8,
    "detail/anonymous": 7,
    "detail/participant": 11,
    "detail/organiser": 11,
    "apply": 6,
    "apply/post": 9,
    "availability": 10,
    "availability/post": 13,
    # + the event's days, for the check-in code's last day
    "agenda": 9,
    "agenda.ics": 8,
    "feed": 4,
    "answer/post": 11,
    "outcome/post": 11,
    "opportunities/anonymous": 7,
    "opportunities/filtered": 7,
    "opportunities/exporter": 10,
    "opportunities/organiser": 10,
    "opportunities.csv": 6,
    "opportunities.xlsx": 6,
    "offer": 10,
    "offer/post": 28,
    "publish/post": 10,
    "create": 5,
    "create/post": 30,
    "edit": 8,
    "edit/post": 29,
    "status/post": 15,
    "status/confirm": 14,
    "participants": 11,
    "participants/post": 21,
    "participant": 12,
    "participant/post": 9,
    "decide/post": 15,
    "check_in/post": 13,
    "check_in_scan": 8,
    "check_in_scan/post": 13,
    "meetings": 11,
    "meetings/post": 9,
    "meeting": 10,
    "meeting/post": 17,
    "schedule": 8,
    "schedule/post": 13,
    "progress": 7,
    "schedule_apply/post": 17,
    "grid": 10,
    "table_signs": 9,
    "table_sheets": 9,
}


# Posts answered with a page that asks for confirmation first.
ASKS_FIRST = {"status/confirm"}


def test_every_view_has_a_query_bound(organiser, exporter_admin, buyer_admin):
    crowd = _crowd(1, organiser, exporter_admin, buyer_admin)
    cases = _crowd_cases(crowd)
    assert set(cases) == set(QUERY_COUNTS)
    measured = {resolve(urlsplit(url).path).url_name for _who, _method, url, _data in cases.values()}
    assert measured == {pattern.name for pattern in event_urls.urlpatterns}


@pytest.mark.parametrize("rows", [1, 3, 30])
@pytest.mark.parametrize(("case", "count"), QUERY_COUNTS.items())
def test_queries_do_not_grow_with_rows(
    login, client, organiser, exporter_admin, buyer_admin, case, count, rows, django_assert_num_queries
):
    crowd = _crowd(rows, organiser, exporter_admin, buyer_admin)
    who, method, url, data = _crowd_cases(crowd)[case]
    users = {
        "organiser": organiser,
        "exporter": exporter_admin,
        "newcomer": MembershipFactory(organisation=ExporterFactory()).user,
    }
    if who != "anonymous":
        client = login(users[who])

    with django_assert_num_queries(count):
        response = send(client, method, url, data)

    assert response.status_code == (302 if method == "post" and case not in ASKS_FIRST else 200), (
        response.content[:2000]
    )
    if method == "post" and case not in ASKS_FIRST:
        assert not [m for m in client.get(response.url).context["messages"] if m.level_tag == "error"]
