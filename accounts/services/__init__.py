"""Write operations on people and organisations. Each is one transaction and
raises `ValidationError` with a message a user can read when a rule says no."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import timedelta

from allauth.account.models import EmailAddress
from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.contact_channels import CHANNEL_FIELDS, channels_clean
from accounts.models import (
    ConventionSignature,
    Invitation,
    Membership,
    Organisation,
    User,
)
from accounts.selectors import current_convention, forget_membership, membership_for

ORGANISATION_PROFILE_FIELDS = (
    "name",
    "country",
    "province",
    "city",
    "export_qualification_no",
    "languages",
    "website",
    *CHANNEL_FIELDS,
)
USER_PROFILE_FIELDS = ("name", *CHANNEL_FIELDS)


def _check_name_free(name: str, *, exclude_pk: int | None = None) -> None:
    taken = Organisation.objects.filter(name__iexact=name.strip())
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(
            {"name": _("An organisation called “%(name)s” is already registered.") % {"name": name}}
        )


def _check_exporter_fields(kind: str, export_qualification_no: str) -> None:
    if kind == Organisation.Kind.EXPORTER and not export_qualification_no.strip():
        raise ValidationError(
            {"export_qualification_no": _("Exporters must give their export qualification number.")}
        )


@transaction.atomic
def organisation_register(
    *,
    user: User,
    kind: str,
    name: str,
    country: str,
    province: str = "",
    city: str = "",
    export_qualification_no: str = "",
    languages: Iterable[str] = (),
    website: str = "",
) -> Organisation:
    """Create the user's organisation and make the user its first administrator."""
    if membership_for(user) is not None:
        raise ValidationError(_("You already belong to an organisation."))
    _check_name_free(name)
    _check_exporter_fields(kind, export_qualification_no)
    organisation = Organisation.objects.create(
        kind=kind,
        name=name.strip(),
        country=country,
        province=province.strip(),
        city=city.strip(),
        export_qualification_no=export_qualification_no.strip(),
        languages=list(languages),
        website=website,
    )
    Membership.objects.create(user=user, organisation=organisation, role=Membership.Role.ADMIN)
    forget_membership(user)
    return organisation


@transaction.atomic
def organisation_update(*, organisation: Organisation, **fields: object) -> Organisation:
    """Change an organisation's profile, its contact channels among it
    (numbers stored in E.164). Its kind and verified flag are not the
    members' to change."""
    unknown = set(fields) - set(ORGANISATION_PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not profile fields: {sorted(unknown)}")
    fields = {**fields, **channels_clean(fields)}
    if "name" in fields:
        _check_name_free(str(fields["name"]), exclude_pk=organisation.pk)
    _check_exporter_fields(
        organisation.kind,
        str(fields.get("export_qualification_no", organisation.export_qualification_no)),
    )
    for field, value in fields.items():
        setattr(organisation, field, value.strip() if isinstance(value, str) else value)
    organisation.save(update_fields=[*fields])
    return organisation


@transaction.atomic
def user_update(*, user: User, **fields: object) -> User:
    """Change a person's own profile: their name and contact channels
    (numbers stored in E.164, a Telegram username without its "@")."""
    unknown = set(fields) - set(USER_PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not profile fields: {sorted(unknown)}")
    fields = {**fields, **channels_clean(fields)}
    for field, value in fields.items():
        setattr(user, field, value.strip() if isinstance(value, str) else value)
    user.save(update_fields=[*fields])
    return user


@transaction.atomic
def organisation_set_verified(*, organisation: Organisation, verified: bool) -> Organisation:
    organisation.verified = verified
    organisation.save(update_fields=["verified"])
    return organisation


# Invitations -------------------------------------------------------------------

# Every invitation is an email from the platform's address to an address the
# sender chose, so a company (and a person) sends a team's worth an hour, not a
# mailing; the names the email carries are cut short for the same reason.
INVITATIONS_PER_HOUR = 10
INVITATION_ORGANISATION_NAME_CHARS = 100
INVITATION_PERSON_NAME_CHARS = 60


def _check_invitation_rate(organisation: Organisation, invited_by: User) -> None:
    # The company's row is locked so that invitations sent at once are
    # counted one after the other.
    Organisation.objects.select_for_update().only("pk").get(pk=organisation.pk)
    since = timezone.now() - timedelta(hours=1)
    sent = Invitation.objects.filter(
        Q(organisation=organisation) | Q(invited_by=invited_by), created_at__gt=since
    ).values_list("created_at", flat=True)
    recent = sorted(sent)
    if len(recent) < INVITATIONS_PER_HOUR:
        return
    # Free again once the oldest invitation that counts is an hour old.
    wait = recent[-INVITATIONS_PER_HOUR] - since
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    raise ValidationError(
        {
            "email": ngettext(
                "Your company has sent %(count)s invitations in the last hour, the most allowed; "
                "try again in %(minutes)s minute.",
                "Your company has sent %(count)s invitations in the last hour, the most allowed; "
                "try again in %(minutes)s minutes.",
                minutes,
            )
            % {"count": INVITATIONS_PER_HOUR, "minutes": minutes}
        }
    )


@transaction.atomic
def invitation_create(*, organisation: Organisation, email: str, role: str, invited_by: User) -> Invitation:
    """Invite a colleague by email; the email goes out once the transaction
    commits. Refused beyond INVITATIONS_PER_HOUR for the company or the sender."""
    _check_invitation_rate(organisation, invited_by)
    email = email.strip().lower()
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise ValidationError({"email": _("%(email)s is already a member.") % {"email": email}})
    # An expired invitation no longer blocks a new one to the same address.
    Invitation.objects.filter(
        organisation=organisation,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        created_at__lte=timezone.now() - Invitation.validity(),
    ).update(revoked_at=timezone.now())
    if Invitation.objects.filter(
        organisation=organisation,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).exists():
        raise ValidationError({"email": _("%(email)s already has an open invitation.") % {"email": email}})
    invitation = Invitation.objects.create(
        organisation=organisation, email=email, role=role, invited_by=invited_by
    )
    language = translation.get_language() or settings.LANGUAGE_CODE
    transaction.on_commit(lambda: invitation_send_task.delay(invitation.pk, language))
    return invitation


def invitation_url(invitation: Invitation) -> str:
    return settings.CARBRIDGE_SITE_URL.rstrip("/") + reverse(
        "invitation_accept", kwargs={"token": invitation.token}
    )


@transaction.atomic
def invitation_send(*, invitation: Invitation) -> bool:
    """Email the invitation link. Safe to run twice: a sent, accepted or
    revoked invitation is not emailed again."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organisation", "invited_by")
        .get(pk=invitation.pk)
    )
    if invitation.sent_at is not None or not invitation.is_open:
        return False
    inviter = str(invitation.invited_by) if invitation.invited_by else _("A colleague")
    organisation = invitation.organisation.name
    context = {
        "invitation": invitation,
        "organisation_name": Truncator(organisation).chars(INVITATION_ORGANISATION_NAME_CHARS),
        "inviter": Truncator(inviter).chars(INVITATION_PERSON_NAME_CHARS),
        "accept_url": invitation_url(invitation),
        "days": settings.CARBRIDGE_INVITATION_DAYS,
    }
    subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
    body = render_to_string("accounts/email/invitation_message.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    invitation.sent_at = timezone.now()
    invitation.save(update_fields=["sent_at"])
    return True


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> Invitation:
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation was already accepted."))
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def _lock_open_invitation(invitation: Invitation) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been used."))
    if invitation.revoked_at is not None:
        raise ValidationError(_("This invitation was withdrawn. Ask for a new one."))
    if invitation.is_expired:
        raise ValidationError(_("This invitation has expired. Ask for a new one."))
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Join the inviting organisation as the signed-in user."""
    invitation = _lock_open_invitation(invitation)
    if user.email.lower() != invitation.email.lower():
        raise ValidationError(
            _("This invitation is for %(email)s. Sign in with that address to accept it.")
            % {"email": invitation.email}
        )
    existing = membership_for(user)
    if existing is not None:
        raise ValidationError(
            _("You already belong to %(organisation)s; a user works for one organisation.")
            % {"organisation": existing.organisation}
        )
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                user=user, organisation_id=invitation.organisation_id, role=invitation.role
            )
    except IntegrityError as error:
        raise ValidationError(_("You already belong to an organisation.")) from error
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    # Following the emailed link proves the address is theirs.
    EmailAddress.objects.filter(user=user, email__iexact=invitation.email).update(verified=True)
    forget_membership(user)
    return membership


@transaction.atomic
def user_create_from_invitation(*, invitation: Invitation, name: str, password: str) -> User:
    """Create the invited person's account and membership in one step."""
    invitation = _lock_open_invitation(invitation)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(
            _("An account for %(email)s already exists. Sign in to accept the invitation.")
            % {"email": invitation.email}
        )
    user = User.objects.create_user(email=invitation.email, password=password, name=name.strip())
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    invitation_accept(invitation=invitation, user=user)
    return user


# Members -----------------------------------------------------------------------


def _lock_admins(organisation_id: int) -> None:
    """Lock the organisation's administrators until the transaction ends, so two
    admins removing or demoting each other at once cannot leave it with none."""
    list(
        Membership.objects.select_for_update()
        .filter(organisation_id=organisation_id, role=Membership.Role.ADMIN)
        .values_list("pk", flat=True)
    )


def _check_keeps_an_admin(membership: Membership) -> None:
    others = Membership.objects.filter(
        organisation_id=membership.organisation_id, role=Membership.Role.ADMIN
    ).exclude(pk=membership.pk)
    if membership.is_admin and not others.exists():
        raise ValidationError(
            _("%(organisation)s needs at least one administrator. Make someone else an administrator first.")
            % {"organisation": membership.organisation}
        )


@transaction.atomic
def member_remove(*, membership: Membership) -> None:
    """Take a user out of their organisation; their account stays."""
    _lock_admins(membership.organisation_id)
    _check_keeps_an_admin(membership)
    membership.delete()


@transaction.atomic
def member_set_role(*, membership: Membership, role: str) -> Membership:
    if role not in Membership.Role.values:
        raise ValidationError(_("Unknown role."))
    _lock_admins(membership.organisation_id)
    if role != Membership.Role.ADMIN:
        _check_keeps_an_admin(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


# Convention --------------------------------------------------------------------


@transaction.atomic
def convention_sign(*, organisation: Organisation, user: User) -> ConventionSignature:
    """Record that the user signed the newest convention for their exporter."""
    if not organisation.is_exporter:
        raise ValidationError(_("Only exporters sign the self-discipline convention."))
    membership = membership_for(user)
    if membership is None or membership.organisation_id != organisation.pk or not membership.is_admin:
        raise ValidationError(
            _("Only an administrator of %(organisation)s can sign for it.") % {"organisation": organisation}
        )
    convention = current_convention()
    if convention is None:
        raise ValidationError(_("No convention has been published yet."))
    signature, _created = ConventionSignature.objects.get_or_create(
        organisation=organisation, convention=convention, defaults={"signer": user}
    )
    return signature


# Organisers --------------------------------------------------------------------


@transaction.atomic
def organiser_create(*, email: str, name: str, organisation_name: str, country: str, password: str) -> User:
    """Create an organiser account (organisers do not sign up themselves). The
    organisation is reused when it already exists."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("%(email)s already has an account.") % {"email": email}})
    organisation = Organisation.objects.filter(name__iexact=organisation_name.strip()).first()
    if organisation is not None and not organisation.is_organiser:
        raise ValidationError(
            {"organisation_name": _("“%(name)s” is not an organiser.") % {"name": organisation_name}}
        )
    user = User.objects.create_user(email=email, password=password, name=name.strip())
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if organisation is None:
        organisation_register(
            user=user,
            kind=Organisation.Kind.ORGANISER,
            name=organisation_name,
            country=country,
        )
    else:
        Membership.objects.create(user=user, organisation=organisation, role=Membership.Role.ADMIN)
    return user


# Background tasks (thin: load by primary key, call the service above) -----------


@shared_task(  # type: ignore[untyped-decorator]  # Celery ships no types
    name="accounts.tasks.invitation_send_task",
    # SMTP and network failures are OSErrors; anything else is a bug to see.
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def invitation_send_task(invitation_id: int, language: str) -> bool:
    invitation = Invitation.objects.filter(pk=invitation_id).first()
    if invitation is None:
        return False
    with translation.override(language):
        return invitation_send(invitation=invitation)
