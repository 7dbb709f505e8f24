"""Lot services: the status machine, the convention gate and the photo limit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Organisation
from matchmaking.models import Lot
from matchmaking.services import lots as services
from tests.factories import (
    BuyerFactory,
    ConventionSignatureFactory,
    ConventionVersionFactory,
    ExporterFactory,
    LotFactory,
    LotPhotoFactory,
)

pytestmark = pytest.mark.django_db

FIELDS = {
    "ref": " SC-1 ",
    "make": "Chery",
    "model": "Tiggo 7",
    "body_type": "suv",
    "fuel_type": "petrol",
    "model_year": 2022,
    "mileage_km": 30_000,
    "unit_price": Decimal("9800"),
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path


def signed_exporter() -> Organisation:
    exporter = ExporterFactory()
    ConventionSignatureFactory(organisation=exporter)
    return exporter


def test_lot_create_saves_a_draft_with_tidy_fields():
    lot = services.lot_create(exporter=ExporterFactory(), vin=" lgxce4cb2n0123456 ", **FIELDS)

    assert lot.status == Lot.Status.DRAFT
    assert lot.ref == "SC-1"
    assert lot.vin == "LGXCE4CB2N0123456"


def test_buyers_do_not_list_lots():
    with pytest.raises(ValidationError, match="Only exporters"):
        services.lot_create(exporter=BuyerFactory(), **FIELDS)


def test_unsigned_exporter_cannot_create_a_published_lot():
    with pytest.raises(ValidationError) as caught:
        services.lot_create(exporter=ExporterFactory(), status=Lot.Status.AVAILABLE, **FIELDS)

    assert caught.value.code == "convention"
    assert not Lot.objects.exists()


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("draft", "available"),
        ("draft", "withdrawn"),
        ("available", "reserved"),
        ("available", "sold"),
        ("available", "draft"),
        ("reserved", "available"),
        ("reserved", "sold"),
        ("withdrawn", "draft"),
        ("withdrawn", "available"),
    ],
)
def test_allowed_transitions(start, end):
    lot = LotFactory(exporter=signed_exporter(), status=start)

    assert services.lot_set_status(lot=lot, status=end).status == end


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("draft", "reserved"),
        ("draft", "sold"),
        ("sold", "available"),
        ("sold", "draft"),
        ("withdrawn", "sold"),
    ],
)
def test_refused_transitions(start, end):
    lot = LotFactory(exporter=signed_exporter(), status=start)

    with pytest.raises(ValidationError) as caught:
        services.lot_set_status(lot=lot, status=end)

    assert caught.value.code == "transition"
    lot.refresh_from_db()
    assert lot.status == start


def test_convention_gate_signing_and_a_newer_version():
    exporter = ExporterFactory()
    lot = LotFactory(exporter=exporter, status=Lot.Status.DRAFT)

    with pytest.raises(ValidationError) as caught:
        services.lot_set_status(lot=lot, status=Lot.Status.AVAILABLE)
    assert caught.value.code == "convention"

    ConventionSignatureFactory(organisation=exporter)
    assert services.lot_set_status(lot=lot, status=Lot.Status.AVAILABLE).status == "available"
    services.lot_set_status(lot=lot, status=Lot.Status.DRAFT)

    ConventionVersionFactory(version=2)
    with pytest.raises(ValidationError) as caught:
        services.lot_set_status(lot=lot, status=Lot.Status.AVAILABLE)
    assert caught.value.code == "convention"


def test_lot_update_refuses_to_change_status():
    lot = LotFactory(status=Lot.Status.DRAFT)

    with pytest.raises(ValueError, match="lot_set_status"):
        services.lot_update(lot=lot, status=Lot.Status.AVAILABLE)


def test_photo_limit(monkeypatch):
    monkeypatch.setattr(services, "MAX_PHOTOS_PER_LOT", 2)
    lot = LotFactory()
    LotPhotoFactory.create_batch(2, lot=lot)

    with pytest.raises(ValidationError) as caught:
        services.lot_photo_add(lot=lot, image=LotPhotoFactory.build().image)

    assert caught.value.code == "photos"
    assert lot.photos.count() == 2


def test_photo_remove_deletes_the_file_once_committed(django_capture_on_commit_callbacks):
    photo = LotPhotoFactory()
    storage, name = photo.image.storage, photo.image.name
    assert storage.exists(name)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.lot_photo_remove(photo=photo)
    assert storage.exists(name), "the file must outlive a transaction that may still roll back"
    for callback in callbacks:
        callback()

    assert not storage.exists(name)
    assert not photo.lot.photos.exists()
