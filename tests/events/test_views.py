"""Event pages as their users meet them: who may open each one (everyone else
gets 404, as if it did not exist), what each costs in queries, and what each
form does."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import resolve, reverse
from django.utils import timezone

from accounts.models import Membership, Organisation, User
from events import urls as event_urls
from events.models import Event, EventSession, EventTable, Meeting, Participation, ScheduleRun, Slot
from events.selectors import agenda_publication_notice
from events.services.events import SessionSpec, event_save
from events.services.meetings import meeting_move
from events.services.scheduling import agenda_fingerprint
from matchmaking.models import Lot, Match, Need
from tests.events.conftest import FAIR_DAY, make_fair
from tests.factories import (
    BuyerFactory,
    EventFactory,
    ExporterFactory,
    LotFactory,
    MatchFactory,
    MeetingFactory,
    MembershipFactory,
    NeedFactory,
    OrganiserFactory,
    ParticipationFactory,
)

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")


def _post_event(
    *,
    slug: str = "kazan-2027",
    tables: str = "4",
    sessions: tuple[tuple[str, str, str, str], ...] = (("2027-03-02", "Morning", "09:00", "12:00"),),
    initial_forms: int = 0,
    **fields: str,
) -> dict[str, str]:
    """What the event form posts: the event's fields and the sessions formset."""
    data = {
        "name": "Kazan Car Export Fair",
        "slug": slug,
        "city": "Kazan",
        "venue": "Kazan Expo",
        "description": "",
        "time_zone": "Asia/Shanghai",
        "slot_minutes": "30",
        "registration_opens_at": "",
        "registration_closes_at": "",
        "max_meetings_per_participant": "",
        "tables": tables,
        "sessions-TOTAL_FORMS": str(len(sessions)),
        "sessions-INITIAL_FORMS": str(initial_forms),
        "sessions-MIN_NUM_FORMS": "0",
        "sessions-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for index, (date, label, starts, ends) in enumerate(sessions):
        data.update(
            {
                f"sessions-{index}-date": date,
                f"sessions-{index}-label": label,
                f"sessions-{index}-starts": starts,
                f"sessions-{index}-ends": ends,
            }
        )
    return data


def _sessions_of(event: Event) -> tuple[tuple[str, str, str, str], ...]:
    return tuple(
        (f"{s.date:%Y-%m-%d}", s.label, f"{s.starts:%H:%M}", f"{s.ends:%H:%M}")
        for s in event.sessions.order_by("date", "starts")
    )


def _send(client, method: str, url: str, data: dict, **kwargs):
    return client.post(url, data, **kwargs) if method == "post" else client.get(url, data, **kwargs)


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# A small fair with one of everything ----------------------------------------------


@dataclass
class Scene:
    event: Event
    exporter: Participation  # exporter_admin's company, approved
    buyer: Participation  # buyer_admin's company, approved
    pending: Participation  # a buyer waiting for the organisers' decision
    meeting: Meeting  # exporter–buyer, booked in slot 1 at T1
    run: ScheduleRun
    need: Need | None = None  # an open need of the buyer: an opportunity
    lot: Lot | None = None  # an available lot of the exporter that meets it


@pytest.fixture
def scene(fair, exporter_admin, buyer_admin, join) -> Scene:
    exporter = join(fair, exporter_admin.membership.organisation)
    buyer = join(fair, buyer_admin.membership.organisation)
    pending = join(fair, kind="buyer", status=Participation.Status.PENDING)
    meeting = meeting_move(
        meeting=MeetingFactory(event=fair, exporter=exporter.organisation, buyer=buyer.organisation),
        slot=fair.slots.get(number=1),
        table=fair.tables.get(name="T1"),
    )
    run = ScheduleRun.objects.create(
        event=fair, status=ScheduleRun.Status.FINISHED, progress_pct=100, stats={"scheduled": 1}
    )
    need = NeedFactory(buyer=buyer.organisation, ref="KZ-SECRET-7", title="Almaty dealer network")
    lot = LotFactory(exporter=exporter.organisation)
    return Scene(fair, exporter, buyer, pending, meeting, run, need, lot)


def _routes(scene: Scene) -> dict[str, tuple[str, str, dict]]:
    """Every URL of the app as (method, address, data) for the scene's fair."""
    slug = scene.event.slug
    participation, meeting, run = scene.exporter.pk, scene.meeting.pk, scene.run.pk
    need = scene.need.pk if scene.need else 0
    lot = scene.lot.pk if scene.lot else 0
    return {
        "event_list": ("get", reverse("event_list"), {}),
        "event_create": ("get", reverse("event_create"), {}),
        "event_detail": ("get", reverse("event_detail", args=[slug]), {}),
        "event_opportunities": ("get", reverse("event_opportunities", args=[slug]), {}),
        "event_opportunities_download": (
            "get",
            reverse("event_opportunities_download", args=[slug, "csv"]),
            {},
        ),
        "event_opportunity_offer": (
            "post",
            reverse("event_opportunity_offer", args=[slug, need]),
            {"lot": lot},
        ),
        "event_apply": ("get", reverse("event_apply", args=[slug]), {}),
        "event_availability": ("get", reverse("event_availability", args=[slug]), {}),
        "event_agenda": ("get", reverse("event_agenda", args=[slug]), {}),
        "event_agenda_ics": ("get", reverse("event_agenda_ics", args=[slug]), {}),
        "event_calendar_feed": (
            "get",
            reverse("event_calendar_feed", args=[slug, scene.exporter.calendar_token]),
            {},
        ),
        "event_meeting_answer": (
            "post",
            reverse("event_meeting_answer", args=[slug, meeting]),
            {"answer": "confirm"},
        ),
        "event_meeting_outcome": (
            "post",
            reverse("event_meeting_outcome", args=[slug, meeting]),
            {"outcome": Meeting.Outcome.FOLLOW_UP},
        ),
        "event_edit": ("get", reverse("event_edit", args=[slug]), {}),
        "event_status": ("post", reverse("event_status", args=[slug]), {"status": Event.Status.CLOSED}),
        "event_opportunities_publish": (
            "post",
            reverse("event_opportunities_publish", args=[slug]),
            {"publish": "1"},
        ),
        "event_participants": ("get", reverse("event_participants", args=[slug]), {}),
        "event_participant": ("get", reverse("event_participant", args=[slug, participation]), {}),
        "event_participant_decide": (
            "post",
            reverse("event_participant_decide", args=[slug, scene.pending.pk]),
            {"decision": "approve"},
        ),
        "event_participant_check_in": (
            "post",
            reverse("event_participant_check_in", args=[slug, participation]),
            {"checked_in": "1"},
        ),
        "event_meetings": ("get", reverse("event_meetings", args=[slug]), {}),
        "event_meeting": ("get", reverse("event_meeting", args=[slug, meeting]), {}),
        "event_schedule": ("get", reverse("event_schedule", args=[slug]), {}),
        "event_schedule_progress": ("get", reverse("event_schedule_progress", args=[slug, run]), {}),
        "event_schedule_apply": ("post", reverse("event_schedule_apply", args=[slug, run]), {}),
        "event_grid": ("get", reverse("event_grid", args=[slug]), {}),
        "event_table_signs": ("get", reverse("event_table_signs", args=[slug]), {}),
        "event_table_sheets": ("get", reverse("event_table_sheets", args=[slug]), {}),
    }


PUBLIC = ["event_list", "event_detail"]
# Public once the organisers publish the list (and the event); before, only
# the event's organisers preview it.
OPPORTUNITIES = ["event_opportunities", "event_opportunities_download"]
# Signed-in exporters, on a published list.
EXPORTER = ["event_opportunity_offer"]
# The calendar app's own address: its secret token is the key, no sign-in.
FEED = ["event_calendar_feed"]
PARTICIPANT = [
    "event_apply",
    "event_availability",
    "event_agenda",
    "event_agenda_ics",
    "event_meeting_answer",
    "event_meeting_outcome",
]
# Pages about one approved participant's own agenda.
OWN_AGENDA = ["event_availability", "event_agenda", "event_agenda_ics"]
ORGANISER_OF_EVENT = [
    "event_edit",
    "event_status",
    "event_opportunities_publish",
    "event_participants",
    "event_participant",
    "event_participant_decide",
    "event_participant_check_in",
    "event_meetings",
    "event_meeting",
    "event_schedule",
    "event_schedule_progress",
    "event_schedule_apply",
    "event_grid",
    "event_table_signs",
    "event_table_sheets",
]
ORGANISER = ["event_create", *ORGANISER_OF_EVENT]
PRIVATE = PARTICIPANT + EXPORTER + ORGANISER


def _snapshot(event: Event) -> tuple:
    """Everything a refused request could have changed."""
    return (
        Event.objects.count(),
        Event.objects.filter(pk=event.pk).values_list("status", "name", "opportunities_published_at").get(),
        sorted(
            Participation.objects.filter(event=event).values_list(
                "pk", "status", "checked_in_at", "home_table", "decision_reason"
            )
        ),
        sorted(
            Meeting.objects.filter(event=event).values_list(
                "pk",
                "state",
                "slot",
                "table",
                "fixed",
                "exporter_confirmed_at",
                "buyer_confirmed_at",
                "exporter_outcome",
                "buyer_outcome",
            )
        ),
        ScheduleRun.objects.filter(event=event).count(),
        sorted(
            Match.objects.filter(need__buyer__participations__event=event).values_list(
                "pk", "exporter_interest"
            )
        ),
    )


def test_every_event_url_has_its_permission_test():
    names = {pattern.name for pattern in event_urls.urlpatterns}
    assert names == set(PUBLIC + FEED + OPPORTUNITIES + PRIVATE)


# Anonymous visitors ----------------------------------------------------------------


@pytest.mark.parametrize("name", PUBLIC)
def test_anyone_reads_a_published_event(client, scene, name):
    method, url, data = _routes(scene)[name]
    response = _send(client, method, url, data)
    assert response.status_code == 200
    assert scene.event.name in response.text


@pytest.mark.parametrize("name", PRIVATE)
def test_anonymous_visitors_are_sent_to_sign_in(client, scene, name):
    before = _snapshot(scene.event)
    method, url, data = _routes(scene)[name]
    response = _send(client, method, url, data)
    assert response.status_code == 302
    assert response.url.startswith(f"{LOGIN}?next=")
    assert _snapshot(scene.event) == before


def test_the_public_list_leaves_drafts_out(client, fair):
    make_fair(fair.organiser, slug="secret-2027", status=Event.Status.DRAFT)
    response = client.get(reverse("event_list"))
    assert fair.name in response.text
    assert "secret-2027" not in response.text


def test_an_organiser_sees_its_own_drafts_in_the_list(login, organiser, fair):
    make_fair(fair.organiser, slug="secret-2027", status=Event.Status.DRAFT)
    own = login(organiser).get(reverse("event_list"))
    assert {event.slug for event in own.context["own_events"]} == {"chengdu-2026", "secret-2027"}
    assert reverse("event_detail", args=["secret-2027"]) in own.text
    assert reverse("event_create") in own.text
    stranger = login(MembershipFactory(organisation=OrganiserFactory()).user).get(reverse("event_list"))
    assert "secret-2027" not in stranger.text
    assert not stranger.context.get("own_events")


# Drafts ----------------------------------------------------------------------------


@pytest.fixture
def draft(scene) -> Scene:
    Event.objects.filter(pk=scene.event.pk).update(status=Event.Status.DRAFT)
    scene.event.refresh_from_db()
    return scene


@pytest.mark.parametrize("who", ["anonymous", "participant", "other_organiser"])
def test_a_draft_is_404_outside_its_organisers(client, login, draft, exporter_admin, who):
    if who == "participant":
        client = login(exporter_admin)
    elif who == "other_organiser":
        client = login(MembershipFactory(organisation=OrganiserFactory()).user)
    assert client.get(reverse("event_detail", args=[draft.event.slug])).status_code == 404


@pytest.mark.parametrize("name", [*OWN_AGENDA, "event_apply", "event_calendar_feed"])
def test_a_drafts_participant_pages_are_404_even_to_its_participants(
    client, login, draft, exporter_admin, name
):
    if name != "event_calendar_feed":
        client = login(exporter_admin)
    method, url, data = _routes(draft)[name]
    assert _send(client, method, url, data).status_code == 404


@pytest.mark.parametrize("role", [Membership.Role.ADMIN, Membership.Role.MEMBER])
def test_every_member_of_the_organiser_sees_its_draft(login, draft, organiser, role):
    colleague = MembershipFactory(organisation=organiser.membership.organisation, role=role).user
    response = login(colleague).get(reverse("event_detail", args=[draft.event.slug]))
    assert response.status_code == 200
    assert reverse("event_participants", args=[draft.event.slug]) in response.text


# Organisers' pages -----------------------------------------------------------------


def _outsider(who: str, users: dict[str, User]) -> User:
    if who == "other_organiser":
        return MembershipFactory(organisation=OrganiserFactory()).user
    return users[who]


@pytest.mark.parametrize("who", ["exporter_admin", "buyer_admin", "other_exporter_admin", "other_organiser"])
@pytest.mark.parametrize("name", ORGANISER_OF_EVENT)
def test_organiser_pages_are_404_to_anyone_not_running_the_event(
    login, scene, exporter_admin, buyer_admin, other_exporter_admin, who, name
):
    users = {
        "exporter_admin": exporter_admin,
        "buyer_admin": buyer_admin,
        "other_exporter_admin": other_exporter_admin,
    }
    client = login(_outsider(who, users))
    before = _snapshot(scene.event)
    method, url, data = _routes(scene)[name]
    assert _send(client, method, url, data).status_code == 404
    assert _snapshot(scene.event) == before


@pytest.mark.parametrize("name", ORGANISER)
def test_the_events_organisers_open_every_organiser_page(login, scene, organiser, name):
    colleague = MembershipFactory(organisation=organiser.membership.organisation, role=Membership.Role.MEMBER)
    method, url, data = _routes(scene)[name]
    response = _send(login(colleague.user), method, url, data)
    assert response.status_code == (302 if method == "post" else 200)


@pytest.fixture
def elsewhere(join) -> Scene:
    """Another organiser's fair, with its own participant, meeting and run."""
    event = make_fair(slug="almaty-2027")
    exporter = join(event)
    buyer = join(event, kind="buyer")
    meeting = MeetingFactory(event=event, exporter=exporter.organisation, buyer=buyer.organisation)
    run = ScheduleRun.objects.create(event=event)
    return Scene(event, exporter, buyer, join(event, kind="buyer", status="pending"), meeting, run)


@pytest.mark.parametrize(
    "name",
    [
        "event_participant",
        "event_participant_decide",
        "event_participant_check_in",
        "event_meeting",
        "event_schedule_progress",
        "event_schedule_apply",
    ],
)
def test_another_events_objects_are_404_through_this_events_address(login, scene, elsewhere, organiser, name):
    """The organiser runs this fair, not the other: its ids cannot be probed."""
    probe = Scene(
        scene.event, elsewhere.exporter, scene.buyer, elsewhere.pending, elsewhere.meeting, elsewhere.run
    )
    before = _snapshot(elsewhere.event)
    method, url, data = _routes(probe)[name]
    assert _send(login(organiser), method, url, data).status_code == 404
    assert _snapshot(elsewhere.event) == before


# The opportunity list --------------------------------------------------------------


@pytest.fixture
def published(scene) -> Scene:
    Event.objects.filter(pk=scene.event.pk).update(opportunities_published_at=timezone.now())
    scene.event.refresh_from_db()
    return scene


def _visitor(who: str, client, login, users: dict[str, User]):
    if who == "anonymous":
        return client
    return login(_outsider(who, users))


@pytest.mark.parametrize("who", ["anonymous", "exporter_admin", "buyer_admin", "other_organiser"])
@pytest.mark.parametrize("name", OPPORTUNITIES)
def test_anyone_reads_a_published_opportunity_list(
    client, login, published, exporter_admin, buyer_admin, who, name
):
    visitor = _visitor(who, client, login, {"exporter_admin": exporter_admin, "buyer_admin": buyer_admin})
    method, url, data = _routes(published)[name]
    response = _send(visitor, method, url, data)
    assert response.status_code == 200
    assert f"OPP-{published.need.pk}".encode() in response.content


@pytest.mark.parametrize(
    ("who", "name"),
    # Offering asks anonymous visitors to sign in first (tested above).
    [
        (who, name)
        for who in ("anonymous", "exporter_admin", "buyer_admin", "other_organiser")
        for name in (*OPPORTUNITIES, *EXPORTER)
        if who != "anonymous" or name not in EXPORTER
    ],
)
def test_an_unpublished_opportunity_list_is_404_outside_the_events_organisers(
    client, login, scene, exporter_admin, buyer_admin, who, name
):
    visitor = _visitor(who, client, login, {"exporter_admin": exporter_admin, "buyer_admin": buyer_admin})
    before = _snapshot(scene.event)
    method, url, data = _routes(scene)[name]
    assert _send(visitor, method, url, data).status_code == 404
    assert _snapshot(scene.event) == before


@pytest.mark.parametrize("role", [Membership.Role.ADMIN, Membership.Role.MEMBER])
@pytest.mark.parametrize("name", OPPORTUNITIES)
def test_the_events_organisers_preview_the_list_before_it_is_published(login, scene, organiser, role, name):
    colleague = MembershipFactory(organisation=organiser.membership.organisation, role=role).user
    method, url, data = _routes(scene)[name]
    response = _send(login(colleague), method, url, data)
    assert response.status_code == 200
    assert f"OPP-{scene.need.pk}".encode() in response.content


@pytest.mark.parametrize(
    ("who", "name"),
    [("anonymous", name) for name in OPPORTUNITIES]
    + [("exporter_admin", name) for name in (*OPPORTUNITIES, *EXPORTER)],
)
def test_a_drafts_published_list_is_404_outside_its_organisers(
    client, login, published, exporter_admin, who, name
):
    Event.objects.filter(pk=published.event.pk).update(status=Event.Status.DRAFT)
    visitor = client if who == "anonymous" else login(exporter_admin)
    before = _snapshot(published.event)
    method, url, data = _routes(published)[name]
    assert _send(visitor, method, url, data).status_code == 404
    assert _snapshot(published.event) == before


@pytest.mark.parametrize("who", ["buyer_admin", "organiser", "other_organiser"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_only_exporters_offer_lots(login, published, organiser, buyer_admin, who, method):
    user = _outsider(who, {"buyer_admin": buyer_admin, "organiser": organiser})
    before = _snapshot(published.event)
    _method, url, data = _routes(published)["event_opportunity_offer"]
    assert _send(login(user), method, url, data).status_code == 404
    assert _snapshot(published.event) == before


def test_an_opportunity_of_another_event_is_404_through_this_events_address(
    login, published, elsewhere, exporter_admin
):
    need = NeedFactory(buyer=elsewhere.buyer.organisation)
    Event.objects.filter(pk=elsewhere.event.pk).update(opportunities_published_at=timezone.now())
    url = reverse("event_opportunity_offer", args=[published.event.slug, need.pk])
    client = login(exporter_admin)
    assert client.get(url).status_code == 404
    assert client.post(url, {"lot": published.lot.pk}).status_code == 404
    assert not Match.objects.filter(need=need).exists()


def test_another_exporters_lot_is_not_a_choice(login, published, other_exporter_admin):
    LotFactory(exporter=other_exporter_admin.membership.organisation)
    _method, url, data = _routes(published)["event_opportunity_offer"]
    response = login(other_exporter_admin).post(url, data)
    assert response.status_code == 200
    assert "Select a valid choice." in response.text
    assert not Match.objects.exists()


def test_a_need_not_open_or_of_a_buyer_not_approved_is_no_opportunity(login, published, exporter_admin):
    client = login(exporter_admin)
    closed = NeedFactory(buyer=published.buyer.organisation, status=Need.Status.CLOSED)
    waiting = NeedFactory(buyer=published.pending.organisation)
    for need in (closed, waiting):
        url = reverse("event_opportunity_offer", args=[published.event.slug, need.pk])
        assert client.get(url).status_code == 404
    listing = client.get(reverse("event_opportunities", args=[published.event.slug]))
    assert f"OPP-{published.need.pk}" in listing.text
    assert f"OPP-{closed.pk}" not in listing.text
    assert f"OPP-{waiting.pk}" not in listing.text


@pytest.mark.parametrize("fmt", ["pdf", "xls", "json"])
def test_an_unknown_download_format_is_404(client, published, fmt):
    url = reverse("event_opportunities_download", args=[published.event.slug, fmt])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("who", ["exporter_admin", "buyer_admin"])
def test_exporters_and_buyers_cannot_create_events(login, request, method, who):
    client = login(request.getfixturevalue(who))
    response = _send(client, method, reverse("event_create"), _post_event())
    assert response.status_code == 404
    assert not Event.objects.exists()


def test_a_user_without_a_company_cannot_create_events(login, user_without_organisation):
    assert login(user_without_organisation).get(reverse("event_create")).status_code == 404


# Participants' pages ---------------------------------------------------------------


@pytest.mark.parametrize("status", [Participation.Status.PENDING, Participation.Status.REJECTED])
@pytest.mark.parametrize("name", OWN_AGENDA)
def test_a_participant_not_approved_has_no_agenda(login, scene, exporter_admin, status, name):
    Participation.objects.filter(pk=scene.exporter.pk).update(status=status)
    method, url, data = _routes(scene)[name]
    assert _send(login(exporter_admin), method, url, data).status_code == 404
    assert (
        login(exporter_admin)
        .post(reverse("event_availability", args=[scene.event.slug]), {"unavailable": []})
        .status_code
        == 404
    )


@pytest.mark.parametrize("who", ["other_exporter_admin", "organiser"])
@pytest.mark.parametrize("name", OWN_AGENDA)
def test_companies_not_taking_part_have_no_agenda(login, request, scene, who, name):
    method, url, data = _routes(scene)[name]
    assert _send(login(request.getfixturevalue(who)), method, url, data).status_code == 404


def test_a_stranger_cannot_answer_someone_elses_meeting(login, scene, other_exporter_admin, join):
    join(scene.event, other_exporter_admin.membership.organisation)
    before = _snapshot(scene.event)
    for answer in ({"answer": "confirm"}, {"answer": "decline", "reason": "Not mine"}):
        response = login(other_exporter_admin).post(
            reverse("event_meeting_answer", args=[scene.event.slug, scene.meeting.pk]), answer
        )
        assert response.status_code == 404
    assert _snapshot(scene.event) == before


def test_a_meeting_of_another_event_is_404_through_this_events_address(login, scene, elsewhere):
    side = MembershipFactory(organisation=elsewhere.meeting.exporter).user
    response = login(side).post(
        reverse("event_meeting_answer", args=[scene.event.slug, elsewhere.meeting.pk]), {"answer": "confirm"}
    )
    assert response.status_code == 404


def test_answering_is_post_only(login, scene, exporter_admin):
    url = reverse("event_meeting_answer", args=[scene.event.slug, scene.meeting.pk])
    assert login(exporter_admin).get(url).status_code == 405


@pytest.mark.parametrize("who", ["organiser", "other_organiser"])
def test_organisers_cannot_apply(login, scene, organiser, who):
    user = organiser if who == "organiser" else MembershipFactory(organisation=OrganiserFactory()).user
    url = reverse("event_apply", args=[scene.event.slug])
    assert login(user).get(url).status_code == 404
    assert login(user).post(url, {"note": "Us too"}).status_code == 404
    assert not Participation.objects.filter(organisation=user.membership.organisation).exists()


def test_a_user_without_a_company_cannot_apply(login, scene, user_without_organisation):
    assert (
        login(user_without_organisation).get(reverse("event_apply", args=[scene.event.slug])).status_code
        == 404
    )


# The calendar feed -----------------------------------------------------------------


def test_the_feed_with_its_token_needs_no_sign_in(client, scene):
    _method, url, _data = _routes(scene)["event_calendar_feed"]
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "Content-Disposition" not in response
    assert b"BEGIN:VCALENDAR" in response.content


@pytest.mark.parametrize("token", ["wrong", "x" * 32])
def test_the_feed_with_a_wrong_token_is_404(client, scene, token):
    assert client.get(reverse("event_calendar_feed", args=[scene.event.slug, token])).status_code == 404


def test_the_feed_token_works_for_its_own_event_only(client, scene, elsewhere):
    token = elsewhere.exporter.calendar_token
    assert client.get(reverse("event_calendar_feed", args=[scene.event.slug, token])).status_code == 404
    assert client.get(reverse("event_calendar_feed", args=[elsewhere.event.slug, token])).status_code == 200


@pytest.mark.parametrize("status", [Participation.Status.PENDING, Participation.Status.REJECTED])
def test_the_feed_of_a_participant_not_approved_is_404(client, scene, status):
    Participation.objects.filter(pk=scene.exporter.pk).update(status=status)
    _method, url, _data = _routes(scene)["event_calendar_feed"]
    assert client.get(url).status_code == 404


# Setting up an event ---------------------------------------------------------------


def test_an_organiser_creates_an_event_with_sessions_and_tables(login, organiser):
    data = _post_event(
        sessions=(
            ("2027-03-02", "Morning", "09:00", "12:00"),
            ("2027-03-02", "Afternoon", "14:00", "15:00"),
            ("2027-03-03", "Morning", "09:00", "10:00"),
        ),
    )
    response = login(organiser).post(reverse("event_create"), data)

    event = Event.objects.get(slug="kazan-2027")
    assert response.status_code == 302
    assert response.url == reverse("event_detail", args=["kazan-2027"])
    assert event.organiser == organiser.membership.organisation
    assert event.status == Event.Status.DRAFT
    assert list(event.tables.values_list("name", flat=True)) == ["T1", "T2", "T3", "T4"]
    assert event.sessions.count() == 3
    # 6 + 2 + 2 half-hour slots, numbered in time order across the days.
    assert list(event.slots.values_list("number", flat=True)) == list(range(1, 11))
    first = event.slots.get(number=1).starts_at.astimezone(event.zone)
    assert (first.date(), first.hour) == (datetime.date(2027, 3, 2), 9)


def test_the_new_event_form_renders_an_empty_session_row(login, organiser):
    response = login(organiser).get(reverse("event_create"))
    assert response.status_code == 200
    assert 'name="sessions-TOTAL_FORMS"' in response.text
    assert 'name="sessions-0-starts"' in response.text


def test_an_empty_extra_session_row_is_ignored(login, organiser):
    data = _post_event()
    data.update({"sessions-TOTAL_FORMS": "2", "sessions-1-label": "Morning"})
    assert login(organiser).post(reverse("event_create"), data).status_code == 302
    assert Event.objects.get().sessions.count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"tables": "0"}, "Give between 1 and 500 tables."),
        ({"tables": "  "}, "This field is required."),
        ({"tables": "A, B, A"}, "repeated: A"),
        (
            {
                "sessions": (
                    ("2027-03-02", "Morning", "09:00", "12:00"),
                    ("2027-03-02", "Late", "11:00", "13:00"),
                )
            },
            "Sessions Morning and Late on 2027-03-02 overlap.",
        ),
        ({"sessions": (("2027-03-02", "Morning", "12:00", "09:00"),)}, "A session must end after it starts."),
        (
            {"sessions": (("2027-03-02", "Morning", "09:00", "09:10"),)},
            "No session is long enough for one slot.",
        ),
        ({"sessions": ()}, "Add at least one session."),
        ({"slug": "not a slug"}, "Enter a valid “slug”"),
        (
            {"registration_opens_at": "2027-01-10T09:00", "registration_closes_at": "2027-01-01T09:00"},
            "Registration must close after it opens.",
        ),
    ],
)
def test_a_bad_new_event_is_shown_again_with_the_reason_and_nothing_saved(login, organiser, changes, message):
    response = login(organiser).post(reverse("event_create"), _post_event(**changes))
    assert response.status_code == 200
    assert message in response.text
    assert not Event.objects.exists()
    assert not EventSession.objects.exists()
    assert not Slot.objects.exists()
    assert not EventTable.objects.exists()


def test_a_taken_short_name_is_refused_on_the_form(login, organiser, fair):
    response = login(organiser).post(reverse("event_create"), _post_event(slug=fair.slug))
    assert response.status_code == 200
    assert "Another event already uses this short name." in response.text
    assert Event.objects.count() == 1


def test_the_settings_form_shows_the_events_sessions_and_tables(login, organiser, fair):
    response = login(organiser).get(reverse("event_edit", args=[fair.slug]))
    assert response.status_code == 200
    assert 'value="T1, T2, T3, T4"' in response.text or "T1, T2, T3, T4</textarea>" in response.text
    assert 'value="Afternoon"' in response.text


def test_an_organiser_edits_the_event(login, organiser, fair):
    data = _post_event(
        slug=fair.slug, tables="T1, T2, Booth A", sessions=_sessions_of(fair), initial_forms=2, name="Renamed"
    )
    response = login(organiser).post(reverse("event_edit", args=[fair.slug]), data)
    assert response.status_code == 302
    fair.refresh_from_db()
    assert fair.name == "Renamed"
    assert list(fair.tables.values_list("name", flat=True)) == ["T1", "T2", "Booth A"]
    assert fair.slots.count() == 13


def test_a_session_is_removed_with_its_delete_box(login, organiser, fair):
    data = _post_event(
        slug=fair.slug, sessions=_sessions_of(fair), initial_forms=2, **{"sessions-1-DELETE": "on"}
    )
    response = login(organiser).post(reverse("event_edit", args=[fair.slug]), data)
    assert response.status_code == 302
    assert list(fair.sessions.values_list("label", flat=True)) == ["Morning"]
    assert fair.slots.count() == 6


def test_changing_the_time_zone_keeps_the_sessions_wall_clock(login, organiser, fair):
    data = _post_event(
        slug=fair.slug,
        tables="T1, T2, T3, T4",
        sessions=_sessions_of(fair),
        initial_forms=2,
        time_zone="Asia/Tashkent",
    )
    assert login(organiser).post(reverse("event_edit", args=[fair.slug]), data).status_code == 302
    fair.refresh_from_db()
    first = fair.slots.get(number=1).starts_at.astimezone(fair.zone)
    assert (first.hour, first.minute) == (9, 0)


def test_a_bad_edit_leaves_the_event_as_it_was(login, organiser, scene):
    """Booked meetings hold the slots: a new slot length is refused, and the
    refused submission's other changes are not kept either."""
    fair = scene.event
    data = _post_event(
        slug=fair.slug,
        tables="T1, T2, T3, T4",
        sessions=_sessions_of(fair),
        initial_forms=2,
        name="Renamed",
        slot_minutes="20",
    )
    response = login(organiser).post(reverse("event_edit", args=[fair.slug]), data)
    assert response.status_code == 200
    assert "Meetings are already booked into the current slots." in response.text
    fair.refresh_from_db()
    assert (fair.name, fair.slot_minutes, fair.slots.count()) == ("Fair chengdu-2026", 30, 13)


def test_the_organiser_changes_the_status(login, organiser, fair):
    response = login(organiser).post(
        reverse("event_status", args=[fair.slug]), {"status": Event.Status.LIVE}, follow=True
    )
    fair.refresh_from_db()
    assert fair.status == Event.Status.LIVE
    assert "The event is now: Under way." in _messages(response)


# Deciding on participants ----------------------------------------------------------


def _decide(client, scene: Scene, participation: Participation, **data):
    return client.post(
        reverse("event_participant_decide", args=[scene.event.slug, participation.pk]), data, follow=True
    )


def test_the_organiser_approves_an_application(login, organiser, scene):
    response = _decide(login(organiser), scene, scene.pending, decision="approve")
    scene.pending.refresh_from_db()
    assert scene.pending.status == Participation.Status.APPROVED
    assert scene.pending.decided_by == organiser
    assert f"Decision saved for {scene.pending.organisation.name}." in _messages(response)


def test_a_rejection_without_a_reason_is_refused(login, organiser, scene):
    response = _decide(login(organiser), scene, scene.pending, decision="reject", reason="  ")
    assert "Say why the application is rejected." in response.text
    scene.pending.refresh_from_db()
    assert scene.pending.status == Participation.Status.PENDING


def test_a_rejection_with_a_reason_is_saved_and_shown(login, organiser, scene):
    client = login(organiser)
    _decide(client, scene, scene.pending, decision="reject", reason="No export licence")
    scene.pending.refresh_from_db()
    assert scene.pending.status == Participation.Status.REJECTED
    assert "No export licence" in client.get(reverse("event_participants", args=[scene.event.slug])).text


def test_a_company_with_booked_meetings_cannot_be_rejected(login, organiser, scene):
    response = _decide(login(organiser), scene, scene.buyer, decision="reject", reason="Late")
    assert "This company has meetings booked." in response.text
    scene.buyer.refresh_from_db()
    assert scene.buyer.status == Participation.Status.APPROVED


def test_the_decision_returns_to_the_filtered_list(login, organiser, scene):
    url = reverse("event_participants", args=[scene.event.slug]) + "?status=pending"
    response = login(organiser).post(
        reverse("event_participant_decide", args=[scene.event.slug, scene.pending.pk]),
        {"decision": "approve", "next": url},
    )
    assert response.url == url


def test_check_in_toggles(login, organiser, scene):
    # Check-in is taken on the event's days: today is one.
    EventSession.objects.filter(event=scene.event).update(
        date=timezone.localdate(timezone.now(), scene.event.zone)
    )
    client = login(organiser)
    url = reverse("event_participant_check_in", args=[scene.event.slug, scene.exporter.pk])

    response = client.post(url, {"checked_in": "1"}, follow=True)
    scene.exporter.refresh_from_db()
    assert scene.exporter.checked_in_at is not None
    assert f"{scene.exporter.organisation.name} checked in." in _messages(response)
    assert 'name="checked_in" value="0"' in response.text

    client.post(url, {"checked_in": "0"})
    scene.exporter.refresh_from_db()
    assert scene.exporter.checked_in_at is None


def test_a_pending_participant_cannot_check_in(login, organiser, scene):
    url = reverse("event_participant_check_in", args=[scene.event.slug, scene.pending.pk])
    response = login(organiser).post(url, {"checked_in": "1"}, follow=True)
    assert "Only approved participants can check in." in _messages(response)
    scene.pending.refresh_from_db()
    assert scene.pending.checked_in_at is None


def test_the_organiser_adds_a_company_directly(login, organiser, scene):
    company = BuyerFactory(name="Tashkent Motors")
    response = login(organiser).post(
        reverse("event_participants", args=[scene.event.slug]), {"organisation": company.pk}, follow=True
    )
    assert "Tashkent Motors takes part." in _messages(response)
    assert Participation.objects.get(event=scene.event, organisation=company).is_approved


def test_an_organiser_cannot_be_added_as_a_participant(login, organiser, scene):
    other = OrganiserFactory()
    response = login(organiser).post(
        reverse("event_participants", args=[scene.event.slug]), {"organisation": other.pk}
    )
    assert response.status_code == 200
    assert "Select a valid choice." in response.text
    assert not Participation.objects.filter(organisation=other).exists()


def test_the_organiser_gives_an_exporter_its_booth(login, organiser, scene):
    table = scene.event.tables.get(name="T3")
    url = reverse("event_participant", args=[scene.event.slug, scene.exporter.pk])
    response = login(organiser).post(url, {"home_table": table.pk})
    assert response.status_code == 302
    scene.exporter.refresh_from_db()
    assert scene.exporter.home_table == table


def test_a_buyer_gets_no_booth(login, organiser, scene):
    table = scene.event.tables.get(name="T3")
    url = reverse("event_participant", args=[scene.event.slug, scene.buyer.pk])
    response = login(organiser).post(url, {"home_table": table.pk})
    assert response.status_code == 200
    # The page offers no booth form for a buyer; the refusal is on the form all the same.
    assert response.context["home_table_form"].non_field_errors() == ["Only exporters have a booth."]
    scene.buyer.refresh_from_db()
    assert scene.buyer.home_table is None


def test_the_participant_page_shows_its_meetings_and_availability(login, organiser, scene):
    scene.exporter.unavailable_slots.add(scene.event.slots.get(number=4))
    response = login(organiser).get(reverse("event_participant", args=[scene.event.slug, scene.exporter.pk]))
    assert scene.buyer.organisation.name in response.text
    assert "#4 (Tue 15 Dec 10:30)" in response.text


# Meetings --------------------------------------------------------------------------


@pytest.fixture
def rival(scene, other_exporter_admin, join) -> Meeting:
    """A request between another exporter and the scene's buyer."""
    exporter = join(scene.event, other_exporter_admin.membership.organisation).organisation
    return MeetingFactory(event=scene.event, exporter=exporter, buyer=scene.buyer.organisation)


def _manage(client, scene: Scene, meeting: Meeting, **data):
    return client.post(reverse("event_meeting", args=[scene.event.slug, meeting.pk]), data)


def test_moving_into_a_clashing_slot_is_409_and_names_the_clash(login, organiser, scene, rival):
    slot, table = scene.event.slots.get(number=1), scene.event.tables.get(name="T2")
    response = _manage(login(organiser), scene, rival, action="move", slot=slot.pk, table=table.pk)

    assert response.status_code == 409
    assert (
        f"{scene.buyer.organisation.name} already has a meeting in slot 1 "
        f"(with {scene.exporter.organisation.name} at T1)." in response.text
    )
    rival.refresh_from_db()
    assert (rival.state, rival.slot, rival.table) == (Meeting.State.REQUESTED, None, None)


def test_moving_onto_a_taken_table_is_409(login, organiser, scene, join):
    other = MeetingFactory(
        event=scene.event,
        exporter=join(scene.event).organisation,
        buyer=join(scene.event, kind="buyer").organisation,
    )
    slot, table = scene.event.slots.get(number=1), scene.event.tables.get(name="T1")
    response = _manage(login(organiser), scene, other, action="move", slot=slot.pk, table=table.pk)
    assert response.status_code == 409
    assert "T1 is already taken in slot 1" in response.text
    other.refresh_from_db()
    assert other.slot is None


@pytest.mark.parametrize("page", ["current", "stale"])
def test_a_refused_move_reads_as_an_error(login, organiser, scene, rival, page):
    """The clash is in the site's error style, announced to screen readers;
    also when the page posted was opened before the meeting was marked held."""
    if page == "stale":
        Meeting.objects.filter(pk=rival.pk).update(
            state=Meeting.State.HELD, slot=scene.event.slots.get(number=5), table=scene.event.tables.first()
        )
    slot, table = scene.event.slots.get(number=1), scene.event.tables.get(name="T2")
    response = _manage(login(organiser), scene, rival, action="move", slot=slot.pk, table=table.pk)

    assert response.status_code == 409
    alerts = re.findall(r'<div class="form-errors" role="alert">(.*?)</div>', response.text, re.S)
    assert len(alerts) == 1
    assert ("already has a meeting in slot 1" if page == "current" else "can be moved") in alerts[0]


def test_the_error_style_colours_the_message_itself():
    """Pico colours paragraphs itself, so the rule must reach the paragraphs
    inside an error block, or they read as grey body text."""
    css = (settings.BASE_DIR / "static" / "css" / "app.css").read_text()
    rules = re.findall(r"([^{}]+)\{([^}]*)\}", css)
    coloured = {
        selector.strip()
        for selectors, body in rules
        if "color: var(--cb-error)" in body
        for selector in selectors.split(",")
    }
    assert {".form-errors p", "p.error"} <= coloured


def test_moving_into_a_free_slot_books_the_meeting(login, organiser, scene, rival):
    slot, table = scene.event.slots.get(number=2), scene.event.tables.get(name="T2")
    response = _manage(login(organiser), scene, rival, action="move", slot=slot.pk, table=table.pk)
    assert response.status_code == 302
    rival.refresh_from_db()
    assert (rival.state, rival.slot, rival.table) == (Meeting.State.SCHEDULED, slot, table)


def test_a_slot_of_another_event_is_not_a_choice(login, organiser, scene, rival, elsewhere):
    foreign = elsewhere.event.slots.get(number=2)
    response = _manage(
        login(organiser), scene, rival, action="move", slot=foreign.pk, table=scene.event.tables.first().pk
    )
    assert response.status_code == 200
    assert "Select a valid choice." in response.text
    rival.refresh_from_db()
    assert rival.slot is None


def test_cancelling_needs_a_reason(login, organiser, scene):
    client = login(organiser)
    response = _manage(client, scene, scene.meeting, action="cancel", reason="")
    assert response.status_code == 200
    assert "This field is required." in response.text
    scene.meeting.refresh_from_db()
    assert scene.meeting.state == Meeting.State.SCHEDULED

    _manage(client, scene, scene.meeting, action="cancel", reason="Buyer's flight cancelled")
    scene.meeting.refresh_from_db()
    assert (scene.meeting.state, scene.meeting.reason) == (
        Meeting.State.CANCELLED,
        "Buyer's flight cancelled",
    )


@pytest.mark.parametrize(
    ("action", "check"),
    [
        ("unschedule", lambda m: m.state == Meeting.State.REQUESTED and m.slot is None),
        ("pin", lambda m: m.fixed),
        ("held", lambda m: m.state == Meeting.State.HELD),
        ("no_show", lambda m: m.state == Meeting.State.NO_SHOW),
    ],
)
def test_the_organisers_other_meeting_actions(login, organiser, scene, action, check):
    # Held and no-show are taken once the meeting has started.
    starts = timezone.now() - datetime.timedelta(minutes=5)
    Slot.objects.filter(pk=scene.meeting.slot_id).update(
        starts_at=starts, ends_at=starts + datetime.timedelta(minutes=30)
    )
    response = _manage(login(organiser), scene, scene.meeting, action=action)
    assert response.status_code == 302
    scene.meeting.refresh_from_db()
    assert check(scene.meeting)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "move", "slot": 2, "table": "T2"}, "Only requested or scheduled meetings can be moved."),
        ({"action": "cancel", "reason": "Too late"}, "This meeting can no longer be cancelled."),
    ],
)
def test_a_form_posted_from_a_stale_page_says_why_it_was_refused(login, organiser, scene, data, message):
    """Another organiser marked the meeting held meanwhile; the page no longer
    shows the form that was posted, but its refusal is shown all the same."""
    Meeting.objects.filter(pk=scene.meeting.pk).update(state=Meeting.State.HELD)
    if "slot" in data:
        data = {
            **data,
            "slot": scene.event.slots.get(number=data["slot"]).pk,
            "table": scene.event.tables.get(name=data["table"]).pk,
        }
    response = _manage(login(organiser), scene, scene.meeting, **data)
    assert response.status_code == 409
    assert message in response.text
    scene.meeting.refresh_from_db()
    assert (scene.meeting.state, scene.meeting.slot.number) == (Meeting.State.HELD, 1)


def test_an_unknown_meeting_action_is_404(login, organiser, scene):
    assert _manage(login(organiser), scene, scene.meeting, action="delete").status_code == 404
    assert Meeting.objects.filter(pk=scene.meeting.pk).exists()


def test_a_refused_action_without_a_form_comes_back_as_a_message(login, organiser, scene, rival):
    response = login(organiser).post(
        reverse("event_meeting", args=[scene.event.slug, rival.pk]), {"action": "held"}, follow=True
    )
    assert "Only a meeting on the agenda can be marked held or missed." in _messages(response)


def test_the_organiser_adds_a_meeting(login, organiser, scene, join):
    buyer = join(scene.event, kind="buyer").organisation
    response = login(organiser).post(
        reverse("event_meetings", args=[scene.event.slug]),
        {"action": "add", "exporter": scene.exporter.organisation_id, "buyer": buyer.pk, "priority": 3},
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get(event=scene.event, buyer=buyer)
    assert (meeting.origin, meeting.priority, meeting.state) == (
        Meeting.Origin.ORGANISER,
        3,
        Meeting.State.REQUESTED,
    )


def test_a_second_live_meeting_for_a_pair_is_refused(login, organiser, scene):
    response = login(organiser).post(
        reverse("event_meetings", args=[scene.event.slug]),
        {"exporter": scene.exporter.organisation_id, "buyer": scene.buyer.organisation_id, "priority": 1},
    )
    assert response.status_code == 200
    assert "These two companies already have a meeting at this event." in response.text
    assert Meeting.objects.filter(event=scene.event).count() == 1


def test_meetings_are_requested_from_mutual_interest(login, organiser, scene):
    MatchFactory(
        lot=LotFactory(exporter=scene.exporter.organisation),
        need=NeedFactory(buyer=scene.pending.organisation),
        state="mutual",
        exporter_interest="yes",
        buyer_interest="yes",
    )
    Participation.objects.filter(pk=scene.pending.pk).update(status=Participation.Status.APPROVED)
    response = login(organiser).post(
        reverse("event_meetings", args=[scene.event.slug]), {"action": "from_matches"}, follow=True
    )
    assert "1 meeting requested from mutual interest." in _messages(response)
    assert Meeting.objects.filter(event=scene.event, buyer=scene.pending.organisation).exists()


def test_the_meeting_list_filters_by_state(login, organiser, scene, rival):
    client = login(organiser)
    url = reverse("event_meetings", args=[scene.event.slug])
    assert list(client.get(url).context["meetings"]) == [scene.meeting, rival]
    assert list(client.get(url, {"state": "requested"}).context["meetings"]) == [rival]


# Each side's answers ---------------------------------------------------------------


def _answer(client, scene: Scene, **data):
    agenda = reverse("event_agenda", args=[scene.event.slug])
    return client.post(
        reverse("event_meeting_answer", args=[scene.event.slug, scene.meeting.pk]),
        {"next": agenda, **data},
        follow=True,
    )


def test_both_sides_confirm_from_their_agendas(login, scene, exporter_admin, buyer_admin):
    response = _answer(login(exporter_admin), scene, answer="confirm")
    assert response.redirect_chain == [(reverse("event_agenda", args=[scene.event.slug]), 302)]
    assert "Meeting confirmed." in _messages(response)
    assert "You confirmed; waiting for the other side." in response.text
    scene.meeting.refresh_from_db()
    assert scene.meeting.exporter_confirmed_at is not None
    assert scene.meeting.state == Meeting.State.SCHEDULED

    _answer(login(buyer_admin), scene, answer="confirm")
    scene.meeting.refresh_from_db()
    assert (scene.meeting.state, scene.meeting.fixed) == (Meeting.State.CONFIRMED, True)


def test_declining_without_a_reason_is_refused(login, scene, buyer_admin):
    response = _answer(login(buyer_admin), scene, answer="decline", reason=" ")
    assert "Say why you decline, so the other side understands." in _messages(response)
    scene.meeting.refresh_from_db()
    assert scene.meeting.state == Meeting.State.SCHEDULED


def test_a_side_declines_with_a_reason(login, scene, buyer_admin):
    response = _answer(login(buyer_admin), scene, answer="decline", reason="Bought elsewhere")
    assert "Meeting declined; the other side has been told." in _messages(response)
    scene.meeting.refresh_from_db()
    assert (scene.meeting.state, scene.meeting.reason) == (Meeting.State.DECLINED, "Bought elsewhere")
    assert "Bought elsewhere" in response.text


def test_a_requested_meeting_cannot_be_confirmed(login, scene, exporter_admin):
    Meeting.objects.filter(pk=scene.meeting.pk).update(state=Meeting.State.REQUESTED, slot=None, table=None)
    response = _answer(login(exporter_admin), scene, answer="confirm")
    assert "Only a scheduled meeting can be confirmed." in _messages(response)


def test_the_answer_never_redirects_off_the_site(login, scene, exporter_admin):
    response = login(exporter_admin).post(
        reverse("event_meeting_answer", args=[scene.event.slug, scene.meeting.pk]),
        {"answer": "confirm", "next": "https://evil.example/"},
    )
    assert response.url == reverse("event_agenda", args=[scene.event.slug])


# The participant's agenda ----------------------------------------------------------


def test_the_agenda_shows_only_the_participants_own_meetings(login, scene, exporter_admin, join, elsewhere):
    others = MeetingFactory(
        event=scene.event,
        exporter=join(scene.event, ExporterFactory(name="Henan Cars")).organisation,
        buyer=join(scene.event, BuyerFactory(name="Bishkek Auto")).organisation,
    )
    meeting_move(
        meeting=others, slot=scene.event.slots.get(number=1), table=scene.event.tables.get(name="T2")
    )
    MeetingFactory(
        event=elsewhere.event, exporter=scene.exporter.organisation, buyer=BuyerFactory(name="Osh Trade")
    )

    response = login(exporter_admin).get(reverse("event_agenda", args=[scene.event.slug]))

    assert response.status_code == 200
    assert [m.pk for m in response.context["booked"]] == [scene.meeting.pk]
    assert scene.buyer.organisation.name in response.text
    for stranger in ("Henan Cars", "Bishkek Auto", "Osh Trade"):
        assert stranger not in response.text
    assert scene.exporter.calendar_token in response.text


def test_the_agenda_shows_times_in_the_events_own_zone(login, organiser, exporter_admin, buyer_admin, join):
    """The server runs on Chinese time; a fair in Tashkent shows Tashkent's clock."""
    event = event_save(
        organiser=organiser.membership.organisation,
        data={
            "name": "Tashkent Fair",
            "slug": "tashkent",
            "city": "Tashkent",
            "time_zone": "Asia/Tashkent",
            "status": "open",
        },
        sessions=[SessionSpec(FAIR_DAY, "Morning", datetime.time(9, 0), datetime.time(10, 0))],
        table_names=["T1"],
    )
    exporter = join(event, exporter_admin.membership.organisation).organisation
    buyer = join(event, buyer_admin.membership.organisation).organisation
    meeting_move(
        meeting=MeetingFactory(event=event, exporter=exporter, buyer=buyer),
        slot=event.slots.get(number=1),
        table=event.tables.get(),
    )
    agenda = login(exporter_admin).get(reverse("event_agenda", args=[event.slug])).text
    assert "09:00–09:30" in agenda
    grid = login(organiser).get(reverse("event_grid", args=[event.slug])).text
    assert "09:00" in grid
    assert "12:00" not in grid
    sheets = login(organiser).get(reverse("event_table_sheets", args=[event.slug])).text
    assert "09:00–09:30" in sheets


def test_the_agenda_lists_waiting_and_closed_meetings(login, scene, exporter_admin, join):
    waiting = MeetingFactory(
        event=scene.event,
        exporter=scene.exporter.organisation,
        buyer=join(scene.event, BuyerFactory(name="Late Buyer")).organisation,
    )
    closed = MeetingFactory(
        event=scene.event,
        exporter=scene.exporter.organisation,
        buyer=join(scene.event, BuyerFactory(name="Gone Buyer")).organisation,
        state=Meeting.State.CANCELLED,
        reason="Visa refused",
    )
    response = login(exporter_admin).get(reverse("event_agenda", args=[scene.event.slug]))
    assert response.context["waiting"] == [waiting]
    assert response.context["closed"] == [closed]
    assert "Late Buyer" in response.text
    assert "Visa refused" in response.text


def test_the_agenda_downloads_as_a_calendar_file(login, scene, exporter_admin):
    response = login(exporter_admin).get(reverse("event_agenda_ics", args=[scene.event.slug]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"] == f'attachment; filename="{scene.event.slug}-agenda.ics"'


def test_the_participant_saves_its_availability(login, scene, exporter_admin):
    slots = list(scene.event.slots.filter(number__in=[3, 4]))
    client = login(exporter_admin)
    url = reverse("event_availability", args=[scene.event.slug])

    form = client.get(url)
    assert form.status_code == 200
    assert "#3 · " in form.text

    response = client.post(url, {"unavailable": [slot.pk for slot in slots]})
    assert response.status_code == 302
    assert response.url == reverse("event_agenda", args=[scene.event.slug])
    assert set(scene.exporter.unavailable_slots.all()) == set(slots)
    assert "checked" in client.get(url).text


def test_a_slot_holding_a_meeting_cannot_be_marked_unavailable(login, scene, exporter_admin):
    url = reverse("event_availability", args=[scene.event.slug])
    response = login(exporter_admin).post(url, {"unavailable": [scene.meeting.slot_id]})
    assert response.status_code == 200
    assert "You have meetings in slots 1. Ask the organisers to move them first." in response.text
    assert not scene.exporter.unavailable_slots.exists()


def test_a_slot_of_another_event_cannot_be_marked_unavailable(login, scene, exporter_admin, elsewhere):
    url = reverse("event_availability", args=[scene.event.slug])
    response = login(exporter_admin).post(url, {"unavailable": [elsewhere.event.slots.first().pk]})
    assert response.status_code == 200
    assert not scene.exporter.unavailable_slots.exists()


# Applying --------------------------------------------------------------------------


def test_a_company_applies_and_waits_for_the_decision(login, fair, other_exporter_admin):
    client = login(other_exporter_admin)
    detail = client.get(reverse("event_detail", args=[fair.slug]))
    assert reverse("event_apply", args=[fair.slug]) in detail.text

    response = client.post(reverse("event_apply", args=[fair.slug]), {"note": "Forty SUVs"}, follow=True)

    participation = Participation.objects.get(
        event=fair, organisation=other_exporter_admin.membership.organisation
    )
    assert (participation.status, participation.note) == (Participation.Status.PENDING, "Forty SUVs")
    assert response.redirect_chain == [(reverse("event_detail", args=[fair.slug]), 302)]
    assert "Your application is waiting for the organisers' decision." in response.text.replace("&#x27;", "'")


def test_applying_twice_is_refused_on_the_form(login, fair, other_exporter_admin):
    client = login(other_exporter_admin)
    client.post(reverse("event_apply", args=[fair.slug]), {"note": ""})
    response = client.post(reverse("event_apply", args=[fair.slug]), {"note": ""})
    assert response.status_code == 200
    assert "Your company has already applied to this event." in response.text
    assert Participation.objects.filter(event=fair).count() == 1


def test_applying_while_registration_is_closed_is_refused(login, fair, other_exporter_admin):
    Event.objects.filter(pk=fair.pk).update(status=Event.Status.SCHEDULED)
    response = login(other_exporter_admin).post(reverse("event_apply", args=[fair.slug]), {"note": ""})
    assert response.status_code == 200
    assert "Registration for this event is not open." in response.text
    assert not Participation.objects.exists()


# Scheduling ------------------------------------------------------------------------


def test_the_organiser_starts_a_scheduling_run(
    login, organiser, scene, rival, django_capture_on_commit_callbacks
):
    client = login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("event_schedule", args=[scene.event.slug]), {"time_limit": 2})

    assert response.status_code == 302
    run = ScheduleRun.objects.filter(event=scene.event).latest("pk")
    assert run.started_by == organiser
    assert run.time_limit == 2.0
    # Celery is eager in tests: the run is done by the time the page reloads.
    assert run.status == ScheduleRun.Status.FINISHED, run.error
    assert run.stats["requested"] == 2
    rival.refresh_from_db()
    assert rival.state == Meeting.State.SCHEDULED
    page = client.get(reverse("event_schedule", args=[scene.event.slug]))
    assert "Meetings on the agenda" in page.text


def test_a_second_run_is_refused_while_one_is_under_way(login, organiser, scene):
    ScheduleRun.objects.create(event=scene.event, status=ScheduleRun.Status.RUNNING)
    response = login(organiser).post(reverse("event_schedule", args=[scene.event.slug]), {"time_limit": 2})
    assert response.status_code == 200
    assert "A scheduling run is already under way for this event." in response.text
    assert ScheduleRun.objects.filter(event=scene.event).count() == 2


@pytest.mark.parametrize("limit", ["0", "500", "soon"])
def test_a_bad_time_limit_is_refused(login, organiser, scene, limit):
    response = login(organiser).post(
        reverse("event_schedule", args=[scene.event.slug]), {"time_limit": limit}
    )
    assert response.status_code == 200
    assert ScheduleRun.objects.filter(event=scene.event).count() == 1


def test_the_progress_reloads_the_page_once_the_run_is_done(login, organiser, scene):
    url = reverse("event_schedule_progress", args=[scene.event.slug, scene.run.pk])
    client = login(organiser)
    assert client.get(url, headers={"HX-Request": "true"}).headers["HX-Refresh"] == "true"
    ScheduleRun.objects.filter(pk=scene.run.pk).update(status=ScheduleRun.Status.RUNNING, progress_pct=40)
    partial = client.get(url, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert 'value="40"' in partial.text
    assert "hx-get" in partial.text


# Printouts -------------------------------------------------------------------------


@pytest.fixture
def booth(scene) -> Participation:
    Participation.objects.filter(pk=scene.exporter.pk).update(home_table=scene.event.tables.get(name="T1"))
    return scene.exporter


def test_the_grid_names_both_sides_and_links_the_meeting(login, organiser, scene):
    response = login(organiser).get(reverse("event_grid", args=[scene.event.slug]))
    assert response.status_code == 200
    assert scene.exporter.organisation.name in response.text
    assert scene.buyer.organisation.name in response.text
    assert reverse("event_meeting", args=[scene.event.slug, scene.meeting.pk]) in response.text
    row = response.context["rows"][0]
    assert row.cells == [scene.meeting, None, None, None]


def test_the_table_sheet_lists_its_meetings_with_both_sides(login, organiser, scene):
    response = login(organiser).get(reverse("event_table_sheets", args=[scene.event.slug]))
    assert response.status_code == 200
    table, meetings, _exhibitors = response.context["tables"][1]
    assert (table.name, meetings) == ("T2", [])
    table, meetings, _exhibitors = response.context["tables"][0]
    assert (table.name, meetings) == ("T1", [scene.meeting])
    assert scene.exporter.organisation.name in response.text
    assert scene.buyer.organisation.name in response.text
    assert "09:00–09:30" in response.text


@pytest.mark.parametrize("name", ["event_table_signs", "event_table_sheets"])
def test_signs_and_sheets_show_each_booths_exporter(login, organiser, scene, booth, name):
    response = login(organiser).get(reverse(name, args=[scene.event.slug]))
    assert response.status_code == 200
    for table in ("T1", "T2", "T3", "T4"):
        assert table in response.text
    assert booth.organisation.name in response.text


@pytest.mark.parametrize("name", ["event_table_signs", "event_table_sheets"])
def test_a_shared_booth_shows_both_exporters_and_a_rejected_one_none(login, organiser, scene, join, name):
    t2 = scene.event.tables.get(name="T2")
    join(scene.event, ExporterFactory(name="Henan Cars"), home_table=t2)
    join(scene.event, ExporterFactory(name="Hubei Trucks"), home_table=t2)
    join(
        scene.event, ExporterFactory(name="Gone Exports"), home_table=t2, status=Participation.Status.REJECTED
    )
    response = login(organiser).get(reverse(name, args=[scene.event.slug]))
    assert response.context["tables"][1][2] == [
        Organisation.objects.get(name="Henan Cars"),
        Organisation.objects.get(name="Hubei Trucks"),
    ]
    assert "Henan Cars" in response.text
    assert "Hubei Trucks" in response.text
    assert "Gone Exports" not in response.text


# Queries ---------------------------------------------------------------------------
#
# Each page is asked for with few rows and with ten times as many; the same
# literal bound holds for both, so no page runs a query per row.


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

    sessions = _sessions_of(crowd.event)
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
            _post_event(tables=str(crowd.rows), sessions=new_sessions),
        ),
        "edit": ("organiser", "get", url("event_edit"), {}),
        "edit/post": (
            "organiser",
            "post",
            url("event_edit"),
            _post_event(
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


# Measured + 1. A signed-in page on an event starts with savepoint, session,
# user, event and membership and ends with the release (6); posts that save an
# event add the model's constraint checks, each in its own savepoint.
QUERY_BOUNDS = {
    "list/anonymous": 5,
    "list/organiser": 9,
    "detail/anonymous": 8,
    "detail/participant": 12,
    "detail/organiser": 12,
    "apply": 7,
    "apply/post": 10,
    "availability": 11,
    "availability/post": 14,
    "agenda": 9,
    "agenda.ics": 9,
    "feed": 5,
    "answer/post": 12,
    "outcome/post": 12,
    "opportunities/anonymous": 8,
    "opportunities/filtered": 8,
    "opportunities/exporter": 11,
    "opportunities/organiser": 11,
    "opportunities.csv": 7,
    "opportunities.xlsx": 7,
    "offer": 11,
    "offer/post": 26,
    "publish/post": 11,
    "create": 6,
    "create/post": 31,
    "edit": 9,
    "edit/post": 30,
    "status/post": 16,
    "status/confirm": 15,
    "participants": 11,
    "participants/post": 22,
    "participant": 14,
    "participant/post": 10,
    "decide/post": 16,
    "check_in/post": 14,
    "meetings": 12,
    "meetings/post": 10,
    "meeting": 10,
    "meeting/post": 18,
    "schedule": 9,
    "schedule/post": 14,
    "progress": 8,
    "schedule_apply/post": 18,
    "grid": 11,
    "table_signs": 10,
    "table_sheets": 10,
}


# Posts answered with a page that asks for confirmation first.
ASKS_FIRST = {"status/confirm"}


def test_every_view_has_a_query_bound(organiser, exporter_admin, buyer_admin):
    crowd = _crowd(1, organiser, exporter_admin, buyer_admin)
    cases = _crowd_cases(crowd)
    assert set(cases) == set(QUERY_BOUNDS)
    measured = {resolve(urlsplit(url).path).url_name for _who, _method, url, _data in cases.values()}
    assert measured == {pattern.name for pattern in event_urls.urlpatterns}


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize(("case", "bound"), QUERY_BOUNDS.items())
def test_queries_do_not_grow_with_rows(
    login, client, organiser, exporter_admin, buyer_admin, case, bound, rows, django_assert_max_num_queries
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

    with django_assert_max_num_queries(bound):
        response = _send(client, method, url, data)

    assert response.status_code == (302 if method == "post" and case not in ASKS_FIRST else 200), (
        response.content[:2000]
    )
    if method == "post" and case not in ASKS_FIRST:
        assert not [m for m in client.get(response.url).context["messages"] if m.level_tag == "error"]
