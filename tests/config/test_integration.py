"""The production path: a real Celery worker on Redis writing to PostgreSQL, and
PostgreSQL keeping concurrent changes consistent. These fail, not skip, when
REQUIRE_SERVICES=1 and a service is missing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections

from accounts import services
from accounts.models import Invitation, Membership
from accounts.tasks import invitation_send_task
from events.models import Meeting, ScheduleRun
from events.tasks import schedule_run_task
from matchmaking.models import Match, MatchRun
from matchmaking.tasks import match_run_task
from tests.conftest import at_once, wait_until
from tests.events.conftest import make_fair
from tests.factories import (
    BuyerFactory,
    ExporterFactory,
    FxRateFactory,
    InvitationFactory,
    LotFactory,
    MeetingFactory,
    MembershipFactory,
    NeedFactory,
    ParticipationFactory,
)

pytestmark = pytest.mark.integration


def test_a_real_worker_sends_the_invitation_and_records_it(celery_worker):
    admin = MembershipFactory()
    invitation = InvitationFactory(organisation=admin.organisation, invited_by=admin.user)

    invitation_send_task.apply_async((invitation.pk, "en"), queue=celery_worker)

    def sent() -> bool:
        return Invitation.objects.filter(pk=invitation.pk, sent_at__isnull=False).exists()

    assert wait_until(sent, timeout=90), "the worker did not mark the invitation as sent"


def test_a_real_worker_runs_a_full_match_on_postgresql(celery_worker):
    # Transactional tests before this one may have flushed the rates the
    # migrations load.
    FxRateFactory(currency="USD")
    lots = [LotFactory(unit_price=price) for price in (15_000, 16_000)]
    need = NeedFactory()
    run = MatchRun.objects.create()

    match_run_task.apply_async((run.pk,), queue=celery_worker)

    def finished() -> bool:
        return MatchRun.objects.filter(pk=run.pk).exclude(status__in=["queued", "running"]).exists()

    assert wait_until(finished, timeout=90), "the worker did not finish the matching run"
    run.refresh_from_db()
    assert run.status == MatchRun.Status.FINISHED, run.error
    ranked = list(Match.objects.filter(need=need).order_by("rank_for_need").values_list("lot_id", flat=True))
    assert ranked == [lots[0].pk, lots[1].pk]


def _run_concurrently(*actions) -> list[BaseException | None]:
    """What each action raised, or None: `at_once` without the results."""
    outcomes = at_once(*actions)
    close_old_connections()
    return [outcome if isinstance(outcome, BaseException) else None for outcome in outcomes]


@pytest.mark.django_db(transaction=True)
def test_two_admins_removing_each_other_at_once_leave_one_admin(postgres):
    first = MembershipFactory()
    second = MembershipFactory(organisation=first.organisation)

    outcomes = _run_concurrently(
        lambda: services.member_remove(membership=Membership.objects.get(pk=first.pk)),
        lambda: services.member_remove(membership=Membership.objects.get(pk=second.pk)),
    )

    assert Membership.objects.filter(organisation=first.organisation, role="admin").count() == 1
    refused = [o for o in outcomes if o is not None]
    assert len(refused) == 1, outcomes
    assert isinstance(refused[0], ValidationError), outcomes


@pytest.mark.django_db(transaction=True)
def test_an_invitation_accepted_twice_at_once_creates_one_account(postgres):
    admin = MembershipFactory()
    invitation = InvitationFactory(organisation=admin.organisation)

    def accept() -> None:
        services.user_create_from_invitation(
            invitation=Invitation.objects.get(pk=invitation.pk), name="Twice", password="Fair-Export-77"
        )

    outcomes = _run_concurrently(accept, accept)

    assert Membership.objects.filter(user__email=invitation.email).count() == 1
    assert sum(o is None for o in outcomes) == 1, outcomes


def test_a_real_worker_schedules_an_event_on_postgresql(celery_worker):

    fair = make_fair(slug="worker-fair")
    exporters, buyers = [ExporterFactory() for _ in range(3)], [BuyerFactory() for _ in range(3)]
    for organisation in [*exporters, *buyers]:
        ParticipationFactory(event=fair, organisation=organisation)
    for exporter in exporters:
        for buyer in buyers:
            MeetingFactory(event=fair, exporter=exporter, buyer=buyer)
    run = ScheduleRun.objects.create(event=fair, time_limit=2)

    schedule_run_task.apply_async((run.pk,), queue=celery_worker)

    def finished() -> bool:
        return ScheduleRun.objects.filter(pk=run.pk).exclude(status__in=["queued", "running"]).exists()

    assert wait_until(finished, timeout=90), "the worker did not finish the scheduling run"
    run.refresh_from_db()
    assert run.status == ScheduleRun.Status.FINISHED, run.error
    assert run.stats["scheduled"] == 9
    assert Meeting.objects.filter(event=fair, state=Meeting.State.SCHEDULED).count() == 9
