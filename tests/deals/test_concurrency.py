"""PostgreSQL keeps lots from being oversold when buyers confirm deals on the
same lot at the same moment. Fails, not skips, when REQUIRE_SERVICES=1 and
PostgreSQL is missing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from deals.models import Deal
from deals.services import LineSpec, Terms, deal_confirm, deal_record
from matchmaking.models import Lot
from tests.deals.conftest import SIGNED
from tests.factories import BuyerFactory, ExporterFactory, LotFactory
from tests.test_integration import _run_concurrently

pytestmark = pytest.mark.integration

THREADS = 12


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
