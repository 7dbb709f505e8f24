"""Uploaded files: an import's spreadsheet reaches only its own company, never
through /media/; lot photos are served in production too (DEBUG off), publicly
and cached while their lot is available, otherwise only to those who may see
the lot."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils.http import http_date

from matchmaking.models import ImportJob, Lot
from matchmaking.storage import private_storage
from tests.factories import LotFactory, LotPhotoFactory
from tests.matchmaking.spreadsheets.import_support import lot_row, lots_csv

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _fetch(client, url: str, **kwargs):
    """GET `url` and read a file response to its end, as a browser would (the
    test client then closes the file)."""
    response = client.get(url, **kwargs)
    if response.streaming:
        response.body = b"".join(response.streaming_content)
    return response


def _job(organisation, data: bytes = b"") -> ImportJob:
    return ImportJob.objects.create(
        organisation=organisation,
        kind=ImportJob.Kind.NEEDS if organisation.is_buyer else ImportJob.Kind.LOTS,
        file=SimpleUploadedFile("needs.csv", data or lots_csv(lot_row())),
        original_name="needs.csv",
        status=ImportJob.Status.VALIDATED,
    )


# Import files -------------------------------------------------------------------


def test_an_import_file_is_kept_outside_media_and_served_only_to_its_company(
    client, login, buyer_admin, other_exporter_admin, organiser, settings
):
    job = _job(buyer_admin.membership.organisation, b"ref,budget_max\nN-1,25000\n")
    url = reverse("import_file", args=[job.pk])

    own = _fetch(login(buyer_admin), url)
    anonymous = _fetch(client, url)
    others = [_fetch(login(user), url).status_code for user in (other_exporter_admin, organiser)]

    assert own.status_code == 200
    assert own.body == b"ref,budget_max\nN-1,25000\n"
    assert own["Content-Disposition"] == 'attachment; filename="needs.csv"'
    assert own["Cache-Control"] == "private, no-store"
    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("account_login"))
    assert others == [404, 404]
    # Not under MEDIA_ROOT, and nothing answers at a /media/ address.
    assert Path(job.file.path).is_relative_to(settings.PRIVATE_MEDIA_ROOT)
    assert not Path(job.file.path).is_relative_to(settings.MEDIA_ROOT)
    assert client.get(f"/{settings.MEDIA_URL}{job.file.name}").status_code == 404
    assert login(buyer_admin).get(f"/{settings.MEDIA_URL}{job.file.name}").status_code == 404


def test_an_import_file_has_no_public_address(buyer_admin):
    job = _job(buyer_admin.membership.organisation)

    with pytest.raises(ValueError, match="not accessible via a URL"):
        _ = job.file.url


def test_the_import_page_links_its_file(login, buyer_admin):
    job = _job(buyer_admin.membership.organisation)
    job.status = ImportJob.Status.FAILED
    job.save()

    page = login(buyer_admin).get(reverse("import_detail", args=[job.pk]))

    assert f'href="{reverse("import_file", args=[job.pk])}"' in page.text


def test_a_missing_import_file_is_not_found(login, buyer_admin):
    job = _job(buyer_admin.membership.organisation)
    job.file.delete(save=False)

    assert _fetch(login(buyer_admin), reverse("import_file", args=[job.pk])).status_code == 404


def test_the_import_file_view_queries(login, buyer_admin, django_assert_num_queries):
    job = _job(buyer_admin.membership.organisation)
    client = login(buyer_admin)

    # savepoint, session, user, job, membership, release
    with django_assert_num_queries(6):
        response = _fetch(client, reverse("import_file", args=[job.pk]))

    assert response.status_code == 200


def test_files_uploaded_before_move_out_of_media(buyer_admin, settings):
    """The migration moves files /media/ used to serve to the private storage."""
    name = default_storage.save("imports/9/needs.csv", ContentFile(b"ref\nN-1\n"))
    job = ImportJob.objects.create(
        organisation=buyer_admin.membership.organisation, kind="needs", file=name, original_name="needs.csv"
    )
    migration = import_module("matchmaking.migrations.0011_import_files_private")

    migration.move_import_files_out_of_media(apps, None)

    job.refresh_from_db()
    assert not default_storage.exists(name)
    with private_storage().open(job.file.name) as moved:
        assert moved.read() == b"ref\nN-1\n"


# Lot photos ---------------------------------------------------------------------


def test_photos_of_available_lots_are_public_and_cached_with_debug_off(client):
    photo = LotPhotoFactory(lot=LotFactory(status=Lot.Status.AVAILABLE))

    with override_settings(DEBUG=False):
        response = _fetch(client, photo.image.url)
        again = _fetch(client, photo.image.url, headers={"If-Modified-Since": response["Last-Modified"]})

    assert photo.image.url.startswith("/media/lots/")
    assert response.status_code == 200
    with photo.image.open("rb") as image:
        assert response.body == image.read()
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "public, max-age=3600"
    assert "Cookie" not in response.get("Vary", "")
    assert again.status_code == 304
    assert again["Cache-Control"] == "public, max-age=3600"


@pytest.mark.parametrize(
    "status", [Lot.Status.DRAFT, Lot.Status.WITHDRAWN, Lot.Status.RESERVED, Lot.Status.SOLD]
)
def test_photos_of_lots_buyers_cannot_see_follow_the_lot(
    client, login, exporter_admin, other_exporter_admin, buyer_admin, organiser, status
):
    photo = LotPhotoFactory(lot=LotFactory(exporter=exporter_admin.membership.organisation, status=status))

    with override_settings(DEBUG=False):
        anonymous = _fetch(client, photo.image.url)
        outsiders = [
            _fetch(login(user), photo.image.url).status_code for user in (other_exporter_admin, buyer_admin)
        ]
        own = _fetch(login(exporter_admin), photo.image.url)
        organisers = _fetch(login(organiser), photo.image.url)

    assert anonymous.status_code == 404
    assert outsiders == [404, 404]
    assert own.status_code == organisers.status_code == 200
    assert own["Cache-Control"] == "private, max-age=3600"


def test_a_photo_path_naming_another_lot_or_no_photo_is_not_found(client):
    photo = LotPhotoFactory(lot=LotFactory(status=Lot.Status.AVAILABLE))
    other = LotFactory(exporter=photo.lot.exporter, status=Lot.Status.AVAILABLE)
    exporter_id, lot_id = photo.lot.exporter_id, photo.lot_id
    filename = Path(photo.image.name).name

    for url in (
        f"/media/lots/{exporter_id}/{other.pk}/{filename}",
        f"/media/lots/{exporter_id + 1}/{lot_id}/{filename}",
        f"/media/lots/{exporter_id}/{lot_id}/other.png",
    ):
        assert _fetch(client, url).status_code == 404, url


@pytest.mark.parametrize("photos", [1, 3])
def test_a_public_photo_takes_one_query_whatever_the_lot_holds(client, photos, django_assert_num_queries):
    lot = LotFactory(status=Lot.Status.AVAILABLE)
    photo = [LotPhotoFactory(lot=lot) for _ in range(photos)][-1]

    # savepoint, the photo with its lot, release: no session, no user
    with django_assert_num_queries(3):
        response = _fetch(client, photo.image.url)

    assert response.status_code == 200


def test_a_private_photo_checks_the_viewer_in_constant_queries(
    login, exporter_admin, django_assert_num_queries
):
    photo = LotPhotoFactory(lot=LotFactory(exporter=exporter_admin.membership.organisation, status="draft"))
    client = login(exporter_admin)

    # savepoint, the photo with its lot, session, user, membership, release
    with django_assert_num_queries(6):
        response = _fetch(client, photo.image.url)

    assert response.status_code == 200


def test_a_photo_unchanged_since_is_not_sent_again(client):
    photo = LotPhotoFactory(lot=LotFactory(status=Lot.Status.AVAILABLE))

    response = _fetch(client, photo.image.url, headers={"If-Modified-Since": http_date(4_102_444_800)})

    assert response.status_code == 304
