from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest

from accounts.models import Organisation, User
from deals.models import Deal
from deals.services import LineSpec, Terms, deal_record
from events.models import Event
from matchmaking.models import Lot
from tests.events.conftest import make_fair
from tests.factories import LotFactory, ParticipationFactory

SIGNED = datetime.date(2026, 11, 20)


@pytest.fixture
def exporter(exporter_admin: User) -> Organisation:
    return exporter_admin.membership.organisation


@pytest.fixture
def buyer(buyer_admin: User) -> Organisation:
    return buyer_admin.membership.organisation


@pytest.fixture
def fair(organiser: User, exporter: Organisation, buyer: Organisation) -> Event:
    """A fair both the exporter and the buyer are approved for."""
    event = make_fair(organiser.membership.organisation)
    for organisation in (exporter, buyer):
        ParticipationFactory(event=event, organisation=organisation)
    return event


@pytest.fixture
def lot(exporter: Organisation) -> Lot:
    return LotFactory(exporter=exporter, ref="BYD-SONG-01", quantity=10)


def terms(*lines: tuple[Lot, int, str], currency: str = "USD", signed_on: datetime.date = SIGNED) -> Terms:
    return Terms(
        currency=currency,
        incoterm="FOB",
        signed_on=signed_on,
        lines=[
            LineSpec(lot=lot, quantity=quantity, unit_price=Decimal(price)) for lot, quantity, price in lines
        ],
    )


@pytest.fixture
def record(exporter: Organisation, buyer: Organisation, exporter_admin: User) -> Callable[..., Deal]:
    """A deal recorded by the exporter (or `by`), waiting for the other side."""

    def _record(*lines: tuple[Lot, int, str], by: Organisation | None = None, **kwargs) -> Deal:
        return deal_record(
            exporter=kwargs.pop("exporter", exporter),
            buyer=kwargs.pop("buyer", buyer),
            by=by or exporter,
            user=exporter_admin,
            terms=terms(*lines, **{k: kwargs.pop(k) for k in ("currency", "signed_on") if k in kwargs}),
            **kwargs,
        )

    return _record
