"""The lot form and lot photos."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from matchmaking.choices import ShippingMode
from matchmaking.forms.common import (
    MonthField,
    OwnedModelForm,
    blank_label,
    checkboxes,
)
from matchmaking.models import Lot
from matchmaking.models.lots import MAX_MODEL_YEAR, MIN_MODEL_YEAR
from matchmaking.services import lots as lot_services
from matchmaking.validators import first_registration_problem

# Phone photos of a car are 2–4 MB; 5 MB leaves room without letting one lot
# fill the disk.
MAX_PHOTO_BYTES = 5 * 1024 * 1024
# What every browser shows: Pillow's format name → the extension to store under.
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


class LotForm(OwnedModelForm):
    owner_field = "exporter"
    duplicate_ref_message = _("You already have a lot with this reference.")
    number_bounds = {
        "model_year": (MIN_MODEL_YEAR, MAX_MODEL_YEAR),
        "quantity": (1, 100_000),
        "battery_soh_pct": (0, 100),
        "seats": (1, 80),
    }

    first_registration = MonthField(
        label=_("First registration"), required=False, help_text=_("Year and month, e.g. 2023-05.")
    )
    shipping_modes = checkboxes(ShippingMode.choices, _("Shipping modes offered"))

    fieldsets = [
        (
            _("Vehicle"),
            ["ref", "make", "model", "trim", "body_type", "fuel_type", "model_year", "first_registration"],
        ),
        (
            _("Condition and equipment"),
            [
                "mileage_km",
                "steering",
                "transmission",
                "drive",
                "colour",
                "seats",
                "condition_grade",
                "vin",
            ],
        ),
        (
            _("Engine and battery"),
            ["engine_cc", "power_kw", "battery_kwh", "battery_soh_pct", "emission_standard"],
        ),
        (_("Offer"), ["quantity", "unit_price", "currency", "incoterm"]),
        (_("Logistics"), ["location", "loading_point", "shipping_modes"]),
    ]

    class Meta:
        model = Lot
        fields = [
            "ref",
            "make",
            "model",
            "trim",
            "body_type",
            "fuel_type",
            "model_year",
            "first_registration",
            "mileage_km",
            "steering",
            "transmission",
            "drive",
            "colour",
            "seats",
            "condition_grade",
            "vin",
            "engine_cc",
            "power_kw",
            "battery_kwh",
            "battery_soh_pct",
            "emission_standard",
            "quantity",
            "unit_price",
            "currency",
            "incoterm",
            "location",
            "loading_point",
            "shipping_modes",
        ]
        help_texts = {
            "vin": _("Optional. 17 characters; checked, including the check digit of Chinese VINs."),
            "battery_soh_pct": _("Electric and plug-in vehicles: the battery's measured state of health."),
            "condition_grade": _("Your grading, e.g. A, B+ or 4.5."),
            "loading_point": _("Port or rail station the vehicles leave from."),
        }
        widgets = {"vin": forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("transmission", "drive", "emission_standard"):
            blank_label(self.fields[name], _("Not specified"))

    def clean_vin(self) -> str:
        # The model's validator then checks shape, manufacturer code and check digit.
        vin: str = self.cleaned_data["vin"]
        return vin.strip().upper()

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        problem = first_registration_problem(cleaned.get("first_registration"), cleaned.get("model_year"))
        if problem:
            self.add_error("first_registration", problem)
        return cleaned


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; each is checked by the form."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile[bytes]]:
        files = [upload for upload in (data if isinstance(data, (list, tuple)) else [data]) if upload]
        if self.required and not files:
            raise ValidationError(_("Choose at least one photo."), code="required")
        return files


MAX_INSPECTION_REPORT_BYTES = 10 * 1024 * 1024


class InspectionReportForm(forms.Form):
    """A PDF inspection report: the file's own first bytes must say PDF (a
    renamed spreadsheet or image is refused), and it is at most 10 MB."""

    report = forms.FileField(
        label=_("Inspection report (PDF)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["report"].help_text = _("A PDF of at most %(max)s MB, shown to buyers with the lot.") % {
            "max": f"{MAX_INSPECTION_REPORT_BYTES / 1024 / 1024:g}"
        }

    def clean_report(self) -> UploadedFile[bytes]:
        report: UploadedFile[bytes] = self.cleaned_data["report"]
        if (report.size or 0) > MAX_INSPECTION_REPORT_BYTES:
            raise ValidationError(
                _("The report is larger than %(max)s MB.")
                % {"max": f"{MAX_INSPECTION_REPORT_BYTES / 1024 / 1024:g}"},
                code="too_large",
            )
        report.seek(0)
        head = report.read(5)
        report.seek(0)
        if head != b"%PDF-":
            raise ValidationError(_("This file is not a PDF."), code="not_pdf")
        return report


class LotPhotoForm(forms.Form):
    """One or more photos for a lot. The real image type is read by Pillow, so a
    renamed text file or a GIF called .jpg is refused."""

    images = MultipleFileField(
        label=_("Photos"),
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args: Any, existing: int = 0, **kwargs: Any) -> None:
        self.existing = existing
        super().__init__(*args, **kwargs)
        self.fields["images"].help_text = _(
            "JPEG, PNG or WebP, at most %(max)s MB each. You can pick several at once."
        ) % {"max": f"{MAX_PHOTO_BYTES / 1024 / 1024:g}"}

    def clean_images(self) -> list[UploadedFile[bytes]]:
        files: list[UploadedFile[bytes]] = self.cleaned_data["images"]
        room = lot_services.MAX_PHOTOS_PER_LOT - self.existing
        if len(files) > room:
            if room <= 0:
                message = _("This lot already has %(max)s photos, the most it can have.") % {
                    "max": lot_services.MAX_PHOTOS_PER_LOT
                }
            else:
                message = ngettext(
                    "A lot has at most %(max)s photos: you can add %(room)s more.",
                    "A lot has at most %(max)s photos: you can add %(room)s more.",
                    room,
                ) % {"max": lot_services.MAX_PHOTOS_PER_LOT, "room": room}
            raise ValidationError(message, code="too_many")
        errors: list[ValidationError] = []
        for upload in files:
            try:
                _check_photo(upload)
            except ValidationError as error:
                errors.append(error)
        if errors:
            raise ValidationError(errors)
        return files


def _check_photo(upload: UploadedFile[bytes]) -> None:
    name = upload.name or ""
    # The size first: Pillow need not parse what is refused anyway.
    if upload.size is not None and upload.size > MAX_PHOTO_BYTES:
        raise ValidationError(
            _("%(name)s is %(size)s MB; a photo may be at most %(max)s MB."),
            params={
                "name": name,
                "size": f"{upload.size / 1024 / 1024:.1f}",
                "max": f"{MAX_PHOTO_BYTES / 1024 / 1024:g}",
            },
            code="too_large",
        )
    try:
        # ImageField.to_python opens and verifies the file with Pillow and
        # leaves the opened image on the upload.
        forms.ImageField().to_python(upload)
    except ValidationError:
        raise ValidationError(
            _("%(name)s is not a photo CarBridge can read. Upload a JPEG, PNG or WebP image."),
            params={"name": name},
            code="invalid_image",
        ) from None
    image_format = getattr(getattr(upload, "image", None), "format", None)
    if image_format not in PHOTO_FORMATS:
        raise ValidationError(
            _("%(name)s is a %(format)s image; upload JPEG, PNG or WebP."),
            params={"name": name, "format": image_format or _("unknown")},
            code="invalid_type",
        )
    # Stored under the extension of what the file really is, so it is served
    # with the right type whatever it was called on the uploader's disk.
    stem = (name.rsplit(".", 1)[0] if "." in name else name) or "photo"
    upload.name = f"{stem}.{PHOTO_FORMATS[image_format]}"
    upload.seek(0)
