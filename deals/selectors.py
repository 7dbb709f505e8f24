"""Reading deals: a company's own, an event's, and what waits for whom."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import Organisation
from deals.models import Deal, DealChange, DealLine
from deals.totals import DealTotals, LineFigures, tally
from events.models import Event, Meeting, Participation
from matchmaking.models import Lot, Match, Need
from matchmaking.selectors.fx import fx_rate_book


def _with_parties(deals: QuerySet[Deal]) -> QuerySet[Deal]:
    return deals.select_related("exporter", "buyer", "recorded_by", "event").prefetch_related(
        Prefetch("lines", queryset=DealLine.objects.select_related("lot").order_by("pk"))
    )


def deals_visible_to(organisation: Organisation) -> QuerySet[Deal]:
    """The deals a company may open: its own as either side; for organisers,
    those of their events and those recorded outside any event."""
    if organisation.is_organiser:
        return Deal.objects.filter(Q(event__organiser=organisation) | Q(event__isnull=True))
    return Deal.objects.filter(Q(exporter=organisation) | Q(buyer=organisation))


def deal_list(organisation: Organisation, *, state: str = "", event_slug: str = "") -> QuerySet[Deal]:
    deals = deals_visible_to(organisation)
    if state:
        deals = deals.filter(state=state)
    if event_slug:
        deals = deals.filter(event__slug=event_slug)
    return _with_parties(deals).order_by("-signed_on", "-pk")


def deal_detail(organisation: Organisation, pk: int) -> Deal | None:
    """One deal with its lines and history, or None outside the company's reach."""
    return (
        _with_parties(deals_visible_to(organisation))
        .prefetch_related(
            Prefetch(
                "changes",
                queryset=DealChange.objects.select_related("organisation", "user").order_by("at", "pk"),
            )
        )
        .filter(pk=pk)
        .first()
    )


def deals_awaiting(organisation: Organisation) -> QuerySet[Deal]:
    """Deals the other side recorded and this company has still to confirm or
    dispute, oldest first."""
    return _with_parties(
        Deal.objects.filter(state=Deal.State.RECORDED)
        .filter(Q(exporter=organisation) | Q(buyer=organisation))
        .exclude(recorded_by=organisation)
    ).order_by("created_at", "pk")


def recent_deals(organisation: Organisation, limit: int = 5) -> list[Deal]:
    return list(deal_list(organisation)[:limit])


def _line_figures(deals: QuerySet[Deal], state: str) -> list[LineFigures]:
    rows = DealLine.objects.filter(deal__in=deals, deal__state=state).values_list(
        "deal_id",
        "deal__signed_on",
        "deal__currency",
        "quantity",
        "unit_price",
        "deal__buyer__country",
        "deal__exporter_id",
        "deal__exporter__name",
        "deal__exporter__province",
        "deal__exporter__city",
        "lot__fuel_type",
        "lot__body_type",
    )
    return [LineFigures(*row) for row in rows]


def deal_totals(deals: QuerySet[Deal], *, state: str = Deal.State.CONFIRMED) -> DealTotals:
    """The confirmed deals among `deals` (or those in another `state`) added
    up in CNY and USD at each deal date's rate, by country, province, city,
    fuel and body type and exporter; two queries however many deals there are."""
    lines = _line_figures(deals, state)
    book = fx_rate_book({line.currency for line in lines})
    return tally(lines, book.rate_on)


def event_deal_totals(event: Event) -> DealTotals:
    return deal_totals(Deal.objects.filter(event=event))


def event_pending_totals(event: Event) -> DealTotals:
    """What the event's deals still awaiting confirmation would add: shown
    apart from the totals, never in them."""
    return deal_totals(Deal.objects.filter(event=event), state=Deal.State.RECORDED)


@dataclass(frozen=True)
class DealStateCounts:
    recorded: int
    confirmed: int
    disputed: int
    cancelled: int


def event_deal_states(event: Event) -> DealStateCounts:
    """How many of an event's deals are in each state, in one query."""
    counts = Deal.objects.filter(event=event).aggregate(
        **{state: Count("pk", filter=Q(state=state)) for state in Deal.State.values}
    )
    return DealStateCounts(**counts)


def deal_counterparts(organisation: Organisation) -> QuerySet[Organisation]:
    """The companies this one may record a deal with: those it has met or
    agreed to meet (a meeting at any event, or mutual interest in a match),
    since nobody else's name has been shown to it."""
    # The other side's id in each row, named after the side.
    met: QuerySet[Meeting, Mapping[str, object]]
    mutual: QuerySet[Match, Mapping[str, object]]
    if organisation.is_exporter:
        met = Meeting.objects.filter(exporter=organisation).values("buyer_id")
        mutual = Match.objects.filter(state=Match.State.MUTUAL, lot__exporter=organisation).values(
            "need__buyer_id"
        )
        kind = Organisation.Kind.BUYER
    elif organisation.is_buyer:
        met = Meeting.objects.filter(buyer=organisation).values("exporter_id")
        mutual = Match.objects.filter(state=Match.State.MUTUAL, need__buyer=organisation).values(
            "lot__exporter_id"
        )
        kind = Organisation.Kind.EXPORTER
    else:
        return Organisation.objects.none()
    return Organisation.objects.filter(Q(pk__in=met) | Q(pk__in=mutual), kind=kind).order_by("name")


def deal_lots(exporter: Organisation, *, deal: Deal | None = None) -> QuerySet[Lot]:
    """The exporter's lots a deal may take vehicles from, plus those already on
    the deal being changed."""
    wanted = Q(exporter=exporter, status__in=[Lot.Status.AVAILABLE, Lot.Status.RESERVED])
    if deal is not None:
        wanted |= Q(pk__in=deal.lines.values("lot_id"))
    return Lot.objects.filter(wanted).order_by("ref")


def deal_events(exporter: Organisation, buyer: Organisation) -> QuerySet[Event]:
    """Public events where both companies are approved participants."""
    approved = Participation.objects.filter(status=Participation.Status.APPROVED)
    return (
        Event.objects.exclude(status=Event.Status.DRAFT)
        .filter(pk__in=approved.filter(organisation=exporter).values("event_id"))
        .filter(pk__in=approved.filter(organisation=buyer).values("event_id"))
        .order_by("-created_at")
    )


def meeting_for_deal(organisation: Organisation, pk: int) -> Meeting | None:
    """A meeting of this company's that a deal may be recorded from."""
    return (
        Meeting.objects.select_related("event", "exporter", "buyer")
        .filter(Q(exporter=organisation) | Q(buyer=organisation), pk=pk)
        .exclude(state__in=[Meeting.State.DECLINED, Meeting.State.CANCELLED])
        .first()
    )


def lot_deal_lines(lot: Lot, limit: int = 20) -> list[DealLine]:
    """The latest deals drawing on a lot, cancelled ones left out, for its
    exporter: why the quantity on offer went down, or will."""
    return list(
        DealLine.objects.filter(lot=lot)
        .exclude(deal__state=Deal.State.CANCELLED)
        .select_related("deal__buyer")
        .order_by("-deal__signed_on", "-deal_id")[:limit]
    )


def lot_page_deals(lot: Lot) -> dict[str, Any]:
    """What the lot page shows its exporter of deals (a matchmaking hook)."""
    return {"deal_lines": lot_deal_lines(lot)}


# A company's home page --------------------------------------------------------------------


def upcoming_meetings_of(organisation: Organisation, limit: int = 5) -> list[Meeting]:
    """The company's next booked meetings across events, soonest first, each
    with `counterpart` and `own_confirmed` set for the page."""
    meetings = list(
        Meeting.objects.filter(Q(exporter=organisation) | Q(buyer=organisation))
        .filter(state__in=Meeting.BOOKED, slot__ends_at__gt=timezone.now())
        .select_related("event", "slot", "table", "exporter", "buyer")
        .order_by("slot__starts_at", "pk")[:limit]
    )
    for meeting in meetings:
        side = "exporter" if meeting.exporter_id == organisation.pk else "buyer"
        meeting.counterpart = meeting.buyer if side == "exporter" else meeting.exporter
        meeting.own_confirmed = meeting.confirmed_by(side)
    return meetings


def _proposals_of(organisation: Organisation) -> QuerySet[Match]:
    """Stored matches on the company's own open needs or available lots.

    An exporter's page ranks a lot's needs live; the stored rows are the
    proposals buyers see, so they are the ones that wait for an answer."""
    if organisation.is_buyer:
        return Match.objects.filter(need__buyer=organisation, need__status=Need.Status.OPEN)
    return Match.objects.filter(lot__exporter=organisation, lot__status=Lot.Status.AVAILABLE)


@dataclass(frozen=True)
class MatchSummary:
    awaiting_answer: int
    mutual: int
    top: list[Match]


def match_summary_of(organisation: Organisation, limit: int = 3) -> MatchSummary:
    """How many proposals wait for the company's answer, how many are mutual,
    and the best few waiting ones (two queries whatever the numbers)."""
    own_interest = "buyer_interest" if organisation.is_buyer else "exporter_interest"
    matches = _proposals_of(organisation)
    awaiting = Q(state=Match.State.PROPOSED, **{own_interest: Match.Interest.NONE})
    counts = matches.aggregate(
        awaiting_answer=Count("pk", filter=awaiting),
        mutual=Count("pk", filter=Q(state=Match.State.MUTUAL)),
    )
    top = list(
        matches.filter(awaiting)
        .select_related("lot", "lot__exporter", "need", "need__buyer")
        .order_by("-score", "pk")[:limit]
    )
    return MatchSummary(awaiting_answer=counts["awaiting_answer"], mutual=counts["mutual"], top=top)


def exporter_confirmed_deals(exporter: Organisation) -> dict[str, int]:
    """For the exporter's profile on buyers' lot pages (matchmaking.hooks)."""
    return {"confirmed_deals": Deal.objects.filter(exporter=exporter, state=Deal.State.CONFIRMED).count()}
