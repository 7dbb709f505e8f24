"""Exporters' and buyers' dashboards: upcoming meetings, deals and open
matches at a glance, in a number of queries that does not grow with them."""

from __future__ import annotations

import datetime

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import Organisation, User
from events.models import Event, Meeting
from events.services.events import SessionSpec, event_save
from matchmaking.models import Match
from tests.factories import (
    BuyerFactory,
    ContactPointFactory,
    DealFactory,
    DealLineFactory,
    ExporterFactory,
    LotFactory,
    MatchFactory,
    MeetingFactory,
    NeedFactory,
    OrganiserFactory,
)

pytestmark = pytest.mark.django_db


def _fair(slug: str, *, days_ahead: int = 20, time_zone: str = "Asia/Shanghai") -> Event:
    """A one-day fair with 13 half-hour slots (9:00–12:00, 14:00–17:30) and two tables."""
    day = timezone.localdate() + datetime.timedelta(days=days_ahead)
    return event_save(
        organiser=OrganiserFactory(),
        data={
            "name": f"Fair {slug}",
            "slug": slug,
            "city": "Chengdu",
            "venue": "Expo City",
            "time_zone": time_zone,
            "slot_minutes": 30,
            "status": Event.Status.SCHEDULED,
        },
        sessions=[
            SessionSpec(day, "Morning", datetime.time(9, 0), datetime.time(12, 0)),
            SessionSpec(day, "Afternoon", datetime.time(14, 0), datetime.time(17, 30)),
        ],
        table_names=["T1", "T2"],
    )


def _book(event: Event, number: int, *, exporter: Organisation, buyer: Organisation, **kwargs) -> Meeting:
    return MeetingFactory(
        event=event,
        exporter=exporter,
        buyer=buyer,
        slot=event.slots.get(number=number),
        table=event.tables.get(name="T1"),
        state=kwargs.pop("state", Meeting.State.SCHEDULED),
        **kwargs,
    )


def _organisation(user: User) -> Organisation:
    return user.membership.organisation


def _fill(organisation: Organisation, rows: int) -> None:
    """`rows` booked meetings, deals with two lines each and proposals for the
    company, each with a different counterpart."""
    fair = _fair(f"fair-{organisation.pk}")
    for number in range(1, rows + 1):
        if organisation.is_exporter:
            exporter, buyer = organisation, BuyerFactory()
            match = MatchFactory(lot=LotFactory(exporter=exporter), need=NeedFactory(buyer=buyer))
        else:
            exporter, buyer = ExporterFactory(), organisation
            match = MatchFactory(lot=LotFactory(exporter=exporter), need=NeedFactory(buyer=buyer))
        _book(fair, number, exporter=exporter, buyer=buyer)
        deal = DealFactory(exporter=exporter, buyer=buyer, recorded_by=exporter)
        DealLineFactory(deal=deal, quantity=2)
        DealLineFactory(deal=deal, quantity=3)
        assert match.state == Match.State.PROPOSED


# Query counts ------------------------------------------------------------------
#
# Exact, the same on SQLite and PostgreSQL and for 1, 3 or 10 rows: ten is more
# than the five upcoming meetings and recent deals a dashboard lists.


@pytest.mark.parametrize("rows", [1, 3, 10])
def test_exporter_dashboard_queries_do_not_grow(login, exporter_admin, rows, django_assert_num_queries):
    _fill(_organisation(exporter_admin), rows)
    client = login(exporter_admin)

    with django_assert_num_queries(16):
        response = client.get(reverse("dashboard"))

    assert response.status_code == 200
    assert len(response.context["upcoming_meetings"]) == min(rows, 5)
    assert len(response.context["recent_deals"]) == min(rows, 5)
    assert response.context["matches"].awaiting_answer == rows


@pytest.mark.parametrize("rows", [1, 3, 10])
def test_buyer_dashboard_queries_do_not_grow(login, buyer_admin, rows, django_assert_num_queries):
    _fill(_organisation(buyer_admin), rows)
    for _ in range(rows):
        ContactPointFactory(country=_organisation(buyer_admin).country)
    client = login(buyer_admin)

    with django_assert_num_queries(14):
        response = client.get(reverse("dashboard"))

    assert response.status_code == 200
    assert len(response.context["upcoming_meetings"]) == min(rows, 5)
    assert response.context["deals_awaiting_count"] == rows
    assert len(response.context["contact_points"]) == rows


@pytest.mark.parametrize("rows", [1, 3, 10])
def test_organiser_dashboard_queries_do_not_grow(login, organiser, rows, django_assert_num_queries):
    _fill(ExporterFactory(), rows)
    for _ in range(rows):
        ContactPointFactory(organiser=_organisation(organiser))
    client = login(organiser)

    with django_assert_num_queries(8):
        response = client.get(reverse("dashboard"))

    assert response.status_code == 200
    assert response.context["contact_point_count"] == rows
    assert "upcoming_meetings" not in response.context


# Meetings ----------------------------------------------------------------------


def test_upcoming_meetings_show_time_in_the_events_zone_table_counterpart_and_confirmation(
    login, buyer_admin
):
    buyer = _organisation(buyer_admin)
    moscow = _fair("moscow-fair", time_zone="Europe/Moscow")
    exporter = ExporterFactory(name="Chengdu Jinniu Auto Export Co.")
    now = timezone.now()
    _book(
        moscow,
        1,
        exporter=exporter,
        buyer=buyer,
        state=Meeting.State.CONFIRMED,
        exporter_confirmed_at=now,
        buyer_confirmed_at=now,
    )

    response = login(buyer_admin).get(reverse("dashboard"))

    (meeting,) = response.context["upcoming_meetings"]
    assert meeting.counterpart == exporter
    assert reverse("event_agenda", args=["moscow-fair"]) in response.text
    assert "9:00\u202fAM – 9:30\u202fAM" in response.text
    assert "Europe/Moscow" in response.text
    assert "T1" in response.text
    assert "Chengdu Jinniu Auto Export Co." in response.text
    assert "Confirmed" in response.text


def test_upcoming_meetings_are_the_next_booked_ones_across_events(login, exporter_admin):
    exporter = _organisation(exporter_admin)
    soon, later = _fair("soon", days_ahead=2), _fair("later", days_ahead=30)
    past = _fair("past", days_ahead=-5)
    _book(past, 1, exporter=exporter, buyer=BuyerFactory())
    _book(soon, 3, exporter=exporter, buyer=BuyerFactory(), exporter_confirmed_at=timezone.now())
    _book(later, 1, exporter=exporter, buyer=BuyerFactory())
    _book(soon, 1, exporter=exporter, buyer=BuyerFactory())
    MeetingFactory(event=soon, exporter=exporter, buyer=BuyerFactory())  # requested, no slot yet
    _book(soon, 2, exporter=exporter, buyer=BuyerFactory(), state=Meeting.State.CANCELLED)
    _book(soon, 4, exporter=ExporterFactory(), buyer=BuyerFactory())  # somebody else's

    response = login(exporter_admin).get(reverse("dashboard"))

    meetings = response.context["upcoming_meetings"]
    assert [(m.event.slug, m.slot.number) for m in meetings] == [("soon", 1), ("soon", 3), ("later", 1)]
    assert [m.own_confirmed for m in meetings] == [False, True, False]
    assert "Please confirm" in response.text
    assert "Waiting for the other side" in response.text


def test_only_the_next_five_meetings_are_listed(login, exporter_admin):
    exporter = _organisation(exporter_admin)
    fair = _fair("busy")
    for number in range(1, 8):
        _book(fair, number, exporter=exporter, buyer=BuyerFactory())

    response = login(exporter_admin).get(reverse("dashboard"))

    assert [m.slot.number for m in response.context["upcoming_meetings"]] == [1, 2, 3, 4, 5]


# Deals -------------------------------------------------------------------------


def _url_if_built(name: str, *args: object) -> str | None:
    # The deal pages are built alongside; the dashboard links them once they exist.
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def test_deals_show_what_waits_for_confirmation_and_the_latest(login, exporter_admin):
    exporter = _organisation(exporter_admin)
    buyer = BuyerFactory(name="Almaty Motors Trading")
    waiting = DealFactory(
        exporter=exporter, buyer=buyer, recorded_by=buyer, signed_on=datetime.date(2026, 11, 2)
    )
    DealLineFactory(deal=waiting, quantity=4)
    DealLineFactory(deal=waiting, quantity=6)
    ours = DealFactory(exporter=exporter, buyer=BuyerFactory(), signed_on=datetime.date(2026, 11, 1))
    DealLineFactory(deal=ours, quantity=1)
    DealFactory(exporter=ExporterFactory(), buyer=buyer, recorded_by=buyer)  # somebody else's

    response = login(exporter_admin).get(reverse("dashboard"))

    assert response.context["deals_awaiting_count"] == 1
    deals = response.context["recent_deals"]
    assert [deal.pk for deal in deals] == [waiting.pk, ours.pk]
    assert [deal.vehicle_count for deal in deals] == [10, 1]
    assert [deal.awaits_us for deal in deals] == [True, False]
    assert deals[0].counterpart == buyer
    assert "1 deal waits for your confirmation." in response.text
    assert "Almaty Motors Trading" in response.text
    for url in (_url_if_built("deal_list"), _url_if_built("deal_detail", waiting.pk)):
        if url is not None:
            assert url in response.text


def test_a_buyer_sees_deals_the_exporter_recorded_as_waiting_for_them(login, buyer_admin):
    buyer = _organisation(buyer_admin)
    exporter = ExporterFactory()
    DealLineFactory(deal=DealFactory(exporter=exporter, buyer=buyer, recorded_by=exporter), quantity=3)
    DealFactory(exporter=exporter, buyer=buyer, recorded_by=buyer)

    response = login(buyer_admin).get(reverse("dashboard"))

    assert response.context["deals_awaiting_count"] == 1
    assert {deal.counterpart for deal in response.context["recent_deals"]} == {exporter}


# Matches -----------------------------------------------------------------------


def test_buyer_sees_proposals_awaiting_their_answer_and_mutual_matches(login, buyer_admin):
    buyer = _organisation(buyer_admin)
    need = NeedFactory(buyer=buyer)
    best = MatchFactory(need=need, score=91, lot=LotFactory(make="Geely", model="Monjaro"))
    second = MatchFactory(need=need, score=80)
    third = MatchFactory(need=need, score=70)
    MatchFactory(need=need, score=60)  # fourth: counted, not listed
    MatchFactory(need=need, score=99, buyer_interest=Match.Interest.YES)  # answered
    MatchFactory(need=need, score=99, state=Match.State.DISMISSED, buyer_interest=Match.Interest.NO)
    MatchFactory(
        need=need,
        state=Match.State.MUTUAL,
        buyer_interest=Match.Interest.YES,
        exporter_interest=Match.Interest.YES,
    )
    MatchFactory(need=NeedFactory(buyer=buyer, status="closed"), score=95)  # closed need
    MatchFactory(score=98)  # another buyer's need

    response = login(buyer_admin).get(reverse("dashboard"))

    matches = response.context["matches"]
    assert (matches.awaiting_answer, matches.mutual) == (4, 1)
    assert [match.pk for match in matches.top] == [best.pk, second.pk, third.pk]
    assert reverse("need_matches", args=[need.pk]) in response.text
    assert "Geely Monjaro" in response.text
    assert "4 proposals wait for your answer" in response.text
    assert "1 mutual match" in response.text


def test_exporter_sees_proposals_on_their_available_lots(login, exporter_admin):
    exporter = _organisation(exporter_admin)
    lot = LotFactory(exporter=exporter)
    waiting = MatchFactory(lot=lot, need=NeedFactory(title="Hybrids for Tashkent"), buyer_interest="yes")
    MatchFactory(lot=lot, exporter_interest=Match.Interest.YES)  # answered
    MatchFactory(lot=LotFactory(exporter=exporter, status="sold"))  # lot no longer offered

    response = login(exporter_admin).get(reverse("dashboard"))

    matches = response.context["matches"]
    assert (matches.awaiting_answer, matches.mutual) == (1, 0)
    assert [match.pk for match in matches.top] == [waiting.pk]
    assert reverse("lot_matches", args=[lot.pk]) in response.text
    assert "Hybrids for Tashkent" in response.text


def test_a_new_company_sees_empty_states(login, exporter_admin, buyer_admin):
    for user in (exporter_admin, buyer_admin):
        response = login(user).get(reverse("dashboard"))

        assert response.status_code == 200
        assert "No meetings booked yet" in response.text
        assert "No deals recorded yet" in response.text
        assert "0 proposals wait for your answer" in response.text
        assert response.context["deals_awaiting_count"] == 0
