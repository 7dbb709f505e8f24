"""Write operations on lots. Each is one transaction; refusals are
`ValidationError`s with a message for the person who asked."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Organisation
from accounts.selectors import convention_is_signed
from matchmaking.models import Lot, LotPhoto
from matchmaking.services import rescoring

# Which status a lot may move to from each status (DESIGN.md §2).
LOT_TRANSITIONS: dict[str, set[str]] = {
    Lot.Status.DRAFT: {Lot.Status.AVAILABLE, Lot.Status.WITHDRAWN},
    Lot.Status.AVAILABLE: {Lot.Status.RESERVED, Lot.Status.SOLD, Lot.Status.WITHDRAWN, Lot.Status.DRAFT},
    Lot.Status.RESERVED: {Lot.Status.AVAILABLE, Lot.Status.SOLD, Lot.Status.WITHDRAWN},
    Lot.Status.SOLD: set(),
    Lot.Status.WITHDRAWN: {Lot.Status.DRAFT, Lot.Status.AVAILABLE},
}

MAX_PHOTOS_PER_LOT = 12


def check_may_publish(exporter: Organisation) -> None:
    """Only exporters who signed the current convention show lots to buyers."""
    if not convention_is_signed(exporter):
        raise ValidationError(
            _("Sign the industry self-discipline convention before publishing lots."), code="convention"
        )


def _normalise(fields: dict[str, Any]) -> dict[str, Any]:
    if fields.get("vin"):
        fields["vin"] = fields["vin"].strip().upper()
    for name in ("make", "model", "trim", "ref", "colour", "location", "loading_point", "condition_grade"):
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].strip()
    return fields


@transaction.atomic
def lot_create(*, exporter: Organisation, **fields: Any) -> Lot:
    if not exporter.is_exporter:
        raise ValidationError(_("Only exporters list lots."))
    fields = _normalise(fields)
    if fields.get("status", Lot.Status.DRAFT) != Lot.Status.DRAFT:
        check_may_publish(exporter)
    lot = Lot(exporter=exporter, **fields)
    lot.full_clean()
    lot.save()
    rescoring.on_lot_changed(lot.pk)
    return lot


@transaction.atomic
def lot_update(*, lot: Lot, **fields: Any) -> Lot:
    fields = _normalise(fields)
    if "status" in fields and fields["status"] != lot.status:
        raise ValueError("Change a lot's status with lot_set_status.")
    for name, value in fields.items():
        setattr(lot, name, value)
    lot.full_clean()
    lot.save()
    rescoring.on_lot_changed(lot.pk)
    return lot


@transaction.atomic
def lot_set_status(*, lot: Lot, status: str) -> Lot:
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    if status == lot.status:
        return lot
    if status not in LOT_TRANSITIONS[lot.status]:
        raise ValidationError(
            _("A lot that is %(current)s cannot become %(new)s.")
            % {"current": lot.get_status_display(), "new": Lot.Status(status).label},
            code="transition",
        )
    if status == Lot.Status.AVAILABLE:
        check_may_publish(lot.exporter)
    lot.status = status
    lot.save(update_fields=["status", "updated_at"])
    rescoring.on_lot_changed(lot.pk)
    return lot


@transaction.atomic
def lot_photo_add(*, lot: Lot, image: Any) -> LotPhoto:
    if lot.photos.count() >= MAX_PHOTOS_PER_LOT:
        raise ValidationError(
            _("A lot has at most %(count)s photos.") % {"count": MAX_PHOTOS_PER_LOT}, code="photos"
        )
    return LotPhoto.objects.create(lot=lot, image=image)


@transaction.atomic
def lot_inspection_report_set(*, lot: Lot, report: Any) -> Lot:
    """Attach (or replace) the lot's inspection report, a checked PDF."""
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    previous = lot.inspection_report.name or ""
    lot.inspection_report.save("report.pdf", report, save=False)
    lot.save(update_fields=["inspection_report", "updated_at"])
    storage, name = lot.inspection_report.storage, lot.inspection_report.name or ""
    if previous and previous != name:
        transaction.on_commit(lambda: storage.delete(previous))
    return lot


@transaction.atomic
def lot_inspection_report_remove(*, lot: Lot) -> Lot:
    lot = Lot.objects.select_for_update().get(pk=lot.pk)
    storage, name = lot.inspection_report.storage, lot.inspection_report.name or ""
    lot.inspection_report = ""  # an empty FileField is ""
    lot.save(update_fields=["inspection_report", "updated_at"])
    if name:
        # The file goes once the row no longer points at it.
        transaction.on_commit(lambda: storage.delete(name))
    return lot


@transaction.atomic
def lot_photo_remove(*, photo: LotPhoto) -> None:
    # The file goes only once the row is gone for good: a rolled-back
    # transaction must not leave a photo row pointing at nothing.
    # A saved photo always has a name ("" would be refused by delete() as None was).
    storage, name = photo.image.storage, photo.image.name or ""
    photo.delete()
    transaction.on_commit(lambda: storage.delete(name))
