"""A fair with a programme: one day, a morning and an afternoon session cut
into 30-minute slots, and a few tables, plus approved participants; for the
page tests, a small fair with one of everything (`scene`), another organiser's
fair (`elsewhere`) and what the forms post."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from accounts.models import Organisation, User
from events.models import Event, Meeting, Participation, ScheduleRun
from events.selectors import agenda_publication_notice
from events.services.events import SessionSpec, event_save, event_set_status
from events.services.meetings import meeting_move
from events.services.scheduling import schedule_run_start
from matchmaking.models import Lot, Need
from tests.factories import (
    BuyerFactory,
    ExporterFactory,
    LotFactory,
    MeetingFactory,
    MembershipFactory,
    NeedFactory,
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


# What the event pages are sent ------------------------------------------------------


def event_form_data(
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


def sessions_of(event: Event) -> tuple[tuple[str, str, str, str], ...]:
    return tuple(
        (f"{s.date:%Y-%m-%d}", s.label, f"{s.starts:%H:%M}", f"{s.ends:%H:%M}")
        for s in event.sessions.order_by("date", "starts")
    )


def send(client, method: str, url: str, data: dict, **kwargs):
    return client.post(url, data, **kwargs) if method == "post" else client.get(url, data, **kwargs)


def messages_of(response) -> list[str]:
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


@pytest.fixture
def elsewhere(join) -> Scene:
    """Another organiser's fair, with its own participant, meeting and run."""
    event = make_fair(slug="almaty-2027")
    exporter = join(event)
    buyer = join(event, kind="buyer")
    meeting = MeetingFactory(event=event, exporter=exporter.organisation, buyer=buyer.organisation)
    run = ScheduleRun.objects.create(event=event)
    return Scene(event, exporter, buyer, join(event, kind="buyer", status="pending"), meeting, run)


@pytest.fixture
def rival(scene, other_exporter_admin, join) -> Meeting:
    """A request between another exporter and the scene's buyer."""
    exporter = join(scene.event, other_exporter_admin.membership.organisation).organisation
    return MeetingFactory(event=scene.event, exporter=exporter, buyer=scene.buyer.organisation)
