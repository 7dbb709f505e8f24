"""Read queries for people and organisations, their overseas contact points,
and what a company's dashboard shows at a glance."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import (
    ContactPoint,
    ConventionSignature,
    ConventionVersion,
    Invitation,
    Membership,
    Organisation,
    User,
)


def membership_for(user: User | AnonymousUser | None) -> Membership | None:
    """The user's membership with its organisation, cached on the user object so
    permission checks in one request cost one query."""
    if user is None or not user.is_authenticated:
        return None
    if not hasattr(user, "_carbridge_membership"):
        user._carbridge_membership = (
            Membership.objects.select_related("organisation").filter(user=user).first()
        )
    return user._carbridge_membership


def forget_membership(user: User) -> None:
    """Drop the cached membership after it changed in this request."""
    if hasattr(user, "_carbridge_membership"):
        del user._carbridge_membership


def organisation_for(user: User | AnonymousUser | None) -> Organisation | None:
    membership = membership_for(user)
    return membership.organisation if membership else None


def members_of(organisation: Organisation) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("-role", "user__name", "user__email")
    )


def open_invitations_of(organisation: Organisation) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        organisation=organisation,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        created_at__gt=timezone.now() - Invitation.validity(),
    ).select_related("invited_by")


def invitation_by_token(token: str) -> Invitation | None:
    return Invitation.objects.select_related("organisation").filter(token=token).first()


def current_convention() -> ConventionVersion | None:
    return ConventionVersion.objects.order_by("-version").first()


def convention_signature_for(
    organisation: Organisation, convention: ConventionVersion | None
) -> ConventionSignature | None:
    if convention is None:
        return None
    return (
        ConventionSignature.objects.select_related("signer")
        .filter(organisation=organisation, convention=convention)
        .first()
    )


def latest_signature_of(organisation: Organisation) -> ConventionSignature | None:
    return (
        ConventionSignature.objects.select_related("convention", "signer")
        .filter(organisation=organisation)
        .order_by("-convention__version")
        .first()
    )


def convention_is_signed(organisation: Organisation) -> bool:
    """Whether the organisation has signed the newest convention version. With no
    convention published there is nothing to sign."""
    convention = current_convention()
    if convention is None:
        return True
    return ConventionSignature.objects.filter(organisation=organisation, convention=convention).exists()


def user_exists(email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists()


def organisations_with_member_counts() -> QuerySet[Organisation]:
    return Organisation.objects.annotate(member_count=Count("memberships")).order_by("name")


def organisation_counts() -> dict[str, int]:
    """How many companies of each kind have registered, and how many are verified."""
    return Organisation.objects.aggregate(
        exporters=Count("pk", filter=Q(kind=Organisation.Kind.EXPORTER)),
        buyers=Count("pk", filter=Q(kind=Organisation.Kind.BUYER)),
        unverified=Count("pk", filter=Q(verified=False) & ~Q(kind=Organisation.Kind.ORGANISER)),
    )


# Overseas contact points -------------------------------------------------------


def contact_points_all() -> QuerySet[ContactPoint]:
    return ContactPoint.objects.select_related("organiser").order_by("country", "name", "pk")


def contact_points_for(organisation: Organisation) -> list[ContactPoint]:
    """The contact points serving the organisation's country, for its buyers."""
    return list(contact_points_all().filter(country=organisation.country))


def contact_point_count_of(organiser: Organisation) -> int:
    return ContactPoint.objects.filter(organiser=organiser).count()
