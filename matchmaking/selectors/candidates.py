"""SQL prefilters for rescoring one lot or need: the lots a need could take and
the needs a lot could serve. The engine still applies every rule, so these
only spare loading and indexing items it would refuse anyway: each condition
is one the engine enforces exactly as written here. Makes and models are
left to the engine, which reads them through aliases."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection
from django.db.models import BooleanField, CharField, Field, Func, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower, Trim

from matchmaking.engine.tables import LotRecord, NeedRecord
from matchmaking.engine.vocabulary import MAKE_ALIASES, MAKE_GROUPS, canonical_make, normalise, wanted_makes
from matchmaking.fx import convert
from matchmaking.models import Lot, Need

# Prefilters for rescoring one item. The engine still applies every rule, so
# these only spare loading and indexing items it would refuse anyway: each
# condition is one the engine enforces exactly as written here. Makes and
# models are left to the engine, which reads them through aliases.


def _kind_filter(field: str, wanted: Iterable[str]) -> Q:
    """The engine compares kinds normalised; codes hold no separators, so
    lower case and trimming are all normalising does to them."""
    keys = {normalise(value) for value in wanted}
    if not keys or any(" " in key for key in keys):
        return Q()
    return Q(**{f"{field}_key__in": keys})


# Prices compare in CNY (engine: unit price x rate <= max unit price x 1.10 x
# rate). Bounds are widened by this factor so float rounding never drops an
# item the engine would keep.
_PRICE_SLACK = 1e-9


def _within_cap(field: str, currency_field: str, bounds: dict[str, float], upper: bool) -> Q:
    """`field` below (upper) or above each currency's bound, for the currencies
    that have one; nothing when none has."""
    allowed = Q(pk__in=[])
    for currency, bound in bounds.items():
        widened = bound * (1 + _PRICE_SLACK) if upper else bound * (1 - _PRICE_SLACK)
        limit = {f"{field}__lte" if upper else f"{field}__gte": Decimal(repr(widened))}
        allowed |= Q(**{currency_field: currency}, **limit)
    return allowed


def _rates(fx: dict[str, float]) -> dict[str, float]:
    return {currency: rate for currency, rate in fx.items() if rate > 0 and math.isfinite(rate)}


def _bounds(amount_cny: float | None, rates: dict[str, float], slack: float = 1.0) -> dict[str, float]:
    """`amount_cny` in each currency worth `slack` times its rate; none when
    there is no amount (its currency has no rate, so it is NaN) or it is negative."""
    if amount_cny is None or not amount_cny >= 0:
        return {}
    bounds = {currency: convert(amount_cny, 1.0, slack * rate) for currency, rate in rates.items()}
    return {currency: bound for currency, bound in bounds.items() if bound is not None}


def _squashed(text: str) -> str:
    """Letters and digits only, lower case: equal for all spellings the engine
    normalises alike (normalising only changes case and separators), so
    comparing these keeps every lot the engine could accept."""
    return _NOT_ALNUM.sub("", text.lower())


_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


class _Squash(Func):
    """_squashed() in PostgreSQL (SQLite has no regexp_replace; it skips this
    prefilter, being for events too small to need it)."""

    template = "regexp_replace(lower(%(expressions)s), '[^0-9a-z]+', '', 'g')"
    output_field = CharField()


def _brand_filter(need: NeedRecord) -> Q:
    """Makes (every alias of every brand the need accepts) and models."""
    if connection.vendor != "postgresql":
        return Q()
    allowed = Q()
    if need.makes:
        brands = wanted_makes(tuple(need.makes))
        spellings = brands | {alias for alias, brand in MAKE_ALIASES.items() if brand in brands}
        allowed &= Q(make_key__in={_squashed(spelling) for spelling in spellings})
    if need.models:
        allowed &= Q(model_key__in={_squashed(model) for model in need.models})
    return allowed


def _lots_of_kind(need: NeedRecord) -> QuerySet[Lot]:
    """Lots of the makes, models, bodies and fuels the need asks for (a superset)."""
    lots = Lot.objects.annotate(
        fuel_type_key=Lower(Trim("fuel_type")), body_type_key=Lower(Trim("body_type"))
    ).filter(_kind_filter("fuel_type", need.fuel_types), _kind_filter("body_type", need.body_types))
    if connection.vendor == "postgresql":
        lots = lots.annotate(make_key=_Squash("make"), model_key=_Squash("model"))
    return lots.filter(_brand_filter(need))


def lots_for_need(need: NeedRecord, fx: dict[str, float]) -> QuerySet[Lot]:
    lots = _lots_of_kind(need)
    if need.year_min is not None:
        lots = lots.filter(model_year__gte=need.year_min)
    if need.year_max is not None:
        lots = lots.filter(model_year__lte=need.year_max)
    if need.max_mileage_km is not None:
        lots = lots.filter(mileage_km__lte=need.max_mileage_km)
    rates = _rates(fx)
    cap_cny = convert(need.max_unit_price * 1.10, rates.get(need.currency.strip().upper(), math.nan))
    return lots.filter(_within_cap("unit_price", "currency", _bounds(cap_cny, rates), upper=True))


def _kinds_accepting(lot: LotRecord) -> Q:
    """Needs that leave fuel and body open or name the lot's (needs hold the
    validated codes, which normalising leaves as they are), and leave makes
    open or name one accepting the lot's brand (`names_make`, annotated by
    _naming_make). PostgreSQL only: jsonb."""
    return (
        (Q(fuel_types=[]) | Q(fuel_types__contains=[normalise(lot.fuel_type)]))
        & (Q(body_types=[]) | Q(body_types__contains=[normalise(lot.body_type)]))
        & (Q(makes=[]) | Q(names_make=True))
    )


def _naming_make(lot: LotRecord) -> RawSQL:
    """Whether a need's makes name, in any spelling (compared squashed, see
    _squashed), the lot's brand or a group holding it."""
    brand = canonical_make(lot.make)
    accepting = {name for name, group in MAKE_GROUPS.items() if brand in group} | {brand}
    spellings = accepting | {alias for alias, name in MAKE_ALIASES.items() if name in accepting}
    quote = connection.ops.quote_name
    makes_field = Need._meta.get_field("makes")
    if not isinstance(makes_field, Field) or makes_field.column is None:
        raise TypeError("Need.makes has no column")
    makes = f"{quote(Need._meta.db_table)}.{quote(makes_field.column)}"
    # Identifiers come from the model's _meta, quoted; the spellings are bound.
    return RawSQL(  # noqa: S611
        # A value that is not a list (never written by the app) is kept: the
        # engine decides, and the query does not fail on it.
        f"(jsonb_typeof({makes}) <> 'array' OR EXISTS (SELECT 1 FROM "  # noqa: S608
        f"jsonb_array_elements_text({makes}) AS named(make) "
        "WHERE regexp_replace(lower(named.make), '[^0-9a-z]+', '', 'g') = ANY(%s)))",
        (sorted({_squashed(spelling) for spelling in spellings}),),
        output_field=BooleanField(),
    )


def needs_for_lot(lot: LotRecord, fx: dict[str, float]) -> QuerySet[Need]:
    rates = _rates(fx)
    price_cny = convert(lot.unit_price, rates.get(lot.currency.strip().upper(), math.nan))
    needs = Need.objects.all()
    if connection.vendor == "postgresql":
        needs = needs.annotate(names_make=_naming_make(lot)).filter(_kinds_accepting(lot))
    return needs.filter(
        Q(year_min__isnull=True) | Q(year_min__lte=lot.model_year),
        Q(year_max__isnull=True) | Q(year_max__gte=lot.model_year),
        Q(max_mileage_km__isnull=True) | Q(max_mileage_km__gte=lot.mileage_km),
        _within_cap("max_unit_price", "currency", _bounds(price_cny, rates, 1.10), upper=False),
    )
