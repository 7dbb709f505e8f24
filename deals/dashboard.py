"""The organiser's live dashboard of an event: deal value and volume by the
slices organisers report (buyer country, exporter province and city, fuel
and body type, top exporters), meetings and matching coverage.

Charts are drawn on the server as SVG from the rows here, so the big screen
works offline and the same numbers appear beside them as tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django_countries import countries

from deals.selectors import DealStateCounts, event_deal_states, event_deal_totals, event_pending_totals
from deals.totals import NEV_FUELS, Bucket, DealTotals
from events.models import Event, Meeting, Participation
from events.selectors import meeting_counts, meeting_outcome_counts, participation_counts
from matchmaking.choices import BodyType, FuelType
from matchmaking.models import Need
from matchmaking.selectors.matches import Coverage, NoMatchReason, matching_coverage, no_match_reasons

# A chart shows this many bars; the table beside it lists every row.
CHART_BARS = 10
TOP_EXPORTERS = 10


@dataclass(frozen=True)
class ChartRow:
    label: str
    cny: Decimal
    usd: Decimal
    vehicles: int
    deals: int
    # Bar length against the longest bar, and share of the whole, in percent.
    bar_pct: float
    share_pct: float
    highlight: bool = False


def chart_rows(
    buckets: list[Bucket],
    total_cny: Decimal,
    label: Callable[[Bucket], str],
    highlight: Callable[[Bucket], bool] = lambda bucket: False,
) -> list[ChartRow]:
    """Rows for a bar chart of value, longest first. With no converted value
    at all (rates missing) bars fall back to vehicles so the chart still
    says something true."""
    by_value = total_cny > 0
    largest = max((bucket.cny if by_value else bucket.vehicles for bucket in buckets), default=0)
    rows = []
    for bucket in buckets:
        measure = bucket.cny if by_value else bucket.vehicles
        rows.append(
            ChartRow(
                label=label(bucket),
                cny=bucket.cny,
                usd=bucket.usd,
                vehicles=bucket.vehicles,
                deals=bucket.deals,
                bar_pct=round(float(measure) / float(largest) * 100, 1) if largest else 0.0,
                share_pct=round(float(bucket.cny / total_cny) * 100, 1) if by_value else 0.0,
                highlight=highlight(bucket),
            )
        )
    return rows


def _country(bucket: Bucket) -> str:
    return str(countries.name(bucket.key)) or bucket.key or _("Not given")


def _place(bucket: Bucket) -> str:
    return bucket.label or _("Not given")


def _fuel(bucket: Bucket) -> str:
    return str(FuelType(bucket.key).label) if bucket.key in FuelType.values else bucket.key


def _body(bucket: Bucket) -> str:
    return str(BodyType(bucket.key).label) if bucket.key in BodyType.values else bucket.key


@dataclass(frozen=True)
class MeetingFigures:
    requested: int
    booked: int
    confirmed: int
    held: int
    no_show: int
    declined: int
    cancelled: int
    outcomes: dict[str, dict[str, int]]

    @property
    def no_show_pct(self) -> float | None:
        """No-shows among the meetings whose attendance is known."""
        attended = self.held + self.no_show
        return round(100 * self.no_show / attended, 1) if attended else None


@dataclass(frozen=True)
class Dashboard:
    totals: DealTotals
    pending: DealTotals
    states: DealStateCounts
    by_country: list[ChartRow]
    by_province: list[ChartRow]
    by_city: list[ChartRow]
    by_fuel: list[ChartRow]
    by_body: list[ChartRow]
    top_exporters: list[ChartRow]
    meetings: MeetingFigures
    participants: dict[str, int]
    coverage: Coverage
    no_match_reasons: list[NoMatchReason]

    @property
    def nev_value_pct(self) -> float:
        return round(float(self.totals.nev_cny / self.totals.cny) * 100, 1) if self.totals.cny else 0.0


def event_needs(event: Event) -> QuerySet[Need]:
    """Needs of the event's approved buyers: the ones its matching serves."""
    buyers = Participation.objects.filter(event=event, status=Participation.Status.APPROVED).values(
        "organisation_id"
    )
    return Need.objects.filter(Q(buyer_id__in=buyers))


def event_dashboard(event: Event) -> Dashboard:
    """Everything on the organiser's dashboard, in a fixed number of queries
    whatever the number of deals, meetings or needs."""
    totals = event_deal_totals(event)
    counts = meeting_counts(event)
    needs = event_needs(event)
    return Dashboard(
        totals=totals,
        pending=event_pending_totals(event),
        states=event_deal_states(event),
        by_country=chart_rows(DealTotals.ranked(totals.by_country), totals.cny, _country),
        by_province=chart_rows(DealTotals.ranked(totals.by_province), totals.cny, _place),
        by_city=chart_rows(DealTotals.ranked(totals.by_city), totals.cny, _place),
        by_fuel=chart_rows(
            DealTotals.ranked(totals.by_fuel), totals.cny, _fuel, highlight=lambda b: b.key in NEV_FUELS
        ),
        by_body=chart_rows(DealTotals.ranked(totals.by_body), totals.cny, _body),
        top_exporters=chart_rows(DealTotals.ranked(totals.by_exporter, TOP_EXPORTERS), totals.cny, _place),
        meetings=MeetingFigures(
            requested=counts[Meeting.State.REQUESTED],
            booked=sum(counts[state] for state in Meeting.BOOKED),
            confirmed=counts[Meeting.State.CONFIRMED],
            held=counts[Meeting.State.HELD],
            no_show=counts[Meeting.State.NO_SHOW],
            declined=counts[Meeting.State.DECLINED],
            cancelled=counts[Meeting.State.CANCELLED],
            outcomes=meeting_outcome_counts(event),
        ),
        participants=participation_counts(event),
        coverage=matching_coverage(needs),
        no_match_reasons=no_match_reasons(needs=needs),
    )
