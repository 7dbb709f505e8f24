"""Forms for lots, needs and lot photos. Forms only validate and shape input;
saving goes through the services."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Model
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import Organisation
from matchmaking.choices import BodyType, FuelType, ShippingMode
from matchmaking.models import Lot, Need
from matchmaking.models.lots import MAX_MODEL_YEAR, MIN_MODEL_YEAR
from matchmaking.services import lots as lot_services
from matchmaking.validators import deadline_problem, first_registration_problem, year_range_problem

# Phone photos of a car are 2–4 MB; 5 MB leaves room without letting one lot
# fill the disk.
MAX_PHOTO_BYTES = 5 * 1024 * 1024
# What every browser shows: Pillow's format name → the extension to store under.
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}

# What a page shows (and a month field accepts) for "year and month".
MONTH_FORMAT = "%Y-%m"


def apply_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's refusal on the field it names, or on the whole form."""
    if hasattr(error, "error_dict"):
        for field, messages in error.error_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error)


def _checkboxes(choices: Any, label: str, help_text: str = "") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        help_text=help_text,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checkbox-columns"}),
    )


class MonthField(forms.DateField):
    """A year and month (`<input type="month">`), stored as the first of the month."""

    widget = forms.DateInput(attrs={"type": "month", "placeholder": "YYYY-MM"}, format=MONTH_FORMAT)
    input_formats = [MONTH_FORMAT]
    default_error_messages = {"invalid": _("Enter a year and month such as 2023-05.")}


class CommaSeparatedField(forms.CharField):
    """Names typed as one line, separated by commas; cleaned into a list."""

    def __init__(self, *, item_max_length: int = 64, **kwargs: Any) -> None:
        self.item_max_length = item_max_length
        kwargs.setdefault("max_length", 1000)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return ", ".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:
        text = super().to_python(value)
        # Chinese and Japanese keyboards type a full-width comma; semicolons come
        # from the import files' convention.
        for separator in ("，", ";", "；"):
            text = text.replace(separator, ",")
        return [part.strip() for part in text.split(",") if part.strip()]

    def validate(self, value: list[str]) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        too_long = [name for name in value if len(name) > self.item_max_length]
        if too_long:
            raise ValidationError(
                _("Each name has at most %(max)s characters: %(names)s."),
                params={"max": self.item_max_length, "names": ", ".join(too_long)},
                code="item_too_long",
            )

    def run_validators(self, value: Any) -> None:
        # max_length applies to the typed line, not the list.
        super().run_validators(", ".join(value) if isinstance(value, list) else value)


class _OwnedModelForm(forms.ModelForm):
    """A form for an object whose reference is unique per organisation; the
    organisation is not a field, so the form checks the reference itself (the
    database constraint would otherwise fail only on save)."""

    owner_field: str
    duplicate_ref_message: str

    # Groups of fields shown under one heading: (legend, field names).
    fieldsets: list[tuple[str, list[str]]] = []

    # Browser hints matching the model's validators (the server checks anyway).
    number_bounds: dict[str, tuple[int, int]] = {}

    def __init__(self, *args: Any, owner: Organisation, **kwargs: Any) -> None:
        self.owner = owner
        super().__init__(*args, **kwargs)
        for name, (low, high) in self.number_bounds.items():
            self.fields[name].widget.attrs.update({"min": low, "max": high})

    def clean_ref(self) -> str:
        ref = self.cleaned_data["ref"].strip()
        model: type[Model] = self._meta.model
        taken = model.objects.filter(**{self.owner_field: self.owner, "ref": ref})
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(self.duplicate_ref_message, code="unique")
        return ref

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values to hand to the service."""
        return {name: self.cleaned_data[name] for name in self._meta.fields}

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(legend, [self[name] for name in names]) for legend, names in self.fieldsets]


def _blank_label(field: forms.Field, label: str) -> None:
    field.choices = [("", label), *[choice for choice in field.choices if choice[0] != ""]]


class LotForm(_OwnedModelForm):
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
    shipping_modes = _checkboxes(ShippingMode.choices, _("Shipping modes offered"))

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
            _blank_label(self.fields[name], _("Not specified"))

    def clean_vin(self) -> str:
        # The model's validator then checks shape, manufacturer code and check digit.
        return self.cleaned_data["vin"].strip().upper()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        problem = first_registration_problem(cleaned.get("first_registration"), cleaned.get("model_year"))
        if problem:
            self.add_error("first_registration", problem)
        return cleaned


class NeedForm(_OwnedModelForm):
    owner_field = "buyer"
    duplicate_ref_message = _("You already have a need with this reference.")
    number_bounds = {
        "year_min": (MIN_MODEL_YEAR, MAX_MODEL_YEAR),
        "year_max": (MIN_MODEL_YEAR, MAX_MODEL_YEAR),
        "quantity": (1, 100_000),
        "min_battery_soh_pct": (0, 100),
    }

    makes = CommaSeparatedField(
        label=_("Makes"),
        required=False,
        help_text=_("Separate with commas, e.g. BYD, Chery, Geely. Leave empty for any make."),
    )
    model_names = CommaSeparatedField(
        label=_("Models"),
        required=False,
        help_text=_("Separate with commas, e.g. Song Plus, Tiggo 7. Leave empty for any model."),
    )
    body_types = _checkboxes(BodyType.choices, _("Body types"), _("None ticked: any body type."))
    fuel_types = _checkboxes(FuelType.choices, _("Fuel types"), _("None ticked: any fuel type."))
    shipping_modes = _checkboxes(ShippingMode.choices, _("Preferred shipping modes"))

    fieldsets = [
        (_("Request"), ["ref", "title"]),
        (_("Destination"), ["destination_country", "destination_port", "steering"]),
        (
            _("Vehicles wanted"),
            [
                "makes",
                "model_names",
                "body_types",
                "fuel_types",
                "year_min",
                "year_max",
                "max_mileage_km",
                "min_battery_soh_pct",
            ],
        ),
        (
            _("Quantity and budget"),
            ["quantity", "allow_split", "max_unit_price", "currency", "incoterm"],
        ),
        (_("Delivery"), ["shipping_modes", "deadline"]),
    ]

    class Meta:
        model = Need
        fields = [
            "ref",
            "title",
            "destination_country",
            "destination_port",
            "steering",
            "makes",
            "model_names",
            "body_types",
            "fuel_types",
            "year_min",
            "year_max",
            "max_mileage_km",
            "min_battery_soh_pct",
            "quantity",
            "allow_split",
            "max_unit_price",
            "currency",
            "incoterm",
            "shipping_modes",
            "deadline",
        ]
        widgets = {"deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {
            "title": _("What sellers see first, e.g. “Plug-in hybrid SUVs for Almaty dealers”."),
            "max_unit_price": _("Per vehicle. Lots up to 10% above it are still proposed."),
            "deadline": _("When the vehicles must be shipped by."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _blank_label(self.fields["steering"], _("As the market rule requires"))
        # The destination's market rules appear beside the form as soon as a
        # country (or steering) is picked, before anything is saved.
        panel = {
            "hx-get": reverse_lazy("need_market_rules"),
            "hx-trigger": "change",
            "hx-target": "#market-rules",
            "hx-include": "#id_destination_country, #id_steering",
            "aria-controls": "market-rules",
        }
        self.fields["destination_country"].widget.attrs.update(panel)
        self.fields["steering"].widget.attrs.update(panel)

    def clean_deadline(self) -> datetime.date | None:
        deadline = self.cleaned_data["deadline"]
        problem = deadline_problem(deadline, changed="deadline" in self.changed_data)
        if problem:
            raise ValidationError(problem, code="past")
        return deadline

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        problem = year_range_problem(cleaned.get("year_min"), cleaned.get("year_max"))
        if problem:
            self.add_error("year_max", problem)
        return cleaned


class StatusForm(forms.Form):
    """The status an action button asks for; the service decides whether it may."""

    status = forms.ChoiceField()

    def __init__(self, *args: Any, choices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = choices


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; each is checked by the form."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = [upload for upload in (data if isinstance(data, (list, tuple)) else [data]) if upload]
        if self.required and not files:
            raise ValidationError(_("Choose at least one photo."), code="required")
        return files


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

    def clean_images(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data["images"]
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


def _check_photo(upload: UploadedFile) -> None:
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
