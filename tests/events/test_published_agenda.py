"""A published agenda: participants know their times, so a scheduling run only
places what waits for a place unless the organiser allows moving, shows what
it would change before anything does, and "your agenda is ready" goes once per
agenda, only to participants with meetings."""

from __future__ import annotations

import importlib

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Organisation
from events.models import Event, Meeting, Participation, ScheduleRun
from events.selectors import agenda_publication_notice
from events.services import meetings as meeting_services
from events.services.events import event_set_status
from events.services.scheduling import schedule_run_apply, schedule_run_execute, schedule_run_start
from matchmaking.services.matches import match_express_interest
from tests.factories import (
    BuyerFactory,
    ExporterFactory,
    LotFactory,
    MatchFactory,
    MembershipFactory,
    NeedFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _company(factory, name: str, language: str = "en") -> Organisation:
    organisation = factory(name=name)
    MembershipFactory(
        organisation=organisation,
        user=UserFactory(email=f"{name.split()[0].lower()}@example.com", language=language),
    )
    return organisation


@pytest.fixture
def schedule(organiser, django_capture_on_commit_callbacks):
    """Start a run and let its task run (Celery is eager in tests)."""

    def _schedule(event: Event, allow_moving: bool = False) -> ScheduleRun:
        with django_capture_on_commit_callbacks(execute=True):
            run = schedule_run_start(
                event=event, user=organiser, time_limit=1, allow_moving_published=allow_moving
            )
        run.refresh_from_db()
        return run

    return _schedule


@pytest.fixture
def apply(organiser, django_capture_on_commit_callbacks):
    def _apply(run: ScheduleRun) -> ScheduleRun:
        with django_capture_on_commit_callbacks(execute=True):
            return schedule_run_apply(run=run, by=organiser)

    return _apply


@pytest.fixture
def set_status(django_capture_on_commit_callbacks):
    """Change the status as an organiser who confirmed what the page showed."""

    def _set_status(event: Event, status: str) -> Event:
        with django_capture_on_commit_callbacks(execute=True):
            return event_set_status(
                event=event, status=status, confirm=agenda_publication_notice(event).token
            )

    return _set_status


@pytest.fixture
def fair_with_requests(fair, meeting_between) -> list[Meeting]:
    """Two exporters meet three buyers each, and a fourth buyer takes part with
    no meeting; every company has one member."""
    exporters = [_company(ExporterFactory, f"Exporter{n} Auto", "zh-hans") for n in range(2)]
    buyers = [_company(BuyerFactory, f"Buyer{n} Motors", "ru") for n in range(3)]
    meetings = [meeting_between(fair, e, b) for e in exporters for b in buyers]
    Participation.objects.create(
        event=fair, organisation=_company(BuyerFactory, "Idle Trading"), status=Participation.Status.APPROVED
    )
    return meetings


def _places(event: Event) -> dict[int, tuple]:
    return {m.pk: (m.state, m.slot_id, m.table_id) for m in Meeting.objects.filter(event=event)}


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
    before = _places(fair)

    run = schedule(fair)

    assert _places(fair) == before
    assert mailoutbox == []
    assert run.preview
    assert run.proposal["changes"] == []
    apply(run)
    assert _places(fair) == before
    assert mailoutbox == []


def test_a_pair_that_turns_mutual_after_publication_is_the_only_meeting_placed(
    fair, published, schedule, apply, mailoutbox, django_capture_on_commit_callbacks
):
    exporter = _company(ExporterFactory, "Latecomer Exports", "zh-hans")
    buyer = _company(BuyerFactory, "Tashkent Motors", "ru")
    for organisation in (exporter, buyer):
        Participation.objects.create(
            event=fair, organisation=organisation, status=Participation.Status.APPROVED
        )
    match = MatchFactory(lot=LotFactory(exporter=exporter), need=NeedFactory(buyer=buyer))
    with django_capture_on_commit_callbacks(execute=True):
        match_express_interest(match=match, organisation=exporter, interest="yes")
        match_express_interest(match=match, organisation=buyer, interest="yes")
    newcomer = Meeting.objects.get(event=fair, exporter=exporter, buyer=buyer)
    before = _places(fair)
    mailoutbox.clear()

    run = schedule(fair)

    assert _places(fair) == before
    assert [change[:2] for change in run.proposal["changes"]] == [[newcomer.pk, "placed"]]
    apply(run)
    after = _places(fair)
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
    before = _places(fair)

    run = schedule(fair, allow_moving=True)

    assert _places(fair) == before
    assert mailoutbox == []
    moved = [change[0] for change in run.proposal["changes"] if change[1] == "moved"]
    assert moved
    assert run.stats["moved"] == len(moved)
    apply(run)
    after = _places(fair)
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
    assert _places(fair) == after


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
    before = _places(fair)
    mailoutbox.clear()

    with pytest.raises(ValidationError, match="agenda has changed since this preview"):
        apply(run)

    assert _places(fair) == before
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


# "Your agenda is ready" ---------------------------------------------------------------


def test_the_agenda_goes_once_and_only_to_participants_with_meetings(
    fair, fair_with_requests, schedule, set_status, mailoutbox
):
    schedule(fair)

    set_status(fair, Event.Status.SCHEDULED)

    assert len(mailoutbox) == 5
    assert "idle@example.com" not in {message.to[0] for message in mailoutbox}
    assert all(
        "Your agenda for" in m.subject or "日程" in m.subject or "расписание" in m.subject.lower()
        for m in mailoutbox
    )
    mailoutbox.clear()
    set_status(fair, Event.Status.OPEN)
    set_status(fair, Event.Status.SCHEDULED)
    set_status(fair, Event.Status.LIVE)
    assert mailoutbox == []


def test_publishing_again_emails_only_those_whose_agenda_changed_unannounced(
    fair, fair_with_requests, schedule, set_status, mailoutbox, django_capture_on_commit_callbacks
):
    schedule(fair)
    set_status(fair, Event.Status.SCHEDULED)
    moved_while_published = Meeting.objects.get(pk=fair_with_requests[0].pk)
    free = fair.slots.order_by("-number").first()
    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.meeting_move(meeting=moved_while_published, slot=free, table=fair.tables.first())
    set_status(fair, Event.Status.OPEN)
    # Placed while the event was back to "open": nobody was told yet.
    quiet = Meeting.objects.get(pk=fair_with_requests[5].pk)
    meeting_services.meeting_move(meeting=quiet, slot=free, table=fair.tables.last())
    mailoutbox.clear()

    set_status(fair, Event.Status.SCHEDULED)

    assert sorted(message.to[0] for message in mailoutbox) == ["buyer2@example.com", "exporter1@example.com"]


def test_publishing_is_refused_without_confirming_who_is_emailed(
    fair, fair_with_requests, schedule, mailoutbox
):
    schedule(fair)
    notice = agenda_publication_notice(fair)
    assert [p.organisation.name for p in notice.participations] == [
        "Buyer0 Motors",
        "Buyer1 Motors",
        "Buyer2 Motors",
        "Exporter0 Auto",
        "Exporter1 Auto",
    ]

    for confirm in ("", "stale-token"):
        with pytest.raises(ValidationError, match="emails 5 participants") as refusal:
            event_set_status(event=fair, status=Event.Status.SCHEDULED, confirm=confirm)
        assert refusal.value.code == "confirm"

    fair.refresh_from_db()
    assert fair.status == Event.Status.OPEN
    assert fair.agenda_published_at is None
    assert mailoutbox == []


def test_a_status_change_that_emails_nobody_needs_no_confirmation(fair, fair_with_requests):
    event = event_set_status(event=fair, status=Event.Status.SCHEDULED)
    assert event.status == Event.Status.SCHEDULED
    assert event.agenda_published_at is not None


# The organiser's pages -------------------------------------------------------------


def test_the_status_change_page_asks_first_naming_who_is_emailed(
    login, organiser, fair, fair_with_requests, schedule, mailoutbox, django_capture_on_commit_callbacks
):
    schedule(fair)
    client = login(organiser)
    url = reverse("event_status", args=[fair.slug])

    page = client.post(url, {"status": Event.Status.SCHEDULED})

    assert page.status_code == 200
    assert "emails “Your agenda is ready” to 5 participants" in page.text
    assert "Exporter0 Auto" in page.text
    assert "Idle Trading" not in page.text
    fair.refresh_from_db()
    assert fair.status == Event.Status.OPEN
    token = page.context["notice"].token
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"status": Event.Status.SCHEDULED, "confirm": token}, follow=True)
        # A second click, or the back button, changes and sends nothing more.
        again = client.post(url, {"status": Event.Status.SCHEDULED, "confirm": token}, follow=True)
    assert "5 participants are being emailed their agenda." in done.text
    assert again.status_code == 200
    assert len(mailoutbox) == 5


def test_the_status_change_page_shows_the_new_list_when_the_agenda_changed(
    login, organiser, fair, fair_with_requests, schedule, mailoutbox
):
    schedule(fair)
    client = login(organiser)
    url = reverse("event_status", args=[fair.slug])
    token = client.post(url, {"status": Event.Status.SCHEDULED}).context["notice"].token
    meeting_services.meeting_cancel(meeting=fair_with_requests[0], reason="Exporter withdrew")

    page = client.post(url, {"status": Event.Status.SCHEDULED, "confirm": token})

    assert page.status_code == 200
    assert 'role="alert"' in page.text
    assert "The agenda changed since you last looked." in page.text
    fair.refresh_from_db()
    assert fair.status == Event.Status.OPEN
    assert mailoutbox == []


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
    assert "email 2 participants about their changed meetings: Exporter0 Auto, Idle Trading." in page.text
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
        buyer = _company(BuyerFactory, f"Newcomer{n} Trading")
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


@pytest.mark.parametrize("rows", [1, 3])
def test_the_status_confirmation_costs_the_same_queries_for_any_number_of_participants(
    login, organiser, fair, meeting_between, schedule, rows, django_assert_num_queries
):
    exporter = _company(ExporterFactory, "Sichuan Auto")
    for n in range(rows):
        meeting_between(fair, exporter, _company(BuyerFactory, f"Buyer{n} Motors"))
    schedule(fair)
    client = login(organiser)

    with django_assert_num_queries(14):
        page = client.post(reverse("event_status", args=[fair.slug]), {"status": Event.Status.SCHEDULED})

    assert len(page.context["notice"].participations) == rows + 1


def test_the_command_only_proposes_once_the_agenda_is_published(fair, published, capsys, mailoutbox):
    newcomer = meeting_services.meeting_add(
        event=fair, exporter=published[0].exporter, buyer=Organisation.objects.get(name="Idle Trading")
    )
    before = _places(fair)

    call_command("schedule_meetings", "--event", fair.slug, "--time-limit", "1")

    assert _places(fair) == before
    assert mailoutbox == []
    out = capsys.readouterr().out
    assert "proposes placing 1, moving 0 and taking off 0 meetings" in out
    assert reverse("event_schedule", args=[fair.slug]) in out
    run = ScheduleRun.objects.filter(event=fair).latest("pk")
    assert run.awaits_applying
    assert [change[0] for change in run.proposal["changes"]] == [newcomer.pk]


def test_the_migration_records_published_agendas_as_sent(fair, fair_with_requests, schedule, mailoutbox):
    from django.apps import apps

    migration = importlib.import_module("events.migrations.0003_agenda_publication_check_ins_and_previews")
    schedule(fair)
    Event.objects.filter(pk=fair.pk).update(status=Event.Status.SCHEDULED)

    migration.published_agendas_were_sent(apps, None)

    fair.refresh_from_db()
    assert fair.agenda_published_at is not None
    assert agenda_publication_notice(fair).participations == []
    event_set_status(event=fair, status=Event.Status.OPEN)
    event_set_status(event=fair, status=Event.Status.SCHEDULED)
    assert mailoutbox == []


def test_a_run_that_finishes_after_publication_only_proposes(
    fair, fair_with_requests, organiser, set_status, mailoutbox, django_capture_on_commit_callbacks
):
    """The organiser published while the engine was still working."""
    run = schedule_run_start(event=fair, user=organiser, time_limit=1)  # queued, not run yet
    set_status(fair, Event.Status.SCHEDULED)
    mailoutbox.clear()
    before = _places(fair)

    run = schedule_run_execute(run_id=run.pk)

    assert _places(fair) == before
    assert (run.preview, run.allow_moving_published) == (True, True)
    assert {change[1] for change in run.proposal["changes"]} == {"placed"}
    with django_capture_on_commit_callbacks(execute=True):
        schedule_run_apply(run=run, by=organiser)
    assert Meeting.objects.filter(event=fair, state=Meeting.State.SCHEDULED).count() == 6
    assert len(mailoutbox) == 12  # both sides of each meeting placed
