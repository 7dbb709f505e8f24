"""A lot's inspection report: a checked PDF the exporter adds, private on
disk, served to whoever may read the lot's page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from matchmaking.forms.lots import MAX_INSPECTION_REPORT_BYTES
from matchmaking.models import Lot
from tests.factories import LotFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pdf(content: bytes = PDF, name: str = "report.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def lot(exporter_admin) -> Lot:
    return LotFactory(exporter=exporter_admin.membership.organisation)


def test_the_exporter_adds_replaces_and_removes_the_report(
    login, exporter_admin, lot, django_capture_on_commit_callbacks
):
    client = login(exporter_admin)
    url = reverse("lot_inspection_report", args=[lot.pk])

    assert client.post(url, {"report": _pdf()}).status_code == 302
    lot.refresh_from_db()
    first = lot.inspection_report.name
    assert first
    assert lot.inspection_report.storage.exists(first)
    assert "/media/" not in lot.inspection_report.path

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"report": _pdf(PDF + b"% second\n")})
    lot.refresh_from_db()
    assert lot.inspection_report.read().endswith(b"% second\n")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"remove": "1"})
    lot.refresh_from_db()
    assert not lot.inspection_report


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (_pdf(b"PK\x03\x04 a renamed spreadsheet", "report.pdf"), "This file is not a PDF."),
        (_pdf(PDF + b"0" * MAX_INSPECTION_REPORT_BYTES), "The report is larger than 10 MB."),
    ],
)
def test_what_is_not_a_small_pdf_is_refused_and_nothing_is_kept(login, exporter_admin, lot, upload, message):
    response = login(exporter_admin).post(reverse("lot_inspection_report", args=[lot.pk]), {"report": upload})

    assert response.status_code == 400
    assert message in response.text
    lot.refresh_from_db()
    assert not lot.inspection_report


def test_only_the_lots_exporter_changes_the_report(login, other_exporter_admin, buyer_admin, organiser, lot):
    url = reverse("lot_inspection_report", args=[lot.pk])
    for user in (other_exporter_admin, buyer_admin, organiser):
        assert login(user).post(url, {"report": _pdf()}).status_code == 404
    lot.refresh_from_db()
    assert not lot.inspection_report


def test_buyers_read_the_report_of_a_published_lot_only(
    client, login, exporter_admin, buyer_admin, other_exporter_admin, lot
):
    login(exporter_admin).post(reverse("lot_inspection_report", args=[lot.pk]), {"report": _pdf()})
    file_url = reverse("lot_inspection_report_file", args=[lot.pk])

    buyer = login(buyer_admin)
    page = buyer.get(reverse("lot_detail", args=[lot.pk]))
    assert file_url in page.text
    response = buyer.get(file_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PDF

    assert client.get(file_url).status_code == 404
    assert login(other_exporter_admin).get(file_url).status_code == 404
    Lot.objects.filter(pk=lot.pk).update(status=Lot.Status.WITHDRAWN)
    assert buyer.get(file_url).status_code == 404
    assert login(exporter_admin).get(file_url).status_code == 200
