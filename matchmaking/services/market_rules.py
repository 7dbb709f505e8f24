"""Write operations on market rules and FX rates, and loading market rules from
the CSV format of `data/market_rules.csv`. Each is one transaction; refusals
are `ValidationError`s with a message for the person who asked."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from matchmaking.choices import FuelType
from matchmaking.models import MarketRule, Need
from matchmaking.services import match_runs, match_store, rescoring

BUNDLED_MARKET_RULES = Path(__file__).resolve().parent.parent / "data" / "market_rules.csv"

MARKET_RULE_FIELDS = (
    "country",
    "applies_to_fuels",
    "used_imports_banned",
    "steering_required",
    "max_age_years",
    "age_counted_from",
    "min_emission_standard",
    "banned_fuels",
    "max_engine_cc",
    "max_mileage_km",
    "uncertain",
    "last_checked",
    "source",
    "notes",
)

# What a form or a caller may set: the file's columns and the notes in other
# languages (which a loaded file takes from BUNDLED_NOTE_TRANSLATIONS).
EDITABLE_FIELDS = (*MARKET_RULE_FIELDS, "notes_translations")
BUNDLED_NOTE_TRANSLATIONS = BUNDLED_MARKET_RULES.with_name("market_rule_notes.json")

_FUEL_LISTS = ("applies_to_fuels", "banned_fuels")
_BOOLEANS = ("used_imports_banned", "uncertain")
_INTEGERS = ("max_age_years", "max_engine_cc", "max_mileage_km")


# Market rules ------------------------------------------------------------------


def _fuel_list(values: Any) -> Any:
    """Deduplicated, in the order of FuelType; unknown codes are kept (at the end)
    so that validation names them."""
    if not isinstance(values, (list, tuple)):
        return values
    codes = list(dict.fromkeys(str(v).strip().lower() for v in values if str(v).strip()))
    known = [code for code in FuelType.values if code in codes]
    return known + [code for code in codes if code not in FuelType.values]


def _normalise_rule(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not market rule fields: {sorted(unknown)}")
    for name in _FUEL_LISTS:
        if name in fields:
            fields[name] = _fuel_list(fields[name])
    for name in ("country", "steering_required"):
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].strip().upper()
    for name in ("age_counted_from", "min_emission_standard"):
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].strip().lower()
    for name in ("last_checked", "source", "notes"):
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].strip()
    return fields


def check_age_counted_from(max_age_years: int | None, age_counted_from: str) -> None:
    """A maximum age means nothing without the date it is counted from. The
    database refuses it too (market_rule_age_says_from_when); checking here
    puts the message on the field a person has to fill in."""
    if max_age_years is not None and not age_counted_from:
        raise ValidationError(
            {
                "age_counted_from": _("Say from which date the maximum age of %(years)s years is counted.")
                % {"years": max_age_years}
            }
        )


def _check_rule(rule: MarketRule) -> None:
    errors: dict[str, list[ValidationError]] = {}
    try:
        rule.full_clean(validate_constraints=False)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:
        check_age_counted_from(rule.max_age_years, rule.age_counted_from)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
    rule.validate_constraints()


@transaction.atomic
def market_rule_create(**fields: Any) -> MarketRule:
    """Add a rule for a destination country."""
    rule = MarketRule(**_normalise_rule(fields))
    _check_rule(rule)
    rule.save()
    rescoring.on_market_rules_changed(rule.country.code)
    return rule


@transaction.atomic
def market_rule_update(*, rule: MarketRule, **fields: Any) -> MarketRule:
    previous_country = rule.country.code
    for name, value in _normalise_rule(fields).items():
        setattr(rule, name, value)
    _check_rule(rule)
    rule.save()
    for country in {previous_country, rule.country.code}:
        rescoring.on_market_rules_changed(country)
    return rule


@transaction.atomic
def market_rule_delete(*, rule: MarketRule) -> None:
    country = rule.country.code
    rule.delete()
    rescoring.on_market_rules_changed(country)


# Loading market rules from CSV -------------------------------------------------


@dataclass
class MarketRulesLoadResult:
    """What `market_rules_load` did, by country code."""

    created: int = 0
    loaded_countries: list[str] = field(default_factory=list)
    replaced_countries: list[str] = field(default_factory=list)
    skipped_countries: list[str] = field(default_factory=list)


def _yes_no(value: str, column: str) -> bool:
    answer = value.strip().lower()
    if answer in ("yes", "no", ""):
        return answer == "yes"
    raise ValidationError(
        _("%(column)s: write yes or no, not “%(value)s”.") % {"column": column, "value": value}
    )


def _whole_number(value: str, column: str) -> int | None:
    value = value.strip().replace(",", "")
    if not value:
        return None
    # isdecimal, not isdigit: int() reads full-width "１２" but refuses "²".
    if not value.isdecimal():
        raise ValidationError(
            _("%(column)s: “%(value)s” is not a whole number.") % {"column": column, "value": value}
        )
    return int(value)


def _parse_rule_row(row: dict[str, str]) -> dict[str, Any]:
    """The CSV's text as model field values: yes/no booleans, ;-separated fuel
    lists, empty cells as no value."""
    fields: dict[str, Any] = {}
    errors: list[str] = []
    for column in MARKET_RULE_FIELDS:
        raw = (row.get(column) or "").strip()
        try:
            if column in _BOOLEANS:
                fields[column] = _yes_no(raw, column)
            elif column in _INTEGERS:
                fields[column] = _whole_number(raw, column)
            elif column in _FUEL_LISTS:
                fields[column] = [code for code in raw.split(";") if code.strip()]
            else:
                fields[column] = raw
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)
    fields["notes_translations"] = bundled_note_translations().get(fields["notes"].strip(), {})
    return _normalise_rule(fields)


@cache
def bundled_note_translations() -> dict[str, dict[str, str]]:
    """The bundled rules' notes in the site's other languages, by English text:
    a file loaded later with the same notes gets them too."""
    with BUNDLED_NOTE_TRANSLATIONS.open(encoding="utf-8") as file:
        loaded: dict[str, dict[str, str]] = json.load(file)
    return loaded


def _describe(error: ValidationError) -> list[str]:
    if not hasattr(error, "error_dict"):
        return error.messages
    described = []
    for name, messages in error.message_dict.items():
        for message in messages:
            described.append(message if name == NON_FIELD_ERRORS else f"{name}: {message}")
    return described


def market_rules_read(path: Path | str) -> list[tuple[int, MarketRule]]:
    """Parse and validate a market rules CSV; every rule with the line it came
    from. Raises one `ValidationError` listing every bad line."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise ValidationError(
            _("Cannot read %(path)s: %(reason)s") % {"path": path, "reason": error.strerror}
        ) from error
    rules: list[tuple[int, MarketRule]] = []
    errors: list[str] = []
    with handle:
        reader = csv.DictReader(handle)
        header = [name.strip() for name in reader.fieldnames or []]
        missing = [name for name in MARKET_RULE_FIELDS if name not in header]
        extra = [name for name in header if name not in MARKET_RULE_FIELDS]
        if missing or extra:
            problems = []
            if missing:
                problems.append(_("missing columns: %(names)s") % {"names": ", ".join(missing)})
            if extra:
                problems.append(_("unknown columns: %(names)s") % {"names": ", ".join(extra)})
            raise ValidationError(_("Line 1: %(problems)s.") % {"problems": "; ".join(problems)})
        reader.fieldnames = header
        for row in reader:
            # The line a record ends on: the same as where it starts unless a
            # quoted note spans several lines.
            line = reader.line_num
            country = (row.get("country") or "").strip().upper()
            where = _("Line %(line)s (%(country)s)") % {"line": line, "country": country or "?"}
            if None in row:
                # csv.DictReader puts cells beyond the header under None: most
                # often a note with an unquoted comma.
                errors.append(
                    _("%(where)s: more cells than columns; put text that contains commas in quotes.")
                    % {"where": where}
                )
                continue
            try:
                rule = MarketRule(**_parse_rule_row(row))
                _check_rule(rule)
            except ValidationError as error:
                errors.extend(f"{where}: {message}" for message in _describe(error))
            else:
                rules.append((line, rule))
    if errors:
        raise ValidationError(errors)
    if not rules:
        raise ValidationError(_("%(path)s has no market rules.") % {"path": path.name})
    return rules


@transaction.atomic
def market_rules_load(
    *, path: Path | str = BUNDLED_MARKET_RULES, replace: bool = False
) -> MarketRulesLoadResult:
    """Load a market rules CSV. Countries that already have rules are skipped,
    so loading twice changes nothing; with `replace` their rules are deleted and
    loaded again from the file. Nothing is applied when any line is bad."""
    rules = [rule for _line, rule in market_rules_read(path)]
    in_file = list(dict.fromkeys(rule.country.code for rule in rules))
    existing = set(MarketRule.objects.filter(country__in=in_file).values_list("country", flat=True))
    result = MarketRulesLoadResult()
    if replace:
        MarketRule.objects.filter(country__in=existing).delete()
        result.replaced_countries = [code for code in in_file if code in existing]
    else:
        result.skipped_countries = [code for code in in_file if code in existing]
        rules = [rule for rule in rules if rule.country.code not in existing]
    MarketRule.objects.bulk_create(rules)
    if rules:
        match_store.needs_flag(Need.objects.filter(destination_country__in=in_file))
        match_runs.on_many_changed()
    result.created = len(rules)
    result.loaded_countries = list(dict.fromkeys(rule.country.code for rule in rules))
    return result
