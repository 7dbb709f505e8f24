"""Deals from record to confirmation: one side records the terms, the other
confirms or disputes them, and confirming takes the vehicles off the lots.

A deal counts in the fair's totals only once both sides agree, so that the
headline figure is one both parties stand behind. Each step leaves a
`DealChange` with the terms as they were, visible to both sides and the
organisers.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Organisation, User
from deals.models import Deal, DealChange, DealLine
from deals.notifications import deal_changed_notify_task
from events.models import Event, Meeting, Participation
from matchmaking.fx import convert
from matchmaking.models import Lot
from matchmaking.selectors.fx import fx_rate_on
from matchmaking.services.rescoring import on_lot_changed

# Lots a deal may take vehicles from: on offer, or set aside for a buyer.
SELLABLE = (Lot.Status.AVAILABLE, Lot.Status.RESERVED)

# China's used-car exports began in 2019: a deal signed before 2000 is a
# typing mistake (year 1 is what a stray keystroke in a date field gives).
EARLIEST_SIGNING = datetime.date(2000, 1, 1)
# The price of one vehicle, in yuan, beyond which a number is a slip of the
# keyboard rather than a car: bounded by worth, not digits, because the rial
# and the sum count a vehicle's price in billions.
MAX_UNIT_PRICE_CNY = Decimal(10_000_000)
NOTE_MAX_LENGTH = 2000


@dataclass(frozen=True)
class LineSpec:
    lot: Lot
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class Terms:
    currency: str
    incoterm: str
    signed_on: datetime.date
    lines: Sequence[LineSpec]
    note: str = ""


def _terms_snapshot(deal: Deal) -> dict[str, Any]:
    return {
        "currency": deal.currency,
        "incoterm": deal.incoterm,
        "signed_on": deal.signed_on.isoformat(),
        "note": deal.note,
        "lines": [
            {
                "lot": line.lot_id,
                "lot_ref": line.lot.ref,
                "lot_title": line.lot.title,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
            }
            for line in deal.lines.select_related("lot").order_by("pk")
        ],
    }


def _log(
    deal: Deal, action: str, *, organisation: Organisation | None, user: User | None, note: str = ""
) -> None:
    _notify(deal, action, organisation)
    DealChange.objects.create(
        deal=deal,
        action=action,
        organisation=organisation,
        user=user,
        note=note,
        terms=_terms_snapshot(deal),
    )


def _notify(deal: Deal, action: str, organisation: Organisation | None) -> None:

    deal_id, by = deal.pk, organisation.pk if organisation else None
    transaction.on_commit(lambda: deal_changed_notify_task.delay(deal_id, action, by))


def _short_of(line_quantity: int, lot: Lot) -> str:
    return ngettext(
        "Lot %(ref)s has %(left)s vehicle left; this deal takes %(wanted)s.",
        "Lot %(ref)s has %(left)s vehicles left; this deal takes %(wanted)s.",
        lot.quantity,
    ) % {
        "ref": lot.ref,
        "left": lot.quantity,
        "wanted": line_quantity,
    }


def _yuan_per_unit(currency: str, day: datetime.date) -> Decimal | None:
    # A deal signed before the first stored rate is measured by the newest one.
    return fx_rate_on(currency, day) or fx_rate_on(currency, datetime.date.max)


def _check_terms(terms: Terms, exporter: Organisation) -> None:
    errors: dict[str, list[str]] = {}
    if not terms.lines:
        errors.setdefault("lines", []).append(_("Add at least one lot to the deal."))
    if terms.signed_on > timezone.localdate():
        errors.setdefault("signed_on", []).append(_("A deal cannot be signed in the future."))
    elif terms.signed_on < EARLIEST_SIGNING:
        errors.setdefault("signed_on", []).append(
            _("Give the date the deal was signed: 2000 or later, and not in the future.")
        )
    if len(terms.note) > NOTE_MAX_LENGTH:
        errors.setdefault("note", []).append(
            _("Keep the note to %(max)s characters; it has %(length)s.")
            % {"max": NOTE_MAX_LENGTH, "length": len(terms.note)}
        )
    rate = _yuan_per_unit(terms.currency, terms.signed_on) if terms.lines else None
    seen: set[int] = set()
    for line in terms.lines:
        lot = line.lot
        if lot.exporter_id != exporter.pk:
            errors.setdefault("lines", []).append(
                _("Lot %(ref)s is not %(exporter)s's.") % {"ref": lot.ref, "exporter": exporter.name}
            )
            continue
        if lot.pk in seen:
            errors.setdefault("lines", []).append(
                _("Lot %(ref)s appears twice; add up the vehicles on one line.") % {"ref": lot.ref}
            )
        seen.add(lot.pk)
        if lot.status not in SELLABLE:
            errors.setdefault("lines", []).append(
                _("Lot %(ref)s is %(status)s and cannot be sold.")
                % {"ref": lot.ref, "status": lot.get_status_display().lower()}
            )
        elif line.quantity > lot.quantity:
            errors.setdefault("lines", []).append(_short_of(line.quantity, lot))
        if line.quantity < 1:
            errors.setdefault("lines", []).append(
                _("Lot %(ref)s: sell at least one vehicle.") % {"ref": lot.ref}
            )
        if line.unit_price <= 0:
            errors.setdefault("lines", []).append(_("Lot %(ref)s: give a unit price.") % {"ref": lot.ref})
        elif rate is not None and convert(line.unit_price, rate) > MAX_UNIT_PRICE_CNY:
            errors.setdefault("lines", []).append(
                _(
                    "Lot %(ref)s: %(price)s %(currency)s a vehicle is more than ¥%(limit)s; "
                    "check the unit price."
                )
                % {
                    "ref": lot.ref,
                    "price": line.unit_price,
                    "currency": terms.currency,
                    "limit": f"{MAX_UNIT_PRICE_CNY:,}",
                }
            )
    if errors:
        raise ValidationError(errors)


def _check_event(
    event: Event | None, meeting: Meeting | None, exporter: Organisation, buyer: Organisation
) -> None:
    if meeting is not None:
        if (meeting.exporter_id, meeting.buyer_id) != (exporter.pk, buyer.pk):
            raise ValidationError(_("That meeting was not between these two companies."))
        if meeting.state in (Meeting.State.DECLINED, Meeting.State.CANCELLED):
            raise ValidationError(_("That meeting was called off; record the deal without it."))
    if event is not None:
        approved = Participation.objects.filter(
            event=event, status=Participation.Status.APPROVED, organisation__in=[exporter, buyer]
        ).count()
        if approved != 2:
            raise ValidationError({"event": _("Both companies must take part in the event.")})


def _write_lines(deal: Deal, lines: Sequence[LineSpec]) -> None:
    DealLine.objects.bulk_create(
        [
            DealLine(deal=deal, lot=line.lot, quantity=line.quantity, unit_price=line.unit_price)
            for line in lines
        ]
    )


@transaction.atomic
def deal_record(
    *,
    exporter: Organisation,
    buyer: Organisation,
    by: Organisation,
    user: User | None,
    terms: Terms,
    event: Event | None = None,
    meeting: Meeting | None = None,
) -> Deal:
    """Record a deal as one side (`by`) saw it signed; it waits for the other
    side's confirmation and counts nowhere until then."""
    if not exporter.is_exporter or not buyer.is_buyer:
        raise ValidationError(_("A deal is between an exporter and a buyer."))
    if by.pk not in (exporter.pk, buyer.pk):
        raise ValidationError(_("Only the exporter or the buyer can record their deal."))
    if meeting is not None:
        event = meeting.event
    _check_event(event, meeting, exporter, buyer)
    _check_terms(terms, exporter)
    deal = Deal.objects.create(
        event=event,
        meeting=meeting,
        exporter=exporter,
        buyer=buyer,
        recorded_by=by,
        currency=terms.currency,
        incoterm=terms.incoterm,
        signed_on=terms.signed_on,
        note=terms.note,
    )
    _write_lines(deal, terms.lines)
    _log(deal, DealChange.Action.RECORDED, organisation=by, user=user)
    return deal


def _locked(deal: Deal) -> Deal:
    return Deal.objects.select_for_update().select_related("exporter", "buyer").get(pk=deal.pk)


def _lock_lots(lines: Sequence[DealLine]) -> dict[int, Lot]:
    """The lines' lots, locked in primary-key order so that two deals on the
    same lots never wait for each other in a circle."""
    ids = sorted({line.lot_id for line in lines})
    return {lot.pk: lot for lot in Lot.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def _side(deal: Deal, organisation: Organisation) -> None:
    if deal.side_of(organisation) is None:
        raise ValidationError(_("Only the exporter or the buyer of a deal can do this."))


@transaction.atomic
def deal_amend(*, deal: Deal, by: Organisation, user: User | None, terms: Terms, note: str = "") -> Deal:
    """Change the terms of a deal not yet confirmed; whoever amends it now
    waits for the other side."""
    deal = _locked(deal)
    _side(deal, by)
    if not deal.is_open:
        raise ValidationError(_("Only a deal awaiting confirmation or disputed can be changed."))
    _check_terms(terms, deal.exporter)
    deal.currency, deal.incoterm, deal.signed_on, deal.note = (
        terms.currency,
        terms.incoterm,
        terms.signed_on,
        terms.note,
    )
    deal.recorded_by = by
    deal.state = Deal.State.RECORDED
    deal.reason = ""
    deal.save()
    deal.lines.all().delete()
    _write_lines(deal, terms.lines)
    _log(deal, DealChange.Action.AMENDED, organisation=by, user=user, note=note)
    return deal


@transaction.atomic
def deal_confirm(*, deal: Deal, by: Organisation, user: User | None) -> Deal:
    """The other side agrees: the deal counts from now on, and its vehicles
    leave the lots. Lots are locked in one order so that two confirmations
    drawing on the same lot wait for each other instead of both selling the
    last vehicles; a lot that runs short refuses the whole deal."""
    deal = _locked(deal)
    _side(deal, by)
    if deal.state != Deal.State.RECORDED:
        raise ValidationError(_("Only a deal awaiting confirmation can be confirmed."))
    if deal.recorded_by_id == by.pk:
        raise ValidationError(_("The other side confirms the deal you recorded."))
    lines = list(deal.lines.order_by("lot_id"))
    lots = _lock_lots(lines)
    problems = []
    for line in lines:
        lot = lots[line.lot_id]
        if lot.status not in SELLABLE:
            problems.append(
                _("Lot %(ref)s is %(status)s and cannot be sold.")
                % {"ref": lot.ref, "status": lot.get_status_display().lower()}
            )
        elif line.quantity > lot.quantity:
            problems.append(_short_of(line.quantity, lot))
    if problems:
        raise ValidationError(problems)
    for line in lines:
        lot = lots[line.lot_id]
        lot.quantity -= line.quantity
        if lot.quantity == 0:
            lot.status = Lot.Status.SOLD
        lot.save(update_fields=["quantity", "status", "updated_at"])
        on_lot_changed(lot.pk)
    deal.state = Deal.State.CONFIRMED
    deal.confirmed_at = timezone.now()
    deal.reason = ""
    deal.save()
    _log(deal, DealChange.Action.CONFIRMED, organisation=by, user=user)
    return deal


@transaction.atomic
def deal_dispute(*, deal: Deal, by: Organisation, user: User | None, reason: str) -> Deal:
    """The other side does not recognise the terms; the recorder may amend or
    cancel the deal."""
    deal = _locked(deal)
    _side(deal, by)
    if deal.state != Deal.State.RECORDED:
        raise ValidationError(_("Only a deal awaiting confirmation can be disputed."))
    if deal.recorded_by_id == by.pk:
        raise ValidationError(_("You recorded this deal; change or cancel it instead."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say what is wrong, so the other side can correct it.")})
    deal.state = Deal.State.DISPUTED
    deal.reason = reason.strip()
    deal.save()
    _log(deal, DealChange.Action.DISPUTED, organisation=by, user=user, note=deal.reason)
    return deal


@transaction.atomic
def deal_cancel(*, deal: Deal, by: Organisation, user: User | None, reason: str) -> Deal:
    """Call a deal off, by either side or the event's organisers; a confirmed
    deal gives its vehicles back to the lots."""
    deal = _locked(deal)
    is_organiser = by.is_organiser and (deal.event is None or deal.event.organiser_id == by.pk)
    if deal.side_of(by) is None and not is_organiser:
        raise ValidationError(_("Only the exporter, the buyer or the event's organisers can cancel a deal."))
    if deal.state == Deal.State.CANCELLED:
        raise ValidationError(_("This deal is already cancelled."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason; both sides and the organisers will see it.")})
    if deal.state == Deal.State.CONFIRMED:
        lines = list(deal.lines.order_by("lot_id"))
        lots = _lock_lots(lines)
        for line in lines:
            lot = lots[line.lot_id]
            lot.quantity += line.quantity
            if lot.status == Lot.Status.SOLD:
                lot.status = Lot.Status.AVAILABLE
            lot.save(update_fields=["quantity", "status", "updated_at"])
            on_lot_changed(lot.pk)
    deal.state = Deal.State.CANCELLED
    deal.reason = reason.strip()
    deal.save()
    _log(deal, DealChange.Action.CANCELLED, organisation=by, user=user, note=deal.reason)
    return deal
