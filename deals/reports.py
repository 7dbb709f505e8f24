"""The organisers' reports on an event: its deals, meetings and participants
as rows for a table or a download (CSV or XLSX).

Each report reads the database a fixed number of times, however large the
fair. Times are in the event's time zone, choices show their labels, and the
header speaks the organiser's language.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from django.db.models import Count, F, IntegerField, Model, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from deals.models import Deal, DealLine
from events.models import Event, Meeting, Participation
from matchmaking.fx import convert
from matchmaking.selectors.fx import fx_rate_book
from matchmaking.spreadsheets.exports import CONTENT_TYPES, FORMATS, ExportFile
from matchmaking.spreadsheets.files import Cell, csv_bytes, xlsx_bytes

CENT = Decimal("0.01")

_M = TypeVar("_M", bound=Model)


@dataclass(frozen=True)
class Report:
    """A table ready to show or download. `kind` names the file, `title`
    the worksheet."""

    kind: str
    title: str
    event_slug: str
    header: list[str]
    rows: list[list[Cell]]


class _Labels:
    """Choice labels in the current language, looked up once per report: a
    lazy label costs a translation lookup each time it is shown, which adds
    up to seconds over tens of thousands of rows."""

    def __init__(self) -> None:
        self._cache: dict[tuple[type, str], dict[str, str]] = {}

    def __call__(self, obj: object, field: str) -> str:
        key = (type(obj), field)
        labels = self._cache.get(key)
        if labels is None:
            choices = obj._meta.get_field(field).flatchoices  # type: ignore[attr-defined]
            labels = self._cache[key] = {value: str(label) for value, label in choices}
        value: str = getattr(obj, field)
        return labels.get(value, value)


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(CENT, rounding=ROUND_HALF_UP)


def _local(moment: datetime.datetime | None, event: Event) -> datetime.datetime | None:
    # Spreadsheets hold no time zones (openpyxl refuses aware datetimes), so the
    # event's wall-clock time is written as is.
    if moment is None:
        return None
    return moment.astimezone(event.zone).replace(tzinfo=None, microsecond=0)


# Deals ---------------------------------------------------------------------------


def deal_report(event: Event) -> Report:
    """One row per deal line of the event's deals in every state; only rows
    that count in totals (confirmed deals) feed published figures. Amounts are
    converted at the rate of the day the deal was signed; a missing rate leaves
    the converted cells empty. Two queries."""
    label = _Labels()
    lines = list(
        DealLine.objects.filter(deal__event=event)
        .select_related("deal__exporter", "deal__buyer", "lot")
        .order_by("deal__signed_on", "deal_id", "pk")
    )
    book = fx_rate_book({line.deal.currency for line in lines})
    header = [
        _("Deal no."),
        _("State"),
        _("Counts in totals"),
        _("Signed on"),
        _("Exporter"),
        _("Exporter province"),
        _("Exporter city"),
        _("Buyer"),
        _("Buyer country code"),
        _("Buyer country"),
        _("Lot reference"),
        _("Make"),
        _("Model"),
        _("Model year"),
        _("Fuel type"),
        _("Body type"),
        _("Vehicles"),
        _("Unit price"),
        _("Currency"),
        _("Incoterm"),
        _("Amount"),
        _("Rate to CNY"),
        _("Amount in CNY"),
        _("Amount in USD"),
        _("Meeting no."),
    ]
    rows: list[list[Cell]] = []
    for line in lines:
        deal, lot = line.deal, line.lot
        amount = line.amount
        rate = book.rate_on(deal.currency, deal.signed_on)
        usd_rate = book.rate_on("USD", deal.signed_on)
        amount_cny = convert(amount, rate)
        if deal.currency == "USD":
            amount_usd = amount
        elif amount_cny is None or usd_rate is None:
            amount_usd = None
        else:
            amount_usd = convert(amount, rate, usd_rate)
        rows.append(
            [
                deal.pk,
                label(deal, "state"),
                deal.state == Deal.State.CONFIRMED,
                deal.signed_on,
                deal.exporter.name,
                deal.exporter.province,
                deal.exporter.city,
                deal.buyer.name,
                deal.buyer.country.code,
                deal.buyer.country.name,
                lot.ref,
                lot.make,
                lot.model,
                lot.model_year,
                label(lot, "fuel_type"),
                label(lot, "body_type"),
                line.quantity,
                line.unit_price,
                deal.currency,
                label(deal, "incoterm"),
                amount,
                rate,
                _money(amount_cny),
                _money(amount_usd),
                deal.meeting_id,
            ]
        )
    return Report(kind="deals", title=_("Deals"), event_slug=event.slug, header=header, rows=rows)


# Meetings ------------------------------------------------------------------------


def meeting_report(event: Event) -> Report:
    """One row per meeting of the event, in agenda order (unscheduled ones
    last), with each side's confirmation and account of the outcome. One query."""
    label = _Labels()
    meetings = (
        Meeting.objects.filter(event=event)
        .select_related("slot", "table", "exporter", "buyer")
        .order_by(F("slot__number").asc(nulls_last=True), F("table__position").asc(nulls_last=True), "pk")
    )
    header = [
        _("Meeting no."),
        _("Date"),
        _("Starts"),
        _("Ends"),
        _("Table"),
        _("Exporter"),
        _("Exporter province"),
        _("Buyer"),
        _("Buyer country code"),
        _("Buyer country"),
        _("State"),
        _("Confirmed by the exporter"),
        _("Confirmed by the buyer"),
        _("Exporter's outcome"),
        _("Buyer's outcome"),
    ]
    rows: list[list[Cell]] = []
    for meeting in meetings:
        starts = _local(meeting.slot.starts_at, event) if meeting.slot else None
        ends = _local(meeting.slot.ends_at, event) if meeting.slot else None
        rows.append(
            [
                meeting.pk,
                starts.date() if starts else None,
                starts.time() if starts else None,
                ends.time() if ends else None,
                meeting.table.name if meeting.table else None,
                meeting.exporter.name,
                meeting.exporter.province,
                meeting.buyer.name,
                meeting.buyer.country.code,
                meeting.buyer.country.name,
                label(meeting, "state"),
                meeting.exporter_confirmed_at is not None,
                meeting.buyer_confirmed_at is not None,
                label(meeting, "exporter_outcome"),
                label(meeting, "buyer_outcome"),
            ]
        )
    return Report(kind="meetings", title=_("Meetings"), event_slug=event.slug, header=header, rows=rows)


# Participants --------------------------------------------------------------------


def _count(queryset: QuerySet[Any]) -> Coalesce:
    """The number of rows of a subquery correlated with the outer participation."""
    counted = queryset.order_by().values("event").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _of_participant(queryset: QuerySet[_M]) -> QuerySet[_M]:
    return queryset.filter(event=OuterRef("event")).filter(
        Q(exporter=OuterRef("organisation")) | Q(buyer=OuterRef("organisation"))
    )


def participant_report(event: Event) -> Report:
    """One row per participation (any status) with its booked and held
    meetings and its confirmed deals at the event. One query."""
    label = _Labels()
    participations = (
        Participation.objects.filter(event=event)
        .select_related("organisation", "home_table")
        .annotate(
            booked_meetings=_count(_of_participant(Meeting.objects.filter(state__in=Meeting.BOOKED))),
            held_meetings=_count(_of_participant(Meeting.objects.filter(state=Meeting.State.HELD))),
            confirmed_deals=_count(_of_participant(Deal.objects.filter(state=Deal.State.CONFIRMED))),
        )
        .order_by("organisation__name", "pk")
    )
    header = [
        _("Organisation"),
        _("Kind"),
        _("Country code"),
        _("Country"),
        _("Province / state"),
        _("City"),
        _("Status"),
        _("Checked in"),
        _("Home table"),
        _("Booked meetings"),
        _("Meetings held"),
        _("Confirmed deals"),
    ]
    rows: list[list[Cell]] = []
    for participation in participations:
        organisation = participation.organisation
        rows.append(
            [
                organisation.name,
                label(organisation, "kind"),
                organisation.country.code,
                organisation.country.name,
                organisation.province,
                organisation.city,
                label(participation, "status"),
                _local(participation.checked_in_at, event),
                participation.home_table.name if participation.home_table else None,
                participation.booked_meetings,
                participation.held_meetings,
                participation.confirmed_deals,
            ]
        )
    return Report(
        kind="participants", title=_("Participants"), event_slug=event.slug, header=header, rows=rows
    )


REPORTS: dict[str, Callable[[Event], Report]] = {
    "deals": deal_report,
    "meetings": meeting_report,
    "participants": participant_report,
}


def report_file(report: Report, fmt: str, *, day: datetime.date | None = None) -> ExportFile:
    """The report as a CSV or XLSX download named `<event>-<kind>-<date>.<fmt>`;
    text a spreadsheet would run as a formula is neutralised."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown report format {fmt!r}")
    day = day or timezone.localdate()
    if fmt == "csv":
        content = csv_bytes(report.header, report.rows)
    else:
        content = xlsx_bytes(report.header, report.rows, title=report.title)
    return ExportFile(
        content=content,
        filename=f"{report.event_slug}-{report.kind}-{day.isoformat()}.{fmt}",
        content_type=CONTENT_TYPES[fmt],
    )
