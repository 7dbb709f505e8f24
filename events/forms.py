"""Forms for events, participants and meetings. They check the shape of the
input; the services decide what is allowed."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from core import formats
from core.translations import add_translation_fields, language_fields, original_fields, translations_from
from events.models import Event, EventTable, Meeting, Participation, Slot
from events.selectors import lots_to_offer
from events.services.events import EVENT_FIELDS, SessionSpec, table_names_from
from matchmaking.models import Lot

TIME_ZONES = sorted(zoneinfo.available_timezones())

# Years an event's dates may fall in. Year 1 or 9999 (a slip in a date field)
# overflowed when slots were converted between time zones.
FIRST_YEAR, LAST_YEAR = 2000, 2100


# A date, or a datetime (a subclass of date), comes back as it was given.
_Day = TypeVar("_Day", bound=datetime.date)


def _in_sane_years(value: _Day | None) -> _Day | None:
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(
            _("Give a date between %(first)s and %(last)s."), params={"first": FIRST_YEAR, "last": LAST_YEAR}
        )
    return value


_MOMENT_RANGE = {
    "type": "datetime-local",
    "min": f"{FIRST_YEAR}-01-01T00:00",
    "max": f"{LAST_YEAR}-12-31T23:59",
}


_Model = TypeVar("_Model", bound=Model)


def _choose_from(form: forms.BaseForm, name: str, queryset: QuerySet[_Model]) -> None:
    """Offer the form's model choice field `name` (each form holds its own
    copy of its fields) the objects of `queryset` only."""
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{name} is not a model choice field")
    field.queryset = queryset


if TYPE_CHECKING:
    # django-stubs makes these generic; Django's own classes take no type
    # argument at run time.
    _EventModelForm = forms.ModelForm[Event]
    _SlotChoiceField = forms.ModelChoiceField[Slot]
    _SlotMultipleChoiceField = forms.ModelMultipleChoiceField[Slot]
    _LotChoiceField = forms.ModelChoiceField[Lot]
else:
    _EventModelForm = forms.ModelForm
    _SlotChoiceField = forms.ModelChoiceField
    _SlotMultipleChoiceField = forms.ModelMultipleChoiceField
    _LotChoiceField = forms.ModelChoiceField


TRANSLATED = ("name_translations", "description_translations")


class EventForm(_EventModelForm):
    tables = forms.CharField(
        label=_("Tables"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("A number (30 gives T1 to T30) or the tables' names, separated by commas or new lines."),
    )

    class Meta:
        model = Event
        # The status has its own control on the event's page; the texts in
        # other languages are one field per language (below).
        fields = [name for name in EVENT_FIELDS if name not in {"status", *TRANSLATED}]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "time_zone": forms.Select(choices=[(zone, zone) for zone in TIME_ZONES]),
            "registration_opens_at": forms.DateTimeInput(attrs=_MOMENT_RANGE, format="%Y-%m-%dT%H:%M"),
            "registration_closes_at": forms.DateTimeInput(attrs=_MOMENT_RANGE, format="%Y-%m-%dT%H:%M"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["tables"] = ", ".join(self.instance.tables.values_list("name", flat=True))
        add_translation_fields(
            self, "name", self.fields["name"], _("Name in %(language)s"), self.instance.name_translations
        )
        add_translation_fields(
            self,
            "description",
            self.fields["description"],
            _("Description in %(language)s"),
            self.instance.description_translations,
        )

    def main_fields(self) -> list[forms.BoundField]:
        return original_fields(self, ("name", "description"))

    def translation_fields(self) -> list[tuple[str, list[forms.BoundField]]]:
        """(language, [name field, description field]) for each of the site's languages."""
        return language_fields(self, ("name", "description"))

    def event_data(self) -> dict[str, Any]:
        """What the service saves: the model's fields and the texts by language."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["name_translations"] = translations_from(dict(self.cleaned_data), "name")
        data["description_translations"] = translations_from(dict(self.cleaned_data), "description")
        return data

    def clean_tables(self) -> list[str]:
        return table_names_from(self.cleaned_data["tables"])

    def clean_registration_opens_at(self) -> datetime.datetime | None:
        return _in_sane_years(self.cleaned_data["registration_opens_at"])

    def clean_registration_closes_at(self) -> datetime.datetime | None:
        return _in_sane_years(self.cleaned_data["registration_closes_at"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        opens, closes = data.get("registration_opens_at"), data.get("registration_closes_at")
        if opens and closes and closes <= opens:
            self.add_error("registration_closes_at", _("Registration must close after it opens."))
        return data


class SessionForm(forms.Form):
    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(
            attrs={"type": "date", "min": f"{FIRST_YEAR}-01-01", "max": f"{LAST_YEAR}-12-31"}
        ),
    )
    label = forms.CharField(label=_("Label"), max_length=60, initial=_("Morning"))
    starts = forms.TimeField(
        label=_("Starts"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    ends = forms.TimeField(label=_("Ends"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("starts") and data.get("ends") and data["ends"] <= data["starts"]:
            self.add_error("ends", _("A session must end after it starts."))
        return data

    def clean_date(self) -> datetime.date | None:
        return _in_sane_years(self.cleaned_data["date"])


if TYPE_CHECKING:
    _BaseSessionFormSet = forms.BaseFormSet[SessionForm]
else:
    _BaseSessionFormSet = forms.BaseFormSet


class _SessionFormSet(_BaseSessionFormSet):
    def specs(self) -> list[SessionSpec]:
        return [
            SessionSpec(
                date=f.cleaned_data["date"],
                label=f.cleaned_data["label"],
                starts=f.cleaned_data["starts"],
                ends=f.cleaned_data["ends"],
            )
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]

    def clean(self) -> None:
        if any(self.errors):
            return
        if not self.specs():
            raise ValidationError(_("Add at least one session."))


# formset_factory returns a subclass of the formset it is given; django-stubs
# types the result as the base class, which has no specs().
SessionFormSet = cast(
    type[_SessionFormSet],
    forms.formset_factory(
        SessionForm, formset=_SessionFormSet, extra=1, can_delete=True, max_num=60, validate_max=True
    ),
)


def session_initial(event: Event) -> list[dict[str, Any]]:
    return [
        {"date": s.date, "label": s.label, "starts": s.starts, "ends": s.ends}
        for s in event.sessions.order_by("date", "starts")
    ]


class EventStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Event.Status.choices)


class ApplyForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the organisers"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: what you bring or look for, delegation size, interpreter needs."),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))]
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        help_text=_("Required when rejecting; the applicant sees it."),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the application is rejected."))
        return data


class AddParticipantForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Company"), queryset=Organisation.objects.none())

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choose_from(
            self,
            "organisation",
            Organisation.objects.exclude(kind=Organisation.Kind.ORGANISER)
            .exclude(participations__event=event, participations__status=Participation.Status.APPROVED)
            .order_by("kind", "name"),
        )


def slot_label(slot: Slot) -> str:
    """ "#3 · Mon 18 May 09:30–10:00" in the event's time zone, with day and
    month names in the reader's language."""
    zone = slot.event.zone
    return f"#{slot.number} · {formats.span(slot.starts_at.astimezone(zone), slot.ends_at.astimezone(zone))}"


class SlotChoiceField(_SlotChoiceField):
    def label_from_instance(self, slot: Slot) -> str:
        return slot_label(slot)


class SlotMultipleChoiceField(_SlotMultipleChoiceField):
    def label_from_instance(self, slot: Slot) -> str:
        return slot_label(slot)


class AvailabilityForm(forms.Form):
    unavailable = SlotMultipleChoiceField(
        label=_("Slots you cannot attend"),
        queryset=Slot.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choose_from(
            self, "unavailable", Slot.objects.filter(event=event).select_related("event").order_by("number")
        )


class HomeTableForm(forms.Form):
    home_table = forms.ModelChoiceField(
        label=_("Home table (booth)"), queryset=EventTable.objects.none(), required=False
    )

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choose_from(self, "home_table", event.tables.order_by("position"))


class MeetingAddForm(forms.Form):
    exporter = forms.ModelChoiceField(label=_("Exporter"), queryset=Organisation.objects.none())
    buyer = forms.ModelChoiceField(label=_("Buyer"), queryset=Organisation.objects.none())
    priority = forms.IntegerField(label=_("Priority"), min_value=1, max_value=9, initial=1)

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        approved = Organisation.objects.filter(
            participations__event=event, participations__status=Participation.Status.APPROVED
        ).order_by("name")
        _choose_from(self, "exporter", approved.filter(kind=Organisation.Kind.EXPORTER))
        _choose_from(self, "buyer", approved.filter(kind=Organisation.Kind.BUYER))


class MeetingMoveForm(forms.Form):
    slot = SlotChoiceField(label=_("Slot"), queryset=Slot.objects.none())
    # Translators: a numbered meeting table in the fair's hall (furniture), not a data table.
    table = forms.ModelChoiceField(label=_("Table"), queryset=EventTable.objects.none())
    reason = forms.CharField(
        label=_("Reason for the move"),
        required=False,
        max_length=2000,
        help_text=_("Optional; both sides see it with the new time."),
    )

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choose_from(
            self, "slot", Slot.objects.filter(event=event).select_related("event").order_by("number")
        )
        _choose_from(self, "table", event.tables.order_by("position"))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class MeetingAnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=[("confirm", _("Confirm")), ("decline", _("Decline"))])
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("answer") == "decline" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why you decline, so the other side understands."))
        return data


class MeetingOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Meeting.Outcome.choices)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional: what was agreed, next steps."),
    )


class LotChoiceField(_LotChoiceField):
    def label_from_instance(self, lot: Lot) -> str:
        return f"{lot.ref} · {lot.make} {lot.model} {lot.model_year} · ×{lot.quantity}"


class OfferLotForm(forms.Form):
    lot = LotChoiceField(
        label=_("Your lot"), queryset=Lot.objects.none(), widget=forms.RadioSelect, empty_label=None
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The lots the exporter may offer, also listed beside the choices.
        self.lots = lots_to_offer(organisation)
        _choose_from(self, "lot", self.lots)


class ScheduleForm(forms.Form):
    time_limit = forms.IntegerField(
        label=_("Time limit (seconds)"),
        min_value=1,
        max_value=120,
        initial=10,
        help_text=_("A good agenda exists at once; more time lets the engine cut idle gaps further."),
    )
    allow_moving_published = forms.BooleanField(
        label=_("Allow moving published meetings"),
        required=False,
        help_text=_(
            "Off: published meetings stay where they are and only meetings waiting for a place are "
            "placed. On: the engine may also move published meetings that are not confirmed or pinned; "
            "both sides of each moved meeting are emailed and asked to confirm again."
        ),
    )

    def __init__(self, *args: Any, published: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Before publication nobody knows a time yet: every run may move anything.
        if not published:
            del self.fields["allow_moving_published"]


class CheckInForm(forms.Form):
    checked_in = forms.TypedChoiceField(
        choices=[("1", _("Check in")), ("0", _("Undo the check-in"))],
        coerce=lambda value: value == "1",
        required=False,
        # No answer checks in.
        empty_value=True,  # type: ignore[arg-type]  # django-stubs allows text only; Django takes any
    )
    reason = forms.CharField(
        label=_("Reason for checking in outside the event's days"), required=False, max_length=2000
    )


MEETING_STATE_CHOICES = [("", _("All")), *Meeting.State.choices]
