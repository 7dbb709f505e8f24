"""Forms for sign-up, organisation profiles, teams, the convention and the
organisers' overseas contact points."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.contact_channels import CHANNEL_FIELDS, channels_clean
from accounts.models import LANGUAGE_CHOICES, ContactPoint, Membership, Organisation, User
from accounts.services import contact_points

SELF_SIGNUP_KINDS = [
    (Organisation.Kind.EXPORTER, _("Exporter — we sell used vehicles from China")),
    (Organisation.Kind.BUYER, _("Buyer — we import vehicles into our country")),
]


def _apply_service_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's refusal on the field it names, or on the whole form."""
    if hasattr(error, "error_dict"):
        for field, messages in error.error_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error)


class ContactChannelsMixin(forms.Form):
    """Phone, WhatsApp, WeChat and Telegram, each optional; the service
    stores them (numbers in E.164) and has the last word, but the form
    checks them first so each refusal shows on its own field."""

    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "dir": "ltr"}),
        help_text=_("Write the number with its country code, e.g. +86 138 0013 8000."),
    )
    whatsapp = forms.CharField(
        label=_("WhatsApp number"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "dir": "ltr"}),
        help_text=_("The number WhatsApp knows you by, also with its country code."),
    )
    wechat_id = forms.CharField(
        label=_("WeChat ID"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocapitalize": "none"}),
        help_text=_("Your WeChat ID (Me → Profile), not your name: 6 to 20 letters, digits, “_” or “-”."),
    )
    telegram = forms.CharField(
        label=_("Telegram username"),
        max_length=33,
        required=False,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocapitalize": "none"}),
        help_text=_("E.g. @carbridge_sales; people open it at t.me/…"),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        present = {name: cleaned[name] for name in CHANNEL_FIELDS if name in cleaned}
        try:
            cleaned.update(channels_clean(present))
        except ValidationError as error:
            _apply_service_error(self, error)
        return cleaned


class OrganisationFieldsMixin(forms.Form):
    """The organisation fields shared by sign-up and the profile page."""

    languages = forms.MultipleChoiceField(
        label=_("Working languages"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checkbox-columns"}),
        help_text=_("Languages your team can hold a meeting in."),
    )
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        kind = cleaned.get("kind") or getattr(getattr(self, "instance", None), "kind", None)
        if kind == Organisation.Kind.EXPORTER and not (cleaned.get("export_qualification_no") or "").strip():
            self.add_error(
                "export_qualification_no",
                _("Exporters must give their export qualification number."),
            )
        return cleaned


class SignupForm(OrganisationFieldsMixin):
    """Extra sign-up fields (django-allauth adds email and password): every new
    account registers its company and becomes that company's administrator."""

    name = forms.CharField(label=_("Your full name"), max_length=150)
    kind = forms.ChoiceField(label=_("Your company is"), choices=SELF_SIGNUP_KINDS, widget=forms.RadioSelect)
    organisation_name = forms.CharField(label=_("Company name"), max_length=200)
    country = Organisation._meta.get_field("country").formfield(label=_("Country"))
    province = forms.CharField(label=_("Province / state"), max_length=100, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    export_qualification_no = forms.CharField(
        label=_("Export qualification number"),
        max_length=64,
        required=False,
        help_text=_("Exporters only: the number on your used-car export approval."),
    )

    field_order = [
        "name",
        "email",
        "password1",
        "password2",
        "kind",
        "organisation_name",
        "country",
        "province",
        "city",
        "export_qualification_no",
        "languages",
        "website",
    ]

    def clean_organisation_name(self) -> str:
        name: str = self.cleaned_data["organisation_name"].strip()
        if Organisation.objects.filter(name__iexact=name).exists():
            raise ValidationError(
                _(
                    "An organisation called “%(name)s” is already registered. "
                    "Ask its administrator to invite you."
                ),
                params={"name": name},
            )
        return name

    def signup(self, request: HttpRequest, user: User) -> None:
        data = self.cleaned_data
        user.name = data["name"].strip()
        user.save(update_fields=["name"])
        services.organisation_register(
            user=user,
            kind=data["kind"],
            name=data["organisation_name"],
            country=data["country"],
            province=data["province"],
            city=data["city"],
            export_qualification_no=data["export_qualification_no"],
            languages=data["languages"],
            website=data["website"],
        )


class OrganisationForm(ContactChannelsMixin, OrganisationFieldsMixin, forms.ModelForm[Organisation]):
    class Meta:
        model = Organisation
        fields = [
            "name",
            "country",
            "province",
            "city",
            "export_qualification_no",
            "languages",
            "website",
            "phone",
            "whatsapp",
            "wechat_id",
            "telegram",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.is_exporter:
            del self.fields["export_qualification_no"]

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if Organisation.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).exists():
            raise ValidationError(
                _("An organisation called “%(name)s” is already registered."), params={"name": name}
            )
        return name

    def save(self, commit: bool = True) -> Organisation:
        try:
            return services.organisation_update(
                organisation=Organisation.objects.get(pk=self.instance.pk),
                **{name: self.cleaned_data[name] for name in self.fields},
            )
        except ValidationError as error:
            _apply_service_error(self, error)
            raise


class ProfileForm(ContactChannelsMixin, forms.Form):
    """A person's own name and contact channels; `services.user_update`
    stores them."""

    name = forms.CharField(label=_("Your full name"), max_length=150)

    field_order = ["name", "phone", "whatsapp", "wechat_id", "telegram"]

    def add_service_error(self, error: ValidationError) -> None:
        _apply_service_error(self, error)

    @classmethod
    def initial_for(cls, user: User) -> dict[str, object]:
        return {name: str(getattr(user, name) or "") for name in services.USER_PROFILE_FIELDS}


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Colleague's email"))
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class InvitationSignupForm(forms.Form):
    """For an invited person without an account: their name and a password."""

    name = forms.CharField(label=_("Your full name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords do not match."))
        elif password1:
            candidate = User(email=self.email, name=cleaned.get("name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ConventionSignForm(forms.Form):
    agree = forms.BooleanField(
        label=_("I have read the convention and sign it on behalf of my company."),
        required=True,
    )


def _contact_point_field(name: str, **kwargs: Any) -> forms.Field:
    # The model field's label, help text and choices, in one place.
    model_field = ContactPoint._meta.get_field(name)
    form_field = model_field.formfield(**kwargs) if isinstance(model_field, models.Field) else None
    if form_field is None:
        raise TypeError(f"ContactPoint.{name} is no field a form can show.")
    return form_field


class ContactPointForm(forms.Form):
    """An overseas contact point's details; `contact_points.contact_point_create` and
    `contact_point_update` store them and have the last word."""

    country = _contact_point_field("country")
    name = _contact_point_field("name")
    person = _contact_point_field("person")
    channel = _contact_point_field("channel")
    address = _contact_point_field("address")
    city = _contact_point_field("city")
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checkbox-columns"}),
    )
    note = _contact_point_field("note", widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        channel, address = cleaned.get("channel"), cleaned.get("address")
        if channel and address:
            try:
                cleaned["address"] = contact_points.contact_address_clean(channel=channel, address=address)
            except ValidationError as error:
                _apply_service_error(self, error)
        return cleaned

    def add_service_error(self, error: ValidationError) -> None:
        _apply_service_error(self, error)

    @classmethod
    def initial_for(cls, contact_point: ContactPoint) -> dict[str, object]:
        initial = {name: getattr(contact_point, name) for name in contact_points.CONTACT_POINT_FIELDS}
        initial["country"] = contact_point.country.code
        return initial
