"""A fair with a programme: one day, a morning and an afternoon session cut
into 30-minute slots, and a few tables, plus approved participants."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest

from accounts.models import Organisation, User
from events.models import Event, Meeting, Participation, ScheduleRun
from events.selectors import agenda_publication_notice
from events.services.events import SessionSpec, event_save, event_set_status
from events.services.scheduling import schedule_run_start
from tests.factories import (
    BuyerFactory,
    ExporterFactory,
    MeetingFactory,
    MembershipFactory,
    OrganiserFactory,
    ParticipationFactory,
    UserFactory,
)

FAIR_DAY = datetime.date(2026, 12, 15)
MORNING = SessionSpec(FAIR_DAY, "Morning", datetime.time(9, 0), datetime.time(12, 0))
AFTERNOON = SessionSpec(FAIR_DAY, "Afternoon", datetime.time(14, 0), datetime.time(17, 30))


def make_fair(
    organiser: Organisation | None = None,
    *,
    slug: str = "chengdu-2026",
    sessions: tuple[SessionSpec, ...] = (MORNING, AFTERNOON),
    tables: list[str] | None = None,
    status: str = Event.Status.OPEN,
) -> Event:
    """6 morning and 7 afternoon slots; tables T1–T4 unless given."""
    return event_save(
        organiser=organiser or OrganiserFactory(),
        data={
            "name": f"Fair {slug}",
            "slug": slug,
            "city": "Chengdu",
            "venue": "Expo City, Hall 3",
            "time_zone": "Asia/Shanghai",
            "slot_minutes": 30,
            "status": status,
        },
        sessions=list(sessions),
        table_names=tables or ["T1", "T2", "T3", "T4"],
    )


@pytest.fixture
def fair(organiser: User) -> Event:
    return make_fair(organiser.membership.organisation)


@pytest.fixture
def join() -> Callable[..., Participation]:
    """Approve an organisation (or a new one of a kind) for an event."""

    def _join(
        event: Event, organisation: Organisation | None = None, kind: str = "exporter", **kwargs
    ) -> Participation:
        if organisation is None:
            organisation = ExporterFactory() if kind == "exporter" else BuyerFactory()
        return ParticipationFactory(event=event, organisation=organisation, **kwargs)

    return _join


@pytest.fixture
def member_of() -> Callable[[Organisation], User]:
    def _member_of(organisation: Organisation) -> User:
        return MembershipFactory(organisation=organisation).user

    return _member_of


@pytest.fixture
def meeting_between() -> Callable[..., Meeting]:
    """A requested meeting between two participants (approving them if needed)."""

    def _meeting(event: Event, exporter: Organisation, buyer: Organisation, **kwargs) -> Meeting:
        for organisation in (exporter, buyer):
            Participation.objects.get_or_create(
                event=event, organisation=organisation, defaults={"status": Participation.Status.APPROVED}
            )
        return MeetingFactory(event=event, exporter=exporter, buyer=buyer, **kwargs)

    return _meeting


# A published agenda ------------------------------------------------------------------


def make_company(factory, name: str, language: str = "en") -> Organisation:
    organisation = factory(name=name)
    MembershipFactory(
        organisation=organisation,
        user=UserFactory(email=f"{name.split()[0].lower()}@example.com", language=language),
    )
    return organisation


def agenda_places(event: Event) -> dict[int, tuple]:
    return {m.pk: (m.state, m.slot_id, m.table_id) for m in Meeting.objects.filter(event=event)}


@pytest.fixture
def schedule(organiser, django_capture_on_commit_callbacks):
    """Start a run and let its task run (Celery is eager in tests); after
    publication it only proposes."""

    def _schedule(event: Event, allow_moving: bool = False) -> ScheduleRun:
        with django_capture_on_commit_callbacks(execute=True):
            run = schedule_run_start(
                event=event, user=organiser, time_limit=1, allow_moving_published=allow_moving
            )
        run.refresh_from_db()
        return run

    return _schedule


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
    exporters = [make_company(ExporterFactory, f"Exporter{n} Auto", "zh-hans") for n in range(2)]
    buyers = [make_company(BuyerFactory, f"Buyer{n} Motors", "ru") for n in range(3)]
    meetings = [meeting_between(fair, e, b) for e in exporters for b in buyers]
    Participation.objects.create(
        event=fair,
        organisation=make_company(BuyerFactory, "Idle Trading"),
        status=Participation.Status.APPROVED,
    )
    return meetings
