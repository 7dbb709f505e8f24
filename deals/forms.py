"""Forms for recording deals. They check the shape of the input; the services
decide what is allowed."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIteratorValue
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from deals.models import Deal
from deals.services import EARLIEST_SIGNING, NOTE_MAX_LENGTH, LineSpec, Terms
from events.models import Event
from matchmaking.choices import CURRENCY_CHOICES, Incoterm
from matchmaking.models import Lot

# Blank rows offered under the filled ones; more appear after saving.
EXTRA_LINES = 3


class DealForm(forms.Form):
    event = forms.ModelChoiceField(
        label=_("Event"),
        queryset=Event.objects.none(),
        required=False,
        empty_label=_("Not at an event"),
        help_text=_("Deals signed at an event count in its totals."),
    )
    signed_on = forms.DateField(
        label=_("Signed on"),
        widget=forms.DateInput(attrs={"type": "date", "min": EARLIEST_SIGNING.isoformat()}),
        initial=timezone.localdate,
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES, initial="USD")
    incoterm = forms.ChoiceField(label=_("Incoterm"), choices=Incoterm.choices, initial=Incoterm.FOB)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Contract number, payment or delivery terms: anything both sides should see."),
    )

    def __init__(self, *args: Any, events: QuerySet[Event] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if events is None:
            del self.fields["event"]
        else:
            event = self.fields["event"]
            if not isinstance(event, forms.ModelChoiceField):
                raise TypeError("event is not a model choice field")
            event.queryset = events


def lot_label(lot: Lot) -> str:
    return _("%(ref)s · %(title)s · %(left)s left") % {
        "ref": lot.ref,
        "title": lot.title,
        "left": lot.quantity,
    }


# What a lot choice renders as: its value and its label.
LotChoice = tuple[ModelChoiceIteratorValue | str, str]


class LotChoiceField(forms.ModelChoiceField[Lot]):
    def label_from_instance(self, obj: Lot) -> str:
        return lot_label(obj)


class LineForm(forms.Form):
    # Translators: a batch of identical used vehicles one exporter offers for export (not an auction lot).
    lot = LotChoiceField(label=_("Lot"), queryset=Lot.objects.none(), required=False)
    quantity = forms.IntegerField(label=_("Vehicles"), min_value=1, max_value=100_000, required=False)
    unit_price = forms.DecimalField(
        label=_("Unit price"), min_value=Decimal("0.01"), max_digits=14, decimal_places=2, required=False
    )

    def __init__(
        self, *args: Any, lots: QuerySet[Lot], lot_choices: list[LotChoice] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["lot"]
        if not isinstance(field, LotChoiceField):
            raise TypeError("lot is not a lot choice field")
        field.queryset = lots
        if lot_choices is not None:
            # Rendered from one list shared by every row, not a query per row.
            field.widget.choices = lot_choices

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        lot, quantity, price = data.get("lot"), data.get("quantity"), data.get("unit_price")
        if lot is None and quantity is None and price is None:
            return data
        if lot is None and "lot" not in self.errors:
            self.add_error("lot", _("Choose the lot."))
        if quantity is None and "quantity" not in self.errors:
            self.add_error("quantity", _("How many vehicles?"))
        if price is None and "unit_price" not in self.errors:
            self.add_error("unit_price", _("Give the unit price."))
        return data

    @property
    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not (data.get("lot") or data.get("quantity") or data.get("unit_price"))


class BaseLineFormSet(forms.BaseFormSet[LineForm]):
    def __init__(self, *args: Any, lots: QuerySet[Lot], **kwargs: Any) -> None:
        self.lots = lots
        super().__init__(*args, **kwargs)

    @cached_property
    def lot_choices(self) -> list[LotChoice]:
        field = LotChoiceField(queryset=self.lots)
        # Read back, a model choice field's choices are its iterator's pairs; the
        # stubs type the getter as whatever the setter accepts.
        return list(cast("Iterable[LotChoice]", field.choices))

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "lots": self.lots, "lot_choices": self.lot_choices}

    def clean(self) -> None:
        if any(self.errors):
            return
        if not [form for form in self.forms if not form.is_blank]:
            raise ValidationError(_("Add at least one lot to the deal."))

    def line_specs(self) -> list[LineSpec]:
        return [
            LineSpec(
                lot=form.cleaned_data["lot"],
                quantity=form.cleaned_data["quantity"],
                unit_price=form.cleaned_data["unit_price"],
            )
            for form in self.forms
            if not form.is_blank
        ]


# formset_factory returns a subclass of the formset it is given; django-stubs
# types the result as plain BaseFormSet, without lots or line_specs().
LineFormSet = cast(
    type[BaseLineFormSet],
    forms.formset_factory(LineForm, formset=BaseLineFormSet, extra=EXTRA_LINES, max_num=50, absolute_max=50),
)


def terms_from(form: DealForm, lines: BaseLineFormSet) -> Terms:
    data = form.cleaned_data
    return Terms(
        currency=data["currency"],
        incoterm=data["incoterm"],
        signed_on=data["signed_on"],
        note=data["note"],
        lines=lines.line_specs(),
    )


def initial_for(deal: Deal) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The deal's current terms as initial data for the form and its lines."""
    terms = {
        "signed_on": deal.signed_on,
        "currency": deal.currency,
        "incoterm": deal.incoterm,
        "note": deal.note,
    }
    lines = [
        {"lot": line.lot, "quantity": line.quantity, "unit_price": line.unit_price}
        for line in deal.lines.all()
    ]
    return terms, lines


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )
