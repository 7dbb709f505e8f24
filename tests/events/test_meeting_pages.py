"""Meetings as organisers manage them (move, cancel, pin, mark held, add,
request from mutual interest) and as each side answers them."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from events.models import Meeting, Participation, Slot
from tests.events.conftest import Scene, messages_of
from tests.factories import LotFactory, MatchFactory, MeetingFactory, NeedFactory

pytestmark = pytest.mark.django_db


# Meetings --------------------------------------------------------------------------


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
    assert "Only a meeting on the agenda can be marked held or missed." in messages_of(response)


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
    assert "1 meeting requested from mutual interest." in messages_of(response)
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
    assert "Meeting confirmed." in messages_of(response)
    assert "You confirmed; waiting for the other side." in response.text
    scene.meeting.refresh_from_db()
    assert scene.meeting.exporter_confirmed_at is not None
    assert scene.meeting.state == Meeting.State.SCHEDULED

    _answer(login(buyer_admin), scene, answer="confirm")
    scene.meeting.refresh_from_db()
    assert (scene.meeting.state, scene.meeting.fixed) == (Meeting.State.CONFIRMED, True)


def test_declining_without_a_reason_is_refused(login, scene, buyer_admin):
    response = _answer(login(buyer_admin), scene, answer="decline", reason=" ")
    assert "Say why you decline, so the other side understands." in messages_of(response)
    scene.meeting.refresh_from_db()
    assert scene.meeting.state == Meeting.State.SCHEDULED


def test_a_side_declines_with_a_reason(login, scene, buyer_admin):
    response = _answer(login(buyer_admin), scene, answer="decline", reason="Bought elsewhere")
    assert "Meeting declined; the other side has been told." in messages_of(response)
    scene.meeting.refresh_from_db()
    assert (scene.meeting.state, scene.meeting.reason) == (Meeting.State.DECLINED, "Bought elsewhere")
    assert "Bought elsewhere" in response.text


def test_a_requested_meeting_cannot_be_confirmed(login, scene, exporter_admin):
    Meeting.objects.filter(pk=scene.meeting.pk).update(state=Meeting.State.REQUESTED, slot=None, table=None)
    response = _answer(login(exporter_admin), scene, answer="confirm")
    assert "Only a scheduled meeting can be confirmed." in messages_of(response)


def test_the_answer_never_redirects_off_the_site(login, scene, exporter_admin):
    response = login(exporter_admin).post(
        reverse("event_meeting_answer", args=[scene.event.slug, scene.meeting.pk]),
        {"answer": "confirm", "next": "https://evil.example/"},
    )
    assert response.url == reverse("event_agenda", args=[scene.event.slug])
