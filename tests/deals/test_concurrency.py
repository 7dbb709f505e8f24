"""Deals answered at the same moment: PostgreSQL keeps lots from being oversold
when buyers confirm deals on the same lot at once, and on SQLite and
PostgreSQL alike two answers to one deal queue up, the second one told what
happened, never shown an error page. The PostgreSQL tests fail, not skip, when
REQUIRE_SERVICES=1 and PostgreSQL is missing."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from deals.models import Deal, DealChange
from deals.services import LineSpec, Terms, deal_confirm, deal_record
from matchmaking.models import Lot
from tests.config.test_integration import _run_concurrently
from tests.conftest import at_once
from tests.deals.conftest import SIGNED
from tests.factories import BuyerFactory, ExporterFactory, LotFactory, MembershipFactory

THREADS = 12


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_concurrent_confirmations_cannot_oversell_a_lot(postgres):
    exporter = ExporterFactory()
    lot = LotFactory(exporter=exporter, ref="HAVAL-H6-2023", quantity=10)
    shared = LotFactory(exporter=exporter, ref="GEELY-COOLRAY", quantity=100)
    deals = []
    for _ in range(THREADS):
        buyer = BuyerFactory()
        # Each deal takes 3 from the scarce lot and 1 from a plentiful one, so
        # the locks are taken on two rows in the same order by every thread.
        terms = Terms(
            currency="USD",
            incoterm="FOB",
            signed_on=SIGNED,
            lines=[
                LineSpec(lot=shared, quantity=1, unit_price=Decimal("9000")),
                LineSpec(lot=lot, quantity=3, unit_price=Decimal("15000")),
            ],
        )
        deals.append(
            (deal_record(exporter=exporter, buyer=buyer, by=exporter, user=None, terms=terms), buyer)
        )

    outcomes = _run_concurrently(
        *[
            lambda deal=deal, buyer=buyer: deal_confirm(
                deal=Deal.objects.get(pk=deal.pk), by=buyer, user=None
            )
            for deal, buyer in deals
        ]
    )

    confirmed = Deal.objects.filter(state=Deal.State.CONFIRMED).count()
    refused = [outcome for outcome in outcomes if outcome is not None]
    assert confirmed == 3, outcomes
    assert len(refused) == THREADS - 3
    assert all(isinstance(outcome, ValidationError) for outcome in refused), refused
    assert all(o.messages == ["Lot HAVAL-H6-2023 has 1 vehicle left; this deal takes 3."] for o in refused), (
        refused
    )
    lot.refresh_from_db()
    shared.refresh_from_db()
    assert (lot.quantity, lot.status) == (1, Lot.Status.AVAILABLE)
    assert shared.quantity == 100 - 3
    # Refused deals are untouched and still wait for an answer.
    assert Deal.objects.filter(state=Deal.State.RECORDED).count() == THREADS - 3


# Several deals answered at once, so that the two answers on each really do
# overlap.
DEALS = 4


def _posting(client: Client, url: str, data: dict[str, str]) -> Callable[[], HttpResponse]:
    return lambda: client.post(url, data, follow=True)


def _pages(outcomes: list[object]) -> list[str]:
    """The pages the answers ended on; any error fails the test with its cause."""
    for outcome in outcomes:
        assert isinstance(outcome, HttpResponse), outcome
        assert outcome.status_code == 200, outcome
    return [outcome.text for outcome in outcomes]


@pytest.mark.django_db(transaction=True)
def test_two_confirmations_of_one_deal_at_once_confirm_it_once(
    each_database, login, record, exporter, buyer, buyer_admin
):
    lots = [LotFactory(exporter=exporter, quantity=10) for _ in range(DEALS)]
    deals = [record((lot, 4, "15000")) for lot in lots]
    colleague = MembershipFactory(organisation=buyer).user
    answers = [
        _posting(login(member), reverse("deal_detail", args=[deal.pk]), {"action": "confirm"})
        for deal in deals
        for member in (buyer_admin, colleague)
    ]

    pages = _pages(at_once(*answers))

    for first, second in zip(pages[::2], pages[1::2], strict=True):
        assert sorted(["Deal confirmed." in first, "Deal confirmed." in second]) == [False, True]
        assert "Only a deal awaiting confirmation can be confirmed." in first + second
    assert {deal.state for deal in Deal.objects.all()} == {Deal.State.CONFIRMED}
    assert {lot.quantity for lot in Lot.objects.filter(pk__in=[lot.pk for lot in lots])} == {10 - 4}
    assert DealChange.objects.filter(action=DealChange.Action.CONFIRMED).count() == DEALS


@pytest.mark.django_db(transaction=True)
def test_a_confirmation_and_a_cancellation_at_once_leave_the_lot_whole(
    each_database, login, record, exporter, buyer_admin, exporter_admin
):
    lots = [LotFactory(exporter=exporter, quantity=10) for _ in range(DEALS)]
    deals = [record((lot, 4, "15000")) for lot in lots]
    answers = []
    for deal in deals:
        url = reverse("deal_detail", args=[deal.pk])
        answers += [
            _posting(login(buyer_admin), url, {"action": "confirm"}),
            _posting(login(exporter_admin), url, {"action": "cancel", "reason": "Buyer withdrew"}),
        ]

    pages = _pages(at_once(*answers))

    # Whichever came first, the cancellation stands and the lot has all its
    # vehicles: a confirmation first gives them back on cancelling.
    for confirmed, cancelled in zip(pages[::2], pages[1::2], strict=True):
        assert "Deal cancelled." in cancelled
        assert (
            "Deal confirmed." in confirmed
            or "Only a deal awaiting confirmation can be confirmed." in confirmed
        )
    assert {deal.state for deal in Deal.objects.all()} == {Deal.State.CANCELLED}
    assert {lot.quantity for lot in Lot.objects.filter(pk__in=[lot.pk for lot in lots])} == {10}
