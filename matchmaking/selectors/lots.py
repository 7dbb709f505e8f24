"""Read queries for lots and their photos."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from accounts.models import Organisation
from matchmaking.models import Lot, LotPhoto


def lots_for(organisation: Organisation) -> QuerySet[Lot]:
    """The lots a company works with: an exporter's own; every lot for
    organisers; none for anybody else. Photos come in one extra query for the
    whole page."""
    lots = Lot.objects.select_related("exporter").prefetch_related("photos")
    if organisation.is_organiser:
        return lots
    if organisation.is_exporter:
        return lots.filter(exporter=organisation)
    return lots.none()


def lot_with_photos() -> QuerySet[Lot]:
    """Lots ready for the detail page: exporter and photos loaded."""
    return Lot.objects.select_related("exporter").prefetch_related("photos")


def lots_with_exporter() -> QuerySet[Lot]:
    return Lot.objects.select_related("exporter")


def lot_photo_of(lot: Lot, photo_pk: int) -> LotPhoto | None:
    """One photo of one lot, or None: a photo id never reaches another lot."""
    return LotPhoto.objects.filter(lot=lot, pk=photo_pk).first()


def lot_photo_named(*, lot_id: int, name: str) -> LotPhoto | None:
    """The photo stored under `name` (its path in the storage) with its lot."""
    return LotPhoto.objects.select_related("lot").filter(lot_id=lot_id, image=name).first()


def lot_counts(exporter: Organisation) -> dict[str, int]:
    """How many of an exporter's lots are in each status, for its dashboard."""
    return Lot.objects.filter(exporter=exporter).aggregate(
        total=Count("pk"),
        available=Count("pk", filter=Q(status=Lot.Status.AVAILABLE)),
        draft=Count("pk", filter=Q(status=Lot.Status.DRAFT)),
    )
