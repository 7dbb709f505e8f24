"""Who may open each event page: everyone outside a page's audience gets 404,
as if it did not exist, and a refused request changes nothing. The table of
every event URL lives here, checked against the URLconf."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, User
from events import urls as event_urls
from events.check_in_codes import check_in_token, expiry_day
from events.models import Event, Meeting, Participation, ScheduleRun
from matchmaking.models import Match, Need
from tests.events.conftest import Scene, event_form_data, make_fair, send
from tests.factories import LotFactory, MembershipFactory, NeedFactory, OrganiserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")


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
        "event_check_in_scan": (
            "post",
            reverse(
                "event_check_in_scan", args=[slug, check_in_token(scene.exporter, expiry_day(scene.event))]
            ),
            {"reason": "Arrived for the exhibitor briefing"},
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
    "event_check_in_scan",
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
    response = send(client, method, url, data)
    assert response.status_code == 200
    assert scene.event.name in response.text


@pytest.mark.parametrize("name", PRIVATE)
def test_anonymous_visitors_are_sent_to_sign_in(client, scene, name):
    before = _snapshot(scene.event)
    method, url, data = _routes(scene)[name]
    response = send(client, method, url, data)
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
    assert send(client, method, url, data).status_code == 404


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
    assert send(client, method, url, data).status_code == 404
    assert _snapshot(scene.event) == before


@pytest.mark.parametrize("name", ORGANISER)
def test_the_events_organisers_open_every_organiser_page(login, scene, organiser, name):
    colleague = MembershipFactory(organisation=organiser.membership.organisation, role=Membership.Role.MEMBER)
    method, url, data = _routes(scene)[name]
    response = send(login(colleague.user), method, url, data)
    assert response.status_code == (302 if method == "post" else 200)


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
    assert send(login(organiser), method, url, data).status_code == 404
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
    response = send(visitor, method, url, data)
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
    assert send(visitor, method, url, data).status_code == 404
    assert _snapshot(scene.event) == before


@pytest.mark.parametrize("role", [Membership.Role.ADMIN, Membership.Role.MEMBER])
@pytest.mark.parametrize("name", OPPORTUNITIES)
def test_the_events_organisers_preview_the_list_before_it_is_published(login, scene, organiser, role, name):
    colleague = MembershipFactory(organisation=organiser.membership.organisation, role=role).user
    method, url, data = _routes(scene)[name]
    response = send(login(colleague), method, url, data)
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
    assert send(visitor, method, url, data).status_code == 404
    assert _snapshot(published.event) == before


@pytest.mark.parametrize("who", ["buyer_admin", "organiser", "other_organiser"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_only_exporters_offer_lots(login, published, organiser, buyer_admin, who, method):
    user = _outsider(who, {"buyer_admin": buyer_admin, "organiser": organiser})
    before = _snapshot(published.event)
    _method, url, data = _routes(published)["event_opportunity_offer"]
    assert send(login(user), method, url, data).status_code == 404
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
    response = send(client, method, reverse("event_create"), event_form_data())
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
    assert send(login(exporter_admin), method, url, data).status_code == 404
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
    assert send(login(request.getfixturevalue(who)), method, url, data).status_code == 404


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
