"""What the lot, need and market rule forms share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Model
from django.utils.translation import gettext_lazy as _
from django_countries.fields import Country

from accounts.models import Organisation

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    # ModelForm takes its model as a type parameter in django-stubs, not at run
    # time; OwnedModelForm serves lots and needs alike.
    _ModelForm = forms.ModelForm[Any]
else:
    _ModelForm = forms.ModelForm

# What a page shows (and a month field accepts) for "year and month".
MONTH_FORMAT = "%Y-%m"


def apply_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's refusal on the field it names, or on the whole form."""
    if hasattr(error, "error_dict"):
        for field, messages in error.error_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error)


def model_field(model: type[Model], name: str, **kwargs: Any) -> forms.Field:
    """The model field's form field: its label, help text, choices and
    validators, in one place."""
    field = model._meta.get_field(name)
    formfield = field.formfield(**kwargs) if isinstance(field, models.Field) else None
    if formfield is None:
        raise TypeError(f"{model.__name__}.{name} has no form field")
    return formfield


def initial_from(instance: Model, names: tuple[str, ...]) -> dict[str, Any]:
    """An edit form's initial values: the instance's fields, countries as their codes."""
    initial = {name: getattr(instance, name) for name in names}
    return {name: value.code if isinstance(value, Country) else value for name, value in initial.items()}


def checkboxes(choices: Any, label: StrOrPromise, help_text: StrOrPromise = "") -> forms.MultipleChoiceField:
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

    # A list where CharField gives a string: the need's makes and model names are lists.
    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        # CharField gives its empty value, "" here, for empty input.
        text = super().to_python(value) or ""
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


class OwnedModelForm(_ModelForm):
    """A form for an object whose reference is unique per organisation; the
    organisation is not a field, so the form checks the reference itself (the
    database constraint would otherwise fail only on save)."""

    owner_field: str
    duplicate_ref_message: StrOrPromise

    # Groups of fields shown under one heading: (legend, field names).
    fieldsets: list[tuple[StrOrPromise, list[str]]] = []

    # Browser hints matching the model's validators (the server checks anyway).
    number_bounds: dict[str, tuple[int, int]] = {}

    def __init__(self, *args: Any, owner: Organisation, **kwargs: Any) -> None:
        self.owner = owner
        super().__init__(*args, **kwargs)
        for name, (low, high) in self.number_bounds.items():
            self.fields[name].widget.attrs.update({"min": low, "max": high})

    def clean_ref(self) -> str:
        ref: str = self.cleaned_data["ref"].strip()
        model: type[Model] = self._meta.model
        taken = model._default_manager.filter(**{self.owner_field: self.owner, "ref": ref})
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(self.duplicate_ref_message, code="unique")
        return ref

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values to hand to the service."""
        return {name: self.cleaned_data[name] for name in self._meta.fields or ()}

    def groups(self) -> list[tuple[StrOrPromise, list[forms.BoundField]]]:
        return [(legend, [self[name] for name in names]) for legend, names in self.fieldsets]


def choice_field(field: forms.Field) -> forms.ChoiceField:
    """The field as the choice field it is (a form's `fields` are typed as any Field)."""
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{type(field).__name__} offers no choices")
    return field


def blank_label(field: forms.Field, label: StrOrPromise) -> None:
    choices = choice_field(field)
    # Read back, choices are pairs (Django normalises what it is given); the
    # stubs type the getter as the setter's callable-or-mapping input.
    current = cast("Iterable[tuple[Any, Any]]", choices.choices)
    choices.choices = [("", label), *[choice for choice in current if choice[0] != ""]]


class StatusForm(forms.Form):
    """The status an action button asks for; the service decides whether it may."""

    status = forms.ChoiceField()

    def __init__(self, *args: Any, choices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self.fields["status"]).choices = choices
