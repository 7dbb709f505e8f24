"""One spreadsheet row turned into a model instance, or into its problems."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils.translation import gettext as _

from accounts.models import Organisation
from matchmaking.spreadsheets.cells import CellError
from matchmaking.spreadsheets.files import Cell
from matchmaking.spreadsheets.formats import ImportSpec, RowContext
from matchmaking.spreadsheets.reports import RowError

_UNSEEN = object()


def _memo_key(value: Any) -> tuple[Any, ...]:
    """A hashable key that tells apart values the field rules could tell apart
    (Decimal("1.50") and Decimal("1.5") differ in decimal places)."""
    if isinstance(value, list):
        return (list, tuple(value))
    if isinstance(value, Decimal):
        return (Decimal, str(value))
    return (type(value), value)


class RowValidator:
    """Turns one row into a model instance, or into its problems.

    Each row goes through the model's `full_clean` (field rules, choices,
    validators, `clean()`), restricted to the file's columns. A value that
    passed its field's rules on an earlier row is not checked again: the rules
    are functions of the value alone, and a spreadsheet repeats its makes,
    codes and currencies thousands of times.
    """

    def __init__(
        self,
        spec: ImportSpec,
        positions: dict[str, int],
        existing: dict[str, dict[str, Any]],
        organisation: Organisation | None,
        new_status: str,
    ) -> None:
        meta = spec.model._meta
        self.spec = spec
        self.existing = existing
        self.columns = [
            (column, positions[column.name]) for column in spec.columns if column.name in positions
        ]
        self.present = {column.field_name for column, _index in self.columns}
        self.order = {column.field_name: position for position, (column, _i) in enumerate(self.columns)}
        self.empty = {
            column.field_name: _empty_value(spec.field(column.field_name)) for column, _i in self.columns
        }
        # Only the columns in the file are checked (and later written): the
        # others keep their current value on updates and defaults on new rows.
        self.exclude = frozenset(f.name for f in meta.fields if f.name not in self.present)
        self.decimals = {
            f.name: Decimal(1).scaleb(-f.decimal_places)
            for f in meta.fields
            if isinstance(f, models.DecimalField) and f.name in self.present
        }
        # Instances are built from positional values, the fast path of Model.__init__.
        self.fields = list(meta.concrete_fields)
        self.position = {f.name: i for i, f in enumerate(self.fields)}
        owner_attname = spec.field(spec.owner_field).attname
        owner_id = organisation.pk if organisation is not None else None
        self.template: list[Any] = []
        self.fresh_defaults: list[tuple[int, models.Field[Any, Any]]] = []
        for i, f in enumerate(self.fields):
            if f.primary_key:
                self.template.append(None)
            elif f.attname == owner_attname:
                self.template.append(owner_id)
            elif f.name == "status":
                self.template.append(new_status)
            else:
                self.template.append(f.get_default())
                if callable(f.default) and f.name not in self.present:
                    self.fresh_defaults.append((i, f))
        self.good: dict[tuple[str, tuple[Any, ...]], Any] = {}
        self.context = RowContext()

    def _parse(self, cells: Sequence[Cell]) -> tuple[dict[str, Any], dict[str, str]]:
        values: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for column, index in self.columns:
            raw = cells[index] if index < len(cells) else None
            if raw is None or (isinstance(raw, str) and (not raw or raw.isspace())):
                if column.required:
                    problems[column.field_name] = _("A value is required.")
                else:
                    value = self.empty[column.field_name]
                    values[column.field_name] = list(value) if isinstance(value, list) else value
                continue
            try:
                values[column.field_name] = column.parse(raw)
            except CellError as error:
                problems[column.field_name] = error.reason
        return values, problems

    def _instance(self, values: dict[str, Any], existing: dict[str, Any] | None) -> models.Model:
        if existing is not None:
            args = [None if f.primary_key else existing[f.attname] for f in self.fields]
        else:
            args = self.template.copy()
            for i, f in self.fresh_defaults:
                args[i] = f.get_default()
        for name, value in values.items():
            args[self.position[name]] = value
        return self.spec.model(*args)

    def validate(
        self, number: int, cells: Sequence[Cell]
    ) -> tuple[models.Model | None, bool, list[RowError]]:
        spec = self.spec
        values, problems = self._parse(cells)
        ref = values.get("ref")
        existing = self.existing.get(ref) if isinstance(ref, str) else None
        keys = {name: (name, _memo_key(value)) for name, value in values.items()}
        known: set[str] = set()
        for name, key in keys.items():
            cleaned = self.good.get(key, _UNSEEN)
            if cleaned is not _UNSEEN:
                values[name] = cleaned
                known.add(name)
        instance = self._instance(values, existing)
        try:
            instance.full_clean(
                exclude=self.exclude | problems.keys() | known,
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                problems.setdefault("" if name == NON_FIELD_ERRORS else name, " ".join(messages))
        for name, key in keys.items():
            if name not in known and name not in problems:
                self.good[key] = getattr(instance, name)
        if not problems:
            for name, reason in spec.check(instance, existing, self.present, self.context):
                problems.setdefault(name, reason)
        if problems:
            errors = [
                RowError(number, spec.column_of_field(name), reason)
                for name, reason in sorted(problems.items(), key=lambda item: self.order.get(item[0], -1))
            ]
            return None, False, errors
        # Stored as the database will hold it, so the preview shows 16500.00.
        for name, exponent in self.decimals.items():
            value = getattr(instance, name)
            if isinstance(value, Decimal):
                setattr(instance, name, value.quantize(exponent))
        return instance, existing is not None, []


def _empty_value(model_field: models.Field[Any, Any]) -> Any:
    if model_field.has_default():
        return model_field.get_default()
    if model_field.null:
        return None
    return ""
