"""Who may do what with organisations, members, invitations, the convention
and the organisers' overseas contact points.

Every permission takes the object it is about; views ask through
`ObjectPermissionRequiredMixin`, which answers 404 when the answer is no.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser
from rules.permissions import add_perm as _add_perm
from rules.predicates import Predicate
from rules.predicates import predicate as _predicate

from accounts.models import ContactPoint, Invitation, Membership, Organisation, User
from accounts.selectors import membership_for

# django-rules leaves its decorator and add_perm unannotated: typed aliases,
# for every app's rules, let the checker see what they take and give.
predicate: Callable[[Callable[..., bool]], Predicate] = _predicate
add_perm: Callable[[str, Predicate], None] = _add_perm

# Who a permission is asked about: `request.user`, signed in or not.
AnyUser: TypeAlias = User | AnonymousUser


def _organisation_of(obj: object) -> Organisation | None:
    if isinstance(obj, Organisation):
        return obj
    if isinstance(obj, (Membership, Invitation)):
        return obj.organisation
    return None


@predicate
def is_member_of(user: AnyUser, obj: object) -> bool:
    membership = membership_for(user)
    organisation = _organisation_of(obj)
    return bool(membership and organisation and membership.organisation_id == organisation.pk)


@predicate
def is_admin_of(user: AnyUser, obj: object) -> bool:
    membership = membership_for(user)
    return bool(membership and membership.is_admin and is_member_of(user, obj))


@predicate
def is_organiser(user: AnyUser) -> bool:
    membership = membership_for(user)
    return bool(membership and membership.organisation.is_organiser)


@predicate
def is_exporter_organisation(user: AnyUser, obj: object) -> bool:
    organisation = _organisation_of(obj)
    return bool(organisation and organisation.is_exporter)


@predicate
def runs_contact_point(user: AnyUser, contact_point: object) -> bool:
    """Whether the user works for the organiser that maintains the contact point."""
    membership = membership_for(user)
    return bool(
        membership
        and membership.organisation.is_organiser
        and isinstance(contact_point, ContactPoint)
        and contact_point.organiser_id == membership.organisation_id
    )


add_perm("accounts.view_organisation", is_member_of | is_organiser)
add_perm("accounts.change_organisation", is_admin_of)
add_perm("accounts.verify_organisation", is_organiser)
add_perm("accounts.view_team", is_member_of)
add_perm("accounts.manage_team", is_admin_of)
add_perm("accounts.sign_convention", is_admin_of & is_exporter_organisation)

# Every organiser sees all contact points (they share the overseas network);
# only the organiser that maintains one changes it.
add_perm("accounts.view_contact_points", is_organiser)
add_perm("accounts.add_contact_point", is_organiser)
add_perm("accounts.change_contact_point", runs_contact_point)
