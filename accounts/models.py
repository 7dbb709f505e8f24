"""People and companies: users, organisations, memberships, invitations and the
industry self-discipline convention that exporters sign."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import ClassVar, cast

from django.conf import settings
from django.conf.global_settings import LANGUAGES as ALL_LANGUAGES
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from phonenumber_field.modelfields import PhoneNumberField

from accounts.contact_channels import validate_telegram, validate_wechat_id

# Languages spoken across the fair's markets (China, the CIS, the Middle East,
# Africa, South-East Asia), named from Django's list so the names come
# translated.
WORKING_LANGUAGE_CODES = [
    "zh-hans",
    "en",
    "ru",
    "ar",
    "fa",
    "tr",
    "kk",
    "uz",
    "ky",
    "tg",
    "tk",
    "az",
    "mn",
    "uk",
    "vi",
    "th",
    "id",
    "ms",
    "ur",
    "hi",
    "sw",
    "fr",
    "es",
    "pt",
    "de",
]
# Django's names, marked with gettext_noop there; its own catalogues translate
# them into the reader's language.
LANGUAGE_CHOICES = [(code, _(dict(ALL_LANGUAGES)[code])) for code in WORKING_LANGUAGE_CODES]


class ContactChannels(models.Model):
    """Phone, WhatsApp, WeChat and Telegram, all optional; numbers stored in
    E.164. Shown to the other side of a match only once interest is mutual
    (`matchmaking.selectors.matches.contacts_for_matches`)."""

    phone = PhoneNumberField(_("phone"), blank=True)
    whatsapp = PhoneNumberField(_("WhatsApp number"), blank=True)
    wechat_id = models.CharField(_("WeChat ID"), max_length=20, blank=True, validators=[validate_wechat_id])
    telegram = models.CharField(
        _("Telegram username"), max_length=32, blank=True, validators=[validate_telegram]
    )

    class Meta:
        abstract = True


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin, ContactChannels):
    """A person who signs in with an email address; works for one organisation."""

    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("full name"), max_length=150, blank=True)
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # The language of the site when the person last signed in; emails sent
    # to them later (from a worker, outside any request) are written in it.
    language = models.CharField(_("language"), max_length=16, blank=True, choices=settings.LANGUAGES)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    # Set by `accounts.selectors.membership_for`, for the rest of the request.
    _carbridge_membership: Membership | None

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email


class Organisation(ContactChannels):
    """A company taking part: an exporter, an overseas buyer or an organiser."""

    class Kind(models.TextChoices):
        EXPORTER = "exporter", _("Exporter")
        BUYER = "buyer", _("Buyer")
        ORGANISER = "organiser", _("Organiser")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    # django-countries types blank_label as str, but renders a lazy translation as well.
    country = CountryField(_("country"), blank_label=cast(str, _("Choose a country")))
    province = models.CharField(_("province / state"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    export_qualification_no = models.CharField(
        _("export qualification number"),
        max_length=64,
        blank=True,
        help_text=_("Issued by the Ministry of Commerce to approved used-car exporters."),
    )
    languages = models.JSONField(_("working languages"), default=list, blank=True)
    website = models.URLField(_("website"), blank=True)
    verified = models.BooleanField(
        _("verified"),
        default=False,
        help_text=_("Set by an organiser once the company's papers have been checked."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="organisation_name_unique_ci",
                violation_error_message=_("An organisation with this name already exists."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["exporter", "buyer", "organiser"]),
                name="organisation_kind_valid",
            ),
            # An exporter without a qualification number cannot legally export.
            models.CheckConstraint(
                condition=~Q(kind="exporter") | ~Q(export_qualification_no=""),
                name="exporter_has_qualification_no",
                violation_error_message=_("Exporters must give their export qualification number."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_exporter(self) -> bool:
        return self.kind == self.Kind.EXPORTER

    @property
    def is_buyer(self) -> bool:
        return self.kind == self.Kind.BUYER

    @property
    def is_organiser(self) -> bool:
        return self.kind == self.Kind.ORGANISER

    @property
    def language_names(self) -> list[str]:
        names = dict(LANGUAGE_CHOICES)
        return [str(names.get(code, code)) for code in self.languages]


class Membership(models.Model):
    """A user's place in their organisation. A user works for one organisation."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        MEMBER = "member", _("Member")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="membership",
        verbose_name=_("user"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation", "joined_at"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=["admin", "member"]), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


def _new_invitation_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """An organisation admin's emailed invitation for a colleague to join."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("organisation"),
    )
    email = models.EmailField(_("email address"))
    role = models.CharField(
        _("role"), max_length=16, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    token = models.CharField(max_length=64, unique=True, default=_new_invitation_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                "organisation",
                Lower("email"),
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
                violation_error_message=_("This address already has an open invitation."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"

    @staticmethod
    def validity() -> timedelta:
        return timedelta(days=settings.CARBRIDGE_INVITATION_DAYS)

    @property
    def expires_at(self) -> datetime:
        return self.created_at + self.validity()

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired


class ConventionVersion(models.Model):
    """One published text of the industry self-discipline convention.

    Exporters sign the newest version before they may publish lots; publishing a
    new version asks every exporter to sign again.
    """

    version = models.PositiveIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    published_on = models.DateField(_("published on"), default=timezone.localdate)

    class Meta:
        verbose_name = _("convention version")
        verbose_name_plural = _("convention versions")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class ConventionSignature(models.Model):
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="convention_signatures",
        verbose_name=_("organisation"),
    )
    convention = models.ForeignKey(
        ConventionVersion,
        on_delete=models.PROTECT,
        related_name="signatures",
        verbose_name=_("convention version"),
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signed by"),
    )
    signed_at = models.DateTimeField(_("signed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("convention signature")
        verbose_name_plural = _("convention signatures")
        ordering = ["-signed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "convention"], name="convention_signed_once_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} signed v{self.convention.version}"


class ContactPoint(models.Model):
    """An overseas contact centre run for the organisers in one country, shown
    to that country's buyers so they have someone local to turn to."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")
        WECHAT = "wechat", _("WeChat")
        WHATSAPP = "whatsapp", _("WhatsApp")
        TELEGRAM = "telegram", _("Telegram")
        OTHER = "other", _("Other")

    organiser = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="contact_points",
        limit_choices_to={"kind": Organisation.Kind.ORGANISER},
        verbose_name=_("organiser"),
    )
    # django-countries types blank_label as str, but renders a lazy translation as well.
    country = CountryField(_("country served"), blank_label=cast(str, _("Choose a country")))
    name = models.CharField(
        _("contact centre"), max_length=200, help_text=_("E.g. Sichuan Export Service Centre, Almaty.")
    )
    person = models.CharField(_("contact person"), max_length=200, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.EMAIL)
    address = models.CharField(
        _("number or address"), max_length=254, help_text=_("The phone number, email address or account id.")
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True, help_text=_("Opening hours, what they help with."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        ordering = ["country", "name", "pk"]
        indexes = [models.Index(fields=["country"], name="contact_point_country_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.country.code})"
