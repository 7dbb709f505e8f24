"""Rescheduling a published agenda: participants know their times, so a run
only places what waits for a place unless the organiser allows moving, and
shows what it would change, and who would be emailed, before anything does."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Organisation
from events.models import Event, Meeting, Participation, ScheduleRun
from events.services import meetings as meeting_services
from events.services.events import event_save
from events.services.scheduling import schedule_run_apply, schedule_run_execute, schedule_run_start
from matchmaking.services.matches import match_express_interest
from tests.events.conftest import AFTERNOON, MORNING, agenda_places, make_company
from tests.factories import (
    BuyerFactory,
    ExporterFactory,
    LotFactory,
    MatchFactory,
    NeedFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def apply(organiser, django_capture_on_commit_callbacks):
    def _apply(run: ScheduleRun) -> ScheduleRun:
        with django_capture_on_commit_callbacks(execute=True):
            return schedule_run_apply(run=run, by=organiser)

    return _apply


@pytest.fixture
def published(fair, fair_with_requests, schedule, set_status, mailoutbox) -> list[Meeting]:
    """Scheduled, then published with everyone emailed; afterwards the
    organiser moved one meeting by hand to the day's last slot, a place a
    fresh run would not choose (its sides were told)."""
    run = schedule(fair)
    assert not run.preview
    set_status(fair, Event.Status.SCHEDULED)
    first = Meeting.objects.get(pk=fair_with_requests[0].pk)
    late = fair.slots.order_by("-number").first()
    free_table = fair.tables.exclude(meetings__slot=late).first()
    fair.refresh_from_db()
    meeting_services.meeting_move(meeting=first, slot=late, table=free_table, reason="Flight lands late")
    mailoutbox.clear()
    return fair_with_requests


# Rescheduling a published agenda ------------------------------------------------------


def test_a_rerun_with_nothing_new_moves_no_meeting_and_emails_nobody(
    fair, published, schedule, apply, mailoutbox
):
    before = agenda_places(fair)

    run = schedule(fair)

    assert agenda_places(fair) == before
    assert mailoutbox == []
    assert run.preview
    assert run.proposal["changes"] == []
    apply(run)
    assert agenda_places(fair) == before
    assert mailoutbox == []


def test_a_pair_that_turns_mutual_after_publication_is_the_only_meeting_placed(
    fair, published, schedule, apply, mailoutbox, django_capture_on_commit_callbacks
):
    exporter = make_company(ExporterFactory, "Latecomer Exports", "zh-hans")
    buyer = make_company(BuyerFactory, "Tashkent Motors", "ru")
    for organisation in (exporter, buyer):
        Participation.objects.create(
            event=fair, organisation=organisation, status=Participation.Status.APPROVED
        )
    match = MatchFactory(lot=LotFactory(exporter=exporter), need=NeedFactory(buyer=buyer))
    with django_capture_on_commit_callbacks(execute=True):
        match_express_interest(match=match, organisation=exporter, interest="yes")
        match_express_interest(match=match, organisation=buyer, interest="yes")
    newcomer = Meeting.objects.get(event=fair, exporter=exporter, buyer=buyer)
    before = agenda_places(fair)
    mailoutbox.clear()

    run = schedule(fair)

    assert agenda_places(fair) == before
    assert [change[:2] for change in run.proposal["changes"]] == [[newcomer.pk, "placed"]]
    apply(run)
    after = agenda_places(fair)
    assert after.pop(newcomer.pk)[0] == Meeting.State.SCHEDULED
    del before[newcomer.pk]
    assert after == before
    assert sorted(message.to[0] for message in mailoutbox) == [
        "latecomer@example.com",
        "tashkent@example.com",
    ]


def test_moving_published_meetings_is_shown_first_and_applied_once(
    fair, published, schedule, apply, mailoutbox
):
    before = agenda_places(fair)

    run = schedule(fair, allow_moving=True)

    assert agenda_places(fair) == before
    assert mailoutbox == []
    moved = [change[0] for change in run.proposal["changes"] if change[1] == "moved"]
    assert moved
    assert run.stats["moved"] == len(moved)
    apply(run)
    after = agenda_places(fair)
    assert {pk for pk in after if after[pk] != before[pk]} == set(moved)
    assert all(after[pk][0] == Meeting.State.SCHEDULED for pk in moved)
    told = {message.to[0] for message in mailoutbox}
    sides = Meeting.objects.filter(pk__in=moved).values_list(
        "exporter__memberships__user__email", "buyer__memberships__user__email"
    )
    assert told == {email for pair in sides for email in pair}
    assert len(mailoutbox) == 2 * len(moved)

    sent = len(mailoutbox)
    with pytest.raises(ValidationError, match="already been applied"):
        apply(run)
    assert len(mailoutbox) == sent
    assert agenda_places(fair) == after


def test_confirmed_and_pinned_meetings_stay_even_when_moving_is_allowed(fair, published, schedule):
    first, second = (Meeting.objects.get(pk=m.pk) for m in published[1:3])
    meeting_services.meeting_confirm(meeting=first, organisation=first.exporter)
    meeting_services.meeting_confirm(meeting=first, organisation=first.buyer)
    meeting_services.meeting_set_fixed(meeting=second, fixed=True)

    run = schedule(fair, allow_moving=True)

    assert {first.pk, second.pk}.isdisjoint(change[0] for change in run.proposal["changes"])


def test_a_preview_is_refused_once_the_agenda_changed(fair, published, schedule, apply, mailoutbox):
    newcomer = meeting_services.meeting_add(
        event=fair, exporter=published[0].exporter, buyer=Organisation.objects.get(name="Idle Trading")
    )
    run = schedule(fair)
    assert [change[0] for change in run.proposal["changes"]] == [newcomer.pk]
    declined = Meeting.objects.get(pk=published[1].pk)
    meeting_services.meeting_decline(meeting=declined, organisation=declined.buyer, reason="Bought elsewhere")
    before = agenda_places(fair)
    mailoutbox.clear()

    with pytest.raises(ValidationError, match="agenda has changed since this preview"):
        apply(run)

    assert agenda_places(fair) == before
    assert mailoutbox == []
    run.refresh_from_db()
    assert run.applied_at is None


def test_before_publication_a_run_writes_the_agenda_at_once_and_emails_nobody(
    fair, fair_with_requests, schedule, mailoutbox
):
    run = schedule(fair)
    assert not run.preview
    assert run.applied_at is None
    assert Meeting.objects.filter(event=fair, state=Meeting.State.SCHEDULED).count() == 6
    assert mailoutbox == []


# The scheduling page ------------------------------------------------------------


def test_the_schedule_page_previews_a_rerun_and_applies_it(
    login, organiser, fair, published, mailoutbox, django_capture_on_commit_callbacks
):
    newcomer = meeting_services.meeting_add(
        event=fair, exporter=published[0].exporter, buyer=Organisation.objects.get(name="Idle Trading")
    )
    client = login(organiser)
    url = reverse("event_schedule", args=[fair.slug])
    form = client.get(url)
    assert "Allow moving published meetings" in form.text
    assert "Work out the changes" in form.text

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"time_limit": 1})
    page = client.get(url)

    newcomer.refresh_from_db()
    assert newcomer.state == Meeting.State.REQUESTED
    assert "place 1 meeting that is waiting for a place" in page.text
    assert "leave every other published meeting where it is" in page.text
    told = "about their changed meetings: <bdi>Exporter0 Auto</bdi>, <bdi>Idle Trading</bdi>."
    assert f"email 2 participants {told}" in page.text
    run = page.context["run"]
    apply_url = reverse("event_schedule_apply", args=[fair.slug, run.pk])
    assert apply_url in page.text
    with django_capture_on_commit_callbacks(execute=True):
        client.post(apply_url)
        again = client.post(apply_url, follow=True)
    newcomer.refresh_from_db()
    assert newcomer.state == Meeting.State.SCHEDULED
    assert "already been applied" in again.text
    assert sorted(message.to[0] for message in mailoutbox) == ["exporter0@example.com", "idle@example.com"]
    assert "Changes applied" in again.text


def test_a_rerun_with_nothing_to_change_says_so_and_offers_nothing_to_apply(
    login, organiser, fair, published, schedule
):
    run = schedule(fair)
    page = login(organiser).get(reverse("event_schedule", args=[fair.slug]))
    assert "Nothing would change" in page.text
    assert "Nobody would be emailed." in page.text
    assert reverse("event_schedule_apply", args=[fair.slug, run.pk]) not in page.text


def test_a_preview_whose_slots_were_cut_again_still_shows_and_is_refused(
    login, organiser, fair, fair_with_requests, schedule, set_status
):
    # Published with nothing booked yet, so the sessions may still change.
    set_status(fair, Event.Status.SCHEDULED)
    run = schedule(fair)
    placed = len(run.proposal["changes"])
    assert placed > 1
    assert {change[1] for change in run.proposal["changes"]} == {"placed"}
    # Shorter slots: every slot the preview names is gone.
    event_save(
        organiser=fair.organiser,
        event=fair,
        data={"slot_minutes": 20},
        sessions=[MORNING, AFTERNOON],
        table_names=["T1", "T2", "T3", "T4"],
    )
    client = login(organiser)

    page = client.get(reverse("event_schedule", args=[fair.slug]))

    assert page.status_code == 200
    assert f"place {placed} meetings that are waiting for a place" in page.text
    refused = client.post(reverse("event_schedule_apply", args=[fair.slug, run.pk]), follow=True)
    assert "The agenda has changed since this preview was worked out" in refused.text
    assert not Meeting.objects.filter(event=fair, slot__isnull=False).exists()


def test_the_run_result_says_what_was_proved(login, organiser, fair, fair_with_requests, schedule):
    run = schedule(fair)
    page = login(organiser).get(reverse("event_schedule", args=[fair.slug])).text
    assert "the engine does not try to use fewer slots" in page
    if run.stats["proved_optimal"]:
        assert "Proved best: no agenda holds more meetings or leaves fewer idle gaps." in page
    else:
        assert "Not proved best" in page
    assert "yes, proved" not in page


# Queries ------------------------------------------------------------------------------


def _newcomers(event: Event, published: list[Meeting], rows: int) -> list[Meeting]:
    """`rows` new requests, each between a published exporter and a new buyer."""
    meetings = []
    for n in range(rows):
        buyer = make_company(BuyerFactory, f"Newcomer{n} Trading")
        Participation.objects.create(event=event, organisation=buyer, status=Participation.Status.APPROVED)
        meetings.append(
            meeting_services.meeting_add(event=event, exporter=published[n % 2].exporter, buyer=buyer)
        )
    return meetings


@pytest.mark.parametrize("rows", [1, 3])
def test_the_preview_and_its_apply_cost_the_same_queries_for_any_number_of_changes(
    login, organiser, fair, published, schedule, rows, django_assert_num_queries
):
    _newcomers(fair, published, rows)
    run = schedule(fair)
    assert len(run.proposal["changes"]) == rows
    client = login(organiser)

    with django_assert_num_queries(11):
        page = client.get(reverse("event_schedule", args=[fair.slug]))
    assert page.text.count("Newcomer") == rows * 2  # the table and the list of who is emailed

    with django_assert_num_queries(20):
        response = client.post(reverse("event_schedule_apply", args=[fair.slug, run.pk]))
    assert response.status_code == 302


def test_the_command_only_proposes_once_the_agenda_is_published(fair, published, capsys, mailoutbox):
    newcomer = meeting_services.meeting_add(
        event=fair, exporter=published[0].exporter, buyer=Organisation.objects.get(name="Idle Trading")
    )
    before = agenda_places(fair)

    call_command("schedule_meetings", "--event", fair.slug, "--time-limit", "1")

    assert agenda_places(fair) == before
    assert mailoutbox == []
    out = capsys.readouterr().out
    assert "proposes placing 1, moving 0 and taking off 0 meetings" in out
    assert reverse("event_schedule", args=[fair.slug]) in out
    run = ScheduleRun.objects.filter(event=fair).latest("pk")
    assert run.awaits_applying
    assert [change[0] for change in run.proposal["changes"]] == [newcomer.pk]


def test_a_run_that_finishes_after_publication_only_proposes(
    fair, fair_with_requests, organiser, set_status, mailoutbox, django_capture_on_commit_callbacks
):
    """The organiser published while the engine was still working."""
    run = schedule_run_start(event=fair, user=organiser, time_limit=1)  # queued, not run yet
    set_status(fair, Event.Status.SCHEDULED)
    mailoutbox.clear()
    before = agenda_places(fair)

    run = schedule_run_execute(run_id=run.pk)

    assert agenda_places(fair) == before
    assert (run.preview, run.allow_moving_published) == (True, True)
    assert {change[1] for change in run.proposal["changes"]} == {"placed"}
    with django_capture_on_commit_callbacks(execute=True):
        schedule_run_apply(run=run, by=organiser)
    assert Meeting.objects.filter(event=fair, state=Meeting.State.SCHEDULED).count() == 6
    assert len(mailoutbox) == 12  # both sides of each meeting placed
