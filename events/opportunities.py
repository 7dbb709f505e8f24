"""The opportunity list as the public reads it: each open need of an event's
buyers reduced to what an exporter needs to decide to offer a lot, with
nothing that names the buyer (no company, reference, title, note or contact),
on the page and in the CSV and XLSX downloads alike."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events.models import Event
from matchmaking.choices import BodyType, FuelType
from matchmaking.models import Need
from matchmaking.selectors.fx import fx_convert, fx_table_on
from matchmaking.spreadsheets.exports import CONTENT_TYPES, FORMATS, ExportFile
from matchmaking.spreadsheets.files import Cell, csv_bytes, xlsx_bytes

# Upper bounds in US dollars per vehicle; a budget on a bound belongs to the
# band above it. Bands, not figures, so buyers' exact limits stay private.
BUDGET_BANDS: Sequence[tuple[Decimal | None, Promise]] = (
    (Decimal(10_000), gettext_lazy("under 10,000")),
    (Decimal(20_000), gettext_lazy("10,000–20,000")),
    (Decimal(35_000), gettext_lazy("20,000–35,000")),
    (Decimal(50_000), gettext_lazy("35,000–50,000")),
    (None, gettext_lazy("over 50,000")),
)


def opportunity_code(need_id: int) -> str:
    return f"OPP-{need_id}"


def budget_band(amount_usd: Decimal | None) -> str:
    """The band of a unit budget in US dollars; "not stated" without one."""
    if amount_usd is None:
        return _("not stated")
    for upper, label in BUDGET_BANDS:
        if upper is None or amount_usd < upper:
            return str(label)
    raise AssertionError("the last band has no upper bound")


def _years(year_min: int | None, year_max: int | None) -> str:
    if year_min and year_max:
        return f"{year_min}–{year_max}"
    if year_min:
        return _("from %(year)s") % {"year": year_min}
    if year_max:
        return _("up to %(year)s") % {"year": year_max}
    return _("any")


def _labels(choices: type, codes: Iterable[str]) -> str:
    names = []
    for code in codes:
        try:
            names.append(str(choices(code).label))
        except ValueError:
            names.append(code)
    return ", ".join(names) or _("any")


@dataclass(frozen=True)
class Opportunity:
    need_id: int
    code: str
    country_code: str
    country: str
    body_types: str
    fuel_types: str
    makes: str
    models: str
    years: str
    quantity: int
    budget_usd: str
    # The terms the budget is stated on (FOB, CFR…): a CFR budget includes freight.
    incoterm: str
    deadline: datetime.date | None


def opportunity_from(need: Need, rates: Mapping[str, Decimal], on: datetime.date) -> Opportunity:
    price = need.max_unit_price
    usd = fx_convert(price, need.currency, "USD", on, rates=rates) if price else None
    return Opportunity(
        need_id=need.pk,
        code=opportunity_code(need.pk),
        country_code=str(need.destination_country.code),
        country=str(need.destination_country.name),
        body_types=_labels(BodyType, need.body_types),
        fuel_types=_labels(FuelType, need.fuel_types),
        makes=", ".join(need.makes),
        models=", ".join(need.model_names),
        years=_years(need.year_min, need.year_max),
        quantity=need.quantity,
        budget_usd=budget_band(usd),
        incoterm=need.incoterm if price else "",
        deadline=need.deadline,
    )


def opportunity_rows(needs: Iterable[Need], on: datetime.date) -> list[Opportunity]:
    """The needs as anonymous rows, budgets converted at the rates of `on`
    (one query for the rates)."""
    rates = fx_table_on(on)
    return [opportunity_from(need, rates, on) for need in needs]


def _header() -> list[str]:
    return [
        _("Code"),
        _("Destination"),
        _("Body types"),
        _("Fuel types"),
        _("Makes"),
        _("Models"),
        _("Model years"),
        _("Quantity"),
        _("Budget per vehicle (USD)"),
        _("Incoterm"),
        _("Deadline"),
    ]


def opportunity_file(event: Event, rows: Iterable[Opportunity], fmt: str, on: datetime.date) -> ExportFile:
    """The same anonymous rows as the page, as CSV or XLSX."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}")
    cells: Iterable[list[Cell]] = (
        [
            row.code,
            row.country,
            row.body_types,
            row.fuel_types,
            row.makes,
            row.models,
            row.years,
            row.quantity,
            row.budget_usd,
            row.incoterm,
            row.deadline.isoformat() if row.deadline else "",
        ]
        for row in rows
    )
    header = _header()
    content = (
        csv_bytes(header, cells) if fmt == "csv" else xlsx_bytes(header, cells, title=_("Opportunities"))
    )
    return ExportFile(
        content=content,
        filename=f"{event.slug}-opportunities-{on.isoformat()}.{fmt}",
        content_type=CONTENT_TYPES[fmt],
    )
