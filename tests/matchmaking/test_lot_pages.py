"""Lot pages: who may see and change what, constant query counts, forms with
clear errors, status actions behind the convention gate, and photos."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse
from PIL import Image

from matchmaking.forms import lots as lot_forms
from matchmaking.models import Lot, LotPhoto
from matchmaking.services import lots as lot_services
from tests.factories import (
    ConventionSignatureFactory,
    ConventionVersionFactory,
    ExporterFactory,
    LotFactory,
    LotPhotoFactory,
)
from tests.matchmaking.test_vin import CHINESE_VINS, wrong_check_digit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def exporter(exporter_admin):
    return exporter_admin.membership.organisation


@pytest.fixture
def signed(exporter, exporter_admin):
    return ConventionSignatureFactory(organisation=exporter, signer=exporter_admin)


@pytest.fixture
def lot(exporter) -> Lot:
    return LotFactory(exporter=exporter, ref="OWN-1", status=Lot.Status.DRAFT)


@pytest.fixture
def others_lot(other_exporter_admin) -> Lot:
    return LotFactory(exporter=other_exporter_admin.membership.organisation, ref="THEIRS-1")


def lot_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "ref": "SC-001",
        "make": "BYD",
        "model": "Song Plus",
        "trim": "DM-i Flagship",
        "body_type": "suv",
        "fuel_type": "phev",
        "model_year": "2023",
        "first_registration": "2023-05",
        "mileage_km": "12000",
        "steering": "LHD",
        "transmission": "automatic",
        "drive": "fwd",
        "colour": "white",
        "seats": "5",
        "condition_grade": "A",
        "vin": "",
        "engine_cc": "1498",
        "power_kw": "145",
        "battery_kwh": "18.3",
        "battery_soh_pct": "96",
        "emission_standard": "china6b",
        "quantity": "10",
        "unit_price": "16500",
        "currency": "USD",
        "incoterm": "FOB",
        "location": "Chengdu",
        "loading_point": "Chengdu International Railway Port",
        "shipping_modes": ["rail", "container"],
    }
    data.update(overrides)
    return data


def image_bytes(image_format: str = "PNG", size: tuple[int, int] = (8, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, image_format)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def lot_urls(lot: Lot, photo: LotPhoto | None = None) -> dict[str, str]:
    urls = {
        "detail": reverse("lot_detail", args=[lot.pk]),
        "edit": reverse("lot_edit", args=[lot.pk]),
        "status": reverse("lot_status", args=[lot.pk]),
        "photo_add": reverse("lot_photo_add", args=[lot.pk]),
    }
    if photo:
        urls["photo_delete"] = reverse("lot_photo_delete", args=[lot.pk, photo.pk])
    return urls


# Permissions -------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, lot):
    photo = LotPhotoFactory(lot=lot)
    urls = [reverse("lot_list"), reverse("lot_create"), *lot_urls(lot, photo).values()]

    for url in urls:
        response = client.post(url) if "status" in url or "photos" in url else client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("account_login")), url


def test_another_exporters_lot_is_not_found_for_every_page(login, exporter_admin, others_lot):
    photo = LotPhotoFactory(lot=others_lot)
    urls = lot_urls(others_lot, photo)
    client = login(exporter_admin)

    assert client.get(urls["detail"]).status_code == 404
    assert client.get(urls["edit"]).status_code == 404
    assert client.post(urls["edit"], lot_data(ref="HIJACKED")).status_code == 404
    assert client.post(urls["status"], {"status": "withdrawn"}).status_code == 404
    png = upload("car.png", image_bytes(), "image/png")
    assert client.post(urls["photo_add"], {"images": [png]}).status_code == 404
    assert client.post(urls["photo_delete"]).status_code == 404

    others_lot.refresh_from_db()
    assert (others_lot.ref, others_lot.status) == ("THEIRS-1", Lot.Status.AVAILABLE)
    assert others_lot.photos.count() == 1


def test_a_photo_of_another_lot_cannot_be_removed_through_ones_own_lot(
    login, exporter_admin, lot, others_lot
):
    photo = LotPhotoFactory(lot=others_lot)

    response = login(exporter_admin).post(reverse("lot_photo_delete", args=[lot.pk, photo.pk]))

    assert response.status_code == 404
    assert LotPhoto.objects.filter(pk=photo.pk).exists()


def test_buyers_cannot_list_or_create_lots(login, buyer_admin, others_lot):
    client = login(buyer_admin)

    assert client.get(reverse("lot_list")).status_code == 404
    assert client.get(reverse("lot_create")).status_code == 404
    assert client.post(reverse("lot_create"), lot_data()).status_code == 404
    assert not Lot.objects.filter(ref="SC-001").exists()
    # A published lot opens as the buyers' page (tests/matchmaking/test_lot_offer_page.py);
    # a draft does not.
    assert (
        client.get(reverse("lot_detail", args=[others_lot.pk])).templates[0].name
        == "matchmaking/lots/offer.html"
    )
    Lot.objects.filter(pk=others_lot.pk).update(status=Lot.Status.DRAFT)
    assert client.get(reverse("lot_detail", args=[others_lot.pk])).status_code == 404


def test_organisers_see_every_lot_but_change_none(login, organiser, others_lot):
    photo = LotPhotoFactory(lot=others_lot)
    urls = lot_urls(others_lot, photo)
    client = login(organiser)

    detail = client.get(urls["detail"])
    assert detail.status_code == 200
    assert others_lot.exporter.name in detail.text
    assert reverse("lot_status", args=[others_lot.pk]) not in detail.text
    assert urls["edit"] not in detail.text

    assert client.get(urls["edit"]).status_code == 404
    assert client.post(urls["status"], {"status": "withdrawn"}).status_code == 404
    assert client.post(urls["photo_delete"]).status_code == 404
    assert client.get(reverse("lot_create")).status_code == 404
    others_lot.refresh_from_db()
    assert others_lot.status == Lot.Status.AVAILABLE


def test_every_member_of_the_exporter_manages_its_lots(login, exporter_member, lot):
    response = login(exporter_member).post(
        reverse("lot_edit", args=[lot.pk]), lot_data(ref="OWN-1", quantity="3")
    )

    assert response.status_code == 302
    lot.refresh_from_db()
    assert lot.quantity == 3


# List --------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 3])
def test_lot_list_queries_do_not_grow_with_rows(
    login, exporter_admin, exporter, rows, django_assert_num_queries
):
    for lot in LotFactory.create_batch(rows, exporter=exporter):
        LotPhotoFactory.create_batch(2, lot=lot)
    LotFactory(ref="NOT-MINE")
    client = login(exporter_admin)

    # savepoint, session, user, membership, count, lots, photos, release
    with django_assert_num_queries(8):
        response = client.get(reverse("lot_list"))

    assert response.status_code == 200
    assert len(response.context["lots"]) == rows
    assert "NOT-MINE" not in response.text


@pytest.mark.parametrize("rows", [1, 3])
def test_organiser_lot_list_shows_every_company(login, organiser, rows, django_assert_num_queries):
    lots = [LotFactory(exporter=ExporterFactory()) for _ in range(rows)]
    client = login(organiser)

    # savepoint, session, user, membership, count, lots with exporters, photos, release
    with django_assert_num_queries(8):
        response = client.get(reverse("lot_list"), {"sort": "price"})

    assert len(response.context["lots"]) == rows
    assert "Exporter" in response.text
    for lot in lots:
        assert lot.exporter.name in response.text


def test_empty_lot_list_says_what_to_do_next(login, exporter_admin):
    response = login(exporter_admin).get(reverse("lot_list"))

    assert "Add your first lot" in response.text
    assert reverse("lot_create") in response.text
    try:
        import_url = reverse("lot_import")
    except NoReverseMatch:
        assert "Import a spreadsheet" not in response.text
    else:
        assert import_url in response.text


def test_filters_that_match_nothing_say_so(login, exporter_admin, lot):
    response = login(exporter_admin).get(reverse("lot_list"), {"make": "Lada"})

    assert "No lots match these filters" in response.text
    assert "Add your first lot" not in response.text


def test_lot_list_paginates_by_fifty(login, exporter_admin, exporter):
    LotFactory.create_batch(51, exporter=exporter)

    response = login(exporter_admin).get(reverse("lot_list"))

    assert len(response.context["lots"]) == 50
    assert "Page 1 of 2" in response.text


@pytest.fixture
def three_lots(exporter) -> dict[str, Lot]:
    return {
        "byd": LotFactory(
            exporter=exporter,
            ref="A-BYD",
            make="BYD",
            model="Song Plus",
            body_type="suv",
            fuel_type="phev",
            model_year=2023,
            mileage_km=12_000,
            unit_price=Decimal("16500"),
            steering="LHD",
            status="available",
            vin=CHINESE_VINS[1],
        ),
        "chery": LotFactory(
            exporter=exporter,
            ref="B-CHERY",
            make="Chery",
            model="Tiggo 7",
            body_type="suv",
            fuel_type="petrol",
            model_year=2021,
            mileage_km=45_000,
            unit_price=Decimal("8900"),
            steering="LHD",
            status="draft",
        ),
        "toyota": LotFactory(
            exporter=exporter,
            ref="C-RHD",
            make="Toyota",
            model="Hiace",
            body_type="van",
            fuel_type="diesel",
            model_year=2019,
            mileage_km=98_000,
            unit_price=Decimal("12000"),
            steering="RHD",
            status="reserved",
        ),
    }


def test_lot_filters_return_the_right_rows(login, exporter_admin, three_lots):
    client = login(exporter_admin)

    def refs(**query: str) -> list[str]:
        response = client.get(reverse("lot_list"), query)
        assert response.status_code == 200
        return sorted(lot.ref for lot in response.context["lots"])

    assert refs(q="tiggo") == ["B-CHERY"]
    assert refs(q="c-rhd") == ["C-RHD"]
    assert refs(q=CHINESE_VINS[1][-6:]) == ["A-BYD"]
    assert refs(make="byd") == ["A-BYD"]
    assert refs(body_type="suv") == ["A-BYD", "B-CHERY"]
    assert refs(fuel_type="diesel") == ["C-RHD"]
    assert refs(steering="RHD") == ["C-RHD"]
    assert refs(year_min="2020", year_max="2022") == ["B-CHERY"]
    assert refs(price_min="9000", price_max="13000") == ["C-RHD"]
    assert refs(status="reserved") == ["C-RHD"]
    assert refs(status="nonsense") == []


def test_lot_list_sorts(login, exporter_admin, three_lots):
    client = login(exporter_admin)

    def order(sort: str) -> list[str]:
        return [lot.ref for lot in client.get(reverse("lot_list"), {"sort": sort}).context["lots"]]

    assert order("price") == ["B-CHERY", "C-RHD", "A-BYD"]
    assert order("-price") == ["A-BYD", "C-RHD", "B-CHERY"]
    assert order("-year") == ["A-BYD", "B-CHERY", "C-RHD"]
    assert order("year") == ["C-RHD", "B-CHERY", "A-BYD"]
    assert order("mileage") == ["A-BYD", "B-CHERY", "C-RHD"]
    assert order("newest") == ["C-RHD", "B-CHERY", "A-BYD"]


def test_only_organisers_filter_by_company(login, organiser, exporter_admin, three_lots, others_lot):
    by_organiser = login(organiser).get(reverse("lot_list"), {"company": others_lot.exporter.name})
    assert [lot.ref for lot in by_organiser.context["lots"]] == ["THEIRS-1"]

    by_exporter = login(exporter_admin).get(reverse("lot_list"), {"company": others_lot.exporter.name})
    assert "company" not in by_exporter.context["filter"].form.fields
    assert "THEIRS-1" not in [lot.ref for lot in by_exporter.context["lots"]]


# Create and edit ---------------------------------------------------------------


def test_exporter_adds_a_lot_as_a_draft(login, exporter_admin, exporter):
    vin = CHINESE_VINS[0]
    response = login(exporter_admin).post(reverse("lot_create"), lot_data(vin=vin.lower()), follow=True)

    lot = Lot.objects.get(exporter=exporter, ref="SC-001")
    assert response.redirect_chain[-1][0] == reverse("lot_detail", args=[lot.pk])
    assert lot.status == Lot.Status.DRAFT
    assert lot.vin == vin
    assert lot.shipping_modes == ["rail", "container"]
    assert lot.first_registration.isoformat() == "2023-05-01"
    assert "saved as a draft" in response.text
    assert "Publish" in response.text


def test_the_lot_form_has_no_status_and_offers_checkboxes_and_a_month(login, exporter_admin):
    response = login(exporter_admin).get(reverse("lot_create"))

    form = response.context["form"]
    assert "status" not in form.fields
    assert 'type="month"' in response.text
    assert 'type="checkbox" name="shipping_modes" value="roro"' in response.text
    assert "Save and publish" in response.text


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"quantity": "0"}, "quantity", "at least one vehicle"),
        ({"vin": wrong_check_digit(CHINESE_VINS[2])}, "vin", "check digit"),
        ({"vin": "LGXCE4CB2N01234"}, "vin", "17 characters"),
        ({"vin": "LGXCE4CB2N0I23456"}, "vin", "I, O and Q"),
        ({"model_year": "1985"}, "model_year", "greater than or equal to 1990"),
        ({"first_registration": "2023-13"}, "first_registration", "year and month"),
        ({"first_registration": "2019-01"}, "first_registration", "cannot have been registered"),
        ({"first_registration": "2099-01", "model_year": "2099"}, "first_registration", "future"),
        ({"unit_price": "0"}, "unit_price", "greater than or equal to 1"),
        ({"battery_soh_pct": "120"}, "battery_soh_pct", "less than or equal to 100"),
        ({"shipping_modes": ["hovercraft"]}, "shipping_modes", "valid choice"),
        ({"make": ""}, "make", "required"),
    ],
)
def test_lot_form_explains_each_bad_field(login, exporter_admin, overrides, field, message):
    response = login(exporter_admin).post(reverse("lot_create"), lot_data(**overrides))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert message in response.text or message.replace("’", "&#x27;") in response.text
    assert not Lot.objects.exists()


def test_a_duplicate_reference_is_a_form_error_not_a_crash(login, exporter_admin, exporter, others_lot):
    LotFactory(exporter=exporter, ref="SC-001")
    client = login(exporter_admin)

    response = client.post(reverse("lot_create"), lot_data(ref=" SC-001 "))

    assert response.status_code == 200
    assert "You already have a lot with this reference." in response.context["form"].errors["ref"]
    # Another exporter's reference is no obstacle.
    assert client.post(reverse("lot_create"), lot_data(ref="THEIRS-1")).status_code == 302


def test_a_duplicate_reference_caught_only_by_the_database_is_a_form_error(
    login, exporter_admin, exporter, monkeypatch
):
    # Two saves racing: both passed validation, the unique constraint decides.
    LotFactory(exporter=exporter, ref="SC-001")
    monkeypatch.setattr(lot_forms.LotForm, "clean_ref", lambda form: form.cleaned_data["ref"])
    monkeypatch.setattr(Lot, "validate_constraints", lambda self, exclude=None: None)

    response = login(exporter_admin).post(reverse("lot_create"), lot_data(ref="SC-001"))

    assert response.status_code == 200
    assert "You already have a lot with this reference." in response.context["form"].errors["ref"]
    assert Lot.objects.filter(ref="SC-001").count() == 1


def test_signed_exporter_saves_and_publishes_at_once(login, exporter_admin, signed):
    response = login(exporter_admin).post(reverse("lot_create"), lot_data(publish="1"), follow=True)

    assert Lot.objects.get(ref="SC-001").status == Lot.Status.AVAILABLE
    assert "is published" in response.text


def test_unsigned_exporter_publishing_from_the_form_gets_a_draft_and_the_reason(login, exporter_admin):
    client = login(exporter_admin)
    form_page = client.get(reverse("lot_create"))
    assert "has not signed the current industry self-discipline convention" in form_page.text

    response = client.post(reverse("lot_create"), lot_data(publish="1"), follow=True)

    assert Lot.objects.get(ref="SC-001").status == Lot.Status.DRAFT
    assert "saved as a draft, not published" in response.text
    assert "Sign the industry self-discipline convention before publishing lots." in response.text
    assert reverse("convention") in response.text


def test_exporter_edits_a_lot_without_touching_its_status(login, exporter_admin, exporter):
    lot = LotFactory(exporter=exporter, ref="OWN-1", status=Lot.Status.RESERVED)
    client = login(exporter_admin)
    page = client.get(reverse("lot_edit", args=[lot.pk]))
    assert page.status_code == 200
    assert page.context["form"]["first_registration"].value() == lot.first_registration
    assert 'value="2023-05"' in page.text
    assert "Save and publish" not in page.text

    response = client.post(
        reverse("lot_edit", args=[lot.pk]), lot_data(ref="OWN-1", unit_price="15900", status="sold")
    )

    assert response.status_code == 302
    lot.refresh_from_db()
    assert lot.unit_price == Decimal("15900")
    assert lot.status == Lot.Status.RESERVED


def test_a_draft_is_published_from_the_edit_form(login, exporter_admin, lot, signed):
    client = login(exporter_admin)
    assert "Save and publish" in client.get(reverse("lot_edit", args=[lot.pk])).text

    response = client.post(reverse("lot_edit", args=[lot.pk]), lot_data(ref="OWN-1", publish="1"))

    assert response.status_code == 302
    lot.refresh_from_db()
    assert lot.status == Lot.Status.AVAILABLE


def test_editing_with_errors_keeps_the_saved_lot_on_the_page(login, exporter_admin, lot):
    LotFactory(exporter=lot.exporter, ref="TAKEN")

    response = login(exporter_admin).post(
        reverse("lot_edit", args=[lot.pk]), lot_data(ref="TAKEN", quantity="0")
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"ref", "quantity"}
    assert "Edit lot \u2068OWN-1\u2069" in response.text
    lot.refresh_from_db()
    assert lot.ref == "OWN-1"


# Detail and status -------------------------------------------------------------


def test_lot_detail_groups_the_facts_and_shows_only_allowed_actions(
    login, exporter_admin, lot, django_assert_num_queries
):
    LotPhotoFactory.create_batch(2, lot=lot)
    client = login(exporter_admin)

    # savepoint, session, user, lot, photos, membership, deal lines, convention version
    # and signature, release
    with django_assert_num_queries(10):
        response = client.get(reverse("lot_detail", args=[lot.pk]))

    text = response.text
    for heading in (
        "Vehicle",
        "Condition and equipment",
        "Engine and battery",
        "Offer and logistics",
        "Photos",
    ):
        assert f"<h2>{heading}</h2>" in text or f">{heading}</h2>" in text
    assert "Rail, Container" in text
    assert text.count('name="status"') == 2
    assert 'value="available"' in text
    assert 'value="withdrawn"' in text
    assert 'value="sold"' not in text
    assert len(response.context["photos"]) == 2


def test_unsigned_exporter_cannot_publish_then_signs_and_can_then_a_new_version_blocks_again(
    login, exporter_admin, exporter, lot
):
    client = login(exporter_admin)
    status_url = reverse("lot_status", args=[lot.pk])

    refused = client.post(status_url, {"status": "available"}, follow=True)
    lot.refresh_from_db()
    assert lot.status == Lot.Status.DRAFT
    assert "Sign the industry self-discipline convention before publishing lots." in refused.text
    assert reverse("convention") in refused.text

    ConventionSignatureFactory(organisation=exporter, signer=exporter_admin)
    published = client.post(status_url, {"status": "available"}, follow=True)
    lot.refresh_from_db()
    assert lot.status == Lot.Status.AVAILABLE
    assert "is published" in published.text

    client.post(status_url, {"status": "draft"})
    ConventionVersionFactory(version=2)
    client.post(status_url, {"status": "available"})
    lot.refresh_from_db()
    assert lot.status == Lot.Status.DRAFT


def test_status_actions_walk_the_lifecycle(login, exporter_admin, lot, signed):
    client = login(exporter_admin)
    url = reverse("lot_status", args=[lot.pk])

    for status in ("available", "reserved", "available", "sold"):
        assert client.post(url, {"status": status}).status_code == 302
        lot.refresh_from_db()
        assert lot.status == status

    detail = client.get(reverse("lot_detail", args=[lot.pk]))
    assert 'name="status"' not in detail.text
    assert "its status no longer changes" in detail.text


def test_refused_and_invalid_status_changes_explain_themselves(login, exporter_admin, lot):
    client = login(exporter_admin)
    url = reverse("lot_status", args=[lot.pk])

    refused = client.post(url, {"status": "sold"}, follow=True)
    assert "A lot that is Draft cannot become Sold." in refused.text

    again = client.post(url, {"status": "draft"}, follow=True)
    assert "Nothing changed: lot OWN-1 is already Draft." in again.text

    invalid = client.post(url, {"status": "stolen"}, follow=True)
    assert "Choose one of the offered actions." in invalid.text
    lot.refresh_from_db()
    assert lot.status == Lot.Status.DRAFT

    assert client.get(url).status_code == 405


# Photos ------------------------------------------------------------------------


def test_exporter_uploads_photos_checked_by_pillow(login, exporter_admin, lot):
    client = login(exporter_admin)
    photos = [
        upload("front.png", image_bytes("PNG"), "image/png"),
        # A PNG called .jpg is still a fine photo; it is stored as what it is.
        upload("back.jpg", image_bytes("PNG")),
        upload("side.webp", image_bytes("WEBP"), "image/webp"),
        upload("inside.jpeg", image_bytes("JPEG")),
    ]

    response = client.post(reverse("lot_photo_add", args=[lot.pk]), {"images": photos}, follow=True)

    assert "4 photos added." in response.text
    names = sorted(photo.image.name.rsplit("/", 1)[1] for photo in lot.photos.all())
    assert names == ["back.png", "front.png", "inside.jpg", "side.webp"]
    assert all(photo.image.url in response.text for photo in lot.photos.all())


def test_a_text_file_renamed_jpg_is_refused(login, exporter_admin, lot):
    fake = upload("car.jpg", b"this is not a photo, only text\n" * 10)

    response = login(exporter_admin).post(reverse("lot_photo_add", args=[lot.pk]), {"images": [fake]})

    assert response.status_code == 400
    assert "car.jpg is not a photo CarBridge can read" in " ".join(
        response.context["photo_form"].errors["images"]
    )
    assert "is not a photo CarBridge can read" in response.text
    assert not lot.photos.exists()


def test_a_gif_is_refused_whatever_its_name(login, exporter_admin, lot):
    gif = upload("car.jpg", image_bytes("GIF"))

    response = login(exporter_admin).post(reverse("lot_photo_add", args=[lot.pk]), {"images": [gif]})

    assert response.status_code == 400
    assert (
        "car.jpg is a GIF image; upload JPEG, PNG or WebP." in response.context["photo_form"].errors["images"]
    )


def test_a_photo_over_the_size_limit_is_refused(login, exporter_admin, lot, monkeypatch):
    monkeypatch.setattr(lot_forms, "MAX_PHOTO_BYTES", 100)
    big = upload("big.png", image_bytes("PNG", size=(200, 200)), "image/png")

    response = login(exporter_admin).post(reverse("lot_photo_add", args=[lot.pk]), {"images": [big]})

    assert response.status_code == 400
    [error] = response.context["photo_form"].errors["images"]
    assert error.startswith("big.png is ")
    assert "a photo may be at most" in error
    assert not lot.photos.exists()


def test_the_default_size_limit_is_five_megabytes():
    assert lot_forms.MAX_PHOTO_BYTES == 5 * 1024 * 1024


def test_no_more_photos_than_the_limit(login, exporter_admin, lot, monkeypatch):
    monkeypatch.setattr(lot_services, "MAX_PHOTOS_PER_LOT", 3)
    LotPhotoFactory.create_batch(2, lot=lot)
    client = login(exporter_admin)
    two = [upload(f"{n}.png", image_bytes(), "image/png") for n in range(2)]

    response = client.post(reverse("lot_photo_add", args=[lot.pk]), {"images": two})

    assert response.status_code == 400
    assert "you can add 1 more" in response.text
    assert lot.photos.count() == 2

    one = upload("last.png", image_bytes(), "image/png")
    assert client.post(reverse("lot_photo_add", args=[lot.pk]), {"images": [one]}).status_code == 302
    full = client.get(reverse("lot_detail", args=[lot.pk]))
    assert "as many photos as it can have" in full.text
    assert f'action="{reverse("lot_photo_add", args=[lot.pk])}"' not in full.text


def test_uploading_nothing_asks_for_a_photo(login, exporter_admin, lot):
    response = login(exporter_admin).post(reverse("lot_photo_add", args=[lot.pk]), {})

    assert response.status_code == 400
    assert "Choose at least one photo." in response.text


def test_exporter_removes_a_photo(login, exporter_admin, lot):
    photo = LotPhotoFactory(lot=lot)

    response = login(exporter_admin).post(reverse("lot_photo_delete", args=[lot.pk, photo.pk]), follow=True)

    assert "Photo removed." in response.text
    assert not lot.photos.exists()
