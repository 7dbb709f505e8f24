"""Write operations on buyers' purchase needs."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Organisation
from matchmaking.models import Need
from matchmaking.refusals import conflict_message
from matchmaking.selectors import engine_inputs
from matchmaking.services import rescoring

NEED_TRANSITIONS: dict[str, set[str]] = {
    Need.Status.OPEN: {Need.Status.FULFILLED, Need.Status.CLOSED},
    Need.Status.FULFILLED: {Need.Status.OPEN},
    Need.Status.CLOSED: {Need.Status.OPEN},
}


def _normalise(fields: dict[str, Any]) -> dict[str, Any]:
    for name in ("makes", "model_names"):
        if name in fields:
            # One spelling per name, in the order given.
            seen: dict[str, str] = {}
            for value in fields[name]:
                seen.setdefault(value.strip().casefold(), value.strip())
            fields[name] = list(seen.values())
    for name in ("ref", "title", "destination_port"):
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].strip()
    return fields


def need_rule_errors(need: Need, rules: list[Any] | None = None) -> dict[str, list[str]]:
    """The need's fields that its destination's market rules contradict, each
    with the rule and its source; sets `need.blocked_by_rule` when the need
    can never match whatever it says (a destination that bans used imports)."""
    conflicts = engine_inputs.need_rule_conflicts(need, rules)
    need.blocked_by_rule = engine_inputs.rule_block(conflicts)
    errors: dict[str, list[str]] = {}
    for conflict in conflicts:
        if conflict.field:
            message = conflict_message(conflict.reason, conflict.params, field=conflict.field)
            errors.setdefault(conflict.field, []).append(message)
    return errors


def _check_rules(need: Need) -> None:
    """A need may narrow what its destination's rules allow, never widen it."""
    errors = need_rule_errors(need)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def need_create(*, buyer: Organisation, **fields: Any) -> Need:
    """Post a need. Values its destination's market rules contradict are
    refused; a need no lot could ever match (used imports banned) is saved
    with `blocked_by_rule` set, for the page to warn about."""
    if not buyer.is_buyer:
        raise ValidationError(_("Only buyers post purchase needs."))
    need = Need(buyer=buyer, **_normalise(fields))
    need.full_clean()
    _check_rules(need)
    need.save()
    rescoring.on_need_changed(need.pk)
    return need


@transaction.atomic
def need_update(*, need: Need, **fields: Any) -> Need:
    fields = _normalise(fields)
    if "status" in fields and fields["status"] != need.status:
        raise ValueError("Change a need's status with need_set_status.")
    for name, value in fields.items():
        setattr(need, name, value)
    need.full_clean()
    _check_rules(need)
    need.save()
    rescoring.on_need_changed(need.pk)
    return need


@transaction.atomic
def need_set_status(*, need: Need, status: str) -> Need:
    need = Need.objects.select_for_update().get(pk=need.pk)
    if status == need.status:
        return need
    if status not in NEED_TRANSITIONS[need.status]:
        raise ValidationError(
            _("A need that is %(current)s cannot become %(new)s.")
            % {"current": need.get_status_display(), "new": Need.Status(status).label},
            code="transition",
        )
    need.status = status
    need.save(update_fields=["status", "updated_at"])
    rescoring.on_need_changed(need.pk)
    return need
