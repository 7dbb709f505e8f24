"""Who may do what with organisations, members, invitations, the convention
and the organisers' overseas contact points.

Every permission takes the object it is about; views ask through
`ObjectPermissionRequiredMixin`, which answers 404 when the answer is no.
"""

from __future__ import annotations

import rules

from accounts.models import ContactPoint, Invitation, Membership, Organisation
from accounts.selectors import membership_for


def _organisation_of(obj: object) -> Organisation | None:
    if isinstance(obj, Organisation):
        return obj
    if isinstance(obj, (Membership, Invitation)):
        return obj.organisation
    return None


@rules.predicate
def is_member_of(user, obj) -> bool:
    membership = membership_for(user)
    organisation = _organisation_of(obj)
    return bool(membership and organisation and membership.organisation_id == organisation.pk)


@rules.predicate
def is_admin_of(user, obj) -> bool:
    membership = membership_for(user)
    return bool(membership and membership.is_admin and is_member_of(user, obj))


@rules.predicate
def is_organiser(user) -> bool:
    membership = membership_for(user)
    return bool(membership and membership.organisation.is_organiser)


@rules.predicate
def is_exporter_organisation(user, obj) -> bool:
    organisation = _organisation_of(obj)
    return bool(organisation and organisation.is_exporter)


@rules.predicate
def runs_contact_point(user, contact_point) -> bool:
    """Whether the user works for the organiser that maintains the contact point."""
    membership = membership_for(user)
    return bool(
        membership
        and membership.organisation.is_organiser
        and isinstance(contact_point, ContactPoint)
        and contact_point.organiser_id == membership.organisation_id
    )


rules.add_perm("accounts.view_organisation", is_member_of | is_organiser)
rules.add_perm("accounts.change_organisation", is_admin_of)
rules.add_perm("accounts.verify_organisation", is_organiser)
rules.add_perm("accounts.view_team", is_member_of)
rules.add_perm("accounts.manage_team", is_admin_of)
rules.add_perm("accounts.sign_convention", is_admin_of & is_exporter_organisation)

# Every organiser sees all contact points (they share the overseas network);
# only the organiser that maintains one changes it.
rules.add_perm("accounts.view_contact_points", is_organiser)
rules.add_perm("accounts.add_contact_point", is_organiser)
rules.add_perm("accounts.change_contact_point", runs_contact_point)
