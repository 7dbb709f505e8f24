"""Deals for the demo fair: signed in the run-up between companies that agreed
to meet, most confirmed by both sides, some still waiting, one disputed, so
the dashboard and the deal pages have something true to show."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from deals.services import LineSpec, Terms, deal_confirm, deal_dispute, deal_record
from events.models import Event, Participation
from matchmaking.models import Lot, Match

# Share of demo deals the other side has confirmed; the rest wait or are disputed.
CONFIRMED_SHARE = 0.75
DISCOUNTS = [Decimal(1), Decimal("0.98"), Decimal("0.97"), Decimal("0.95")]


def seed_demo_deals(event: Event, seed: int = 2025) -> int:
    """Record a deal on each mutual match between the event's participants
    (one per pair), confirm most of them; returns how many were recorded."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    approved = Participation.objects.filter(event=event, status=Participation.Status.APPROVED).values(
        "organisation_id"
    )
    matches = (
        Match.objects.filter(
            state=Match.State.MUTUAL, lot__exporter_id__in=approved, need__buyer_id__in=approved
        )
        .filter(lot__status=Lot.Status.AVAILABLE)
        .select_related("lot__exporter", "need__buyer")
        .order_by("pk")
    )
    seen: set[tuple[int, int]] = set()
    recorded = 0
    today = timezone.localdate()
    for match in matches:
        lot, need = match.lot, match.need
        pair = (lot.exporter_id, need.buyer_id)
        if pair in seen:
            continue
        seen.add(pair)
        lot.refresh_from_db()
        # Leave every lot at least one vehicle, so each demo need keeps lots
        # to match and the matching pages stay lively.
        if lot.status != Lot.Status.AVAILABLE or lot.quantity < 2:
            continue
        quantity = max(1, min(lot.quantity - 1, need.quantity, rng.randint(2, 12)))
        # A few percent off the list price, as negotiated at the table.
        price = (lot.unit_price * rng.choice(DISCOUNTS)).quantize(Decimal("0.01"))
        deal = deal_record(
            exporter=lot.exporter,
            buyer=need.buyer,
            by=rng.choice([lot.exporter, need.buyer]),
            user=None,
            terms=Terms(
                currency=lot.currency,
                incoterm=lot.incoterm,
                signed_on=today - datetime.timedelta(days=rng.randint(0, 6)),
                lines=[LineSpec(lot=lot, quantity=quantity, unit_price=price)],
                note="",
            ),
            event=event,
        )
        recorded += 1
        roll = rng.random()
        other = deal.awaiting
        if roll < CONFIRMED_SHARE:
            deal_confirm(deal=deal, by=other, user=None)
        elif roll < CONFIRMED_SHARE + 0.05:
            deal_dispute(deal=deal, by=other, user=None, reason="The price agreed at the table was lower.")
    return recorded
