"""Who may do what with lots, needs, imports, market rules, FX rates and the
freight tables.

Exporters manage their own lots, buyers their own needs; organisers see both
and keep market rules, FX rates and the freight, haulage and insurance tables.
Photos of available lots are public; an import's file is its company's alone.
Everything else answers 404.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from rules.permissions import has_perm as _has_perm

from accounts.models import Membership, User
from accounts.rules import add_perm, is_organiser, predicate
from accounts.selectors import membership_for
from matchmaking.models import ImportJob, Lot, LotPhoto, Match, Need

# django-rules leaves has_perm unannotated (predicate and add_perm: accounts.rules).
has_perm: Callable[..., bool] = _has_perm


def _membership(user: User | AnonymousUser | None) -> Membership | None:
    # Rules are asked about anonymous visitors too, who have no membership.
    return membership_for(user) if isinstance(user, User) else None


def _owner_id(obj: object) -> int | None:
    if isinstance(obj, Lot):
        return obj.exporter_id
    if isinstance(obj, LotPhoto):
        return obj.lot.exporter_id
    if isinstance(obj, Need):
        return obj.buyer_id
    if isinstance(obj, ImportJob):
        return obj.organisation_id
    return None


@predicate
def owns(user: User | AnonymousUser, obj: object) -> bool:
    membership = _membership(user)
    return bool(membership and obj is not None and _owner_id(obj) == membership.organisation_id)


@predicate
def is_public_lot_photo(user: User | AnonymousUser | None, photo: object) -> bool:
    """Photos of an available lot go with proposals to any buyer, so anyone may
    fetch them (and caches keep them); a draft, withdrawn, reserved or sold
    lot's photos are for those who may see the lot."""
    return isinstance(photo, LotPhoto) and photo.lot.status == Lot.Status.AVAILABLE


@predicate
def is_buyer_of_available_lot(user: User | AnonymousUser, lot: object) -> bool:
    """Any buyer may read an available (published) lot's page: proposals
    link to it, and its photos are public already. Drafts, reserved, sold and
    withdrawn lots stay with their exporter and the organisers."""
    membership = _membership(user)
    return bool(
        membership
        and membership.organisation.is_buyer
        and isinstance(lot, Lot)
        and lot.status == Lot.Status.AVAILABLE
    )


@predicate
def is_exporter_with_proposal(user: User | AnonymousUser, need: object) -> bool:
    """An exporter one of whose lots is proposed for this open need may read
    the need's page (what the buyer asks for; contacts after mutual interest)."""
    membership = _membership(user)
    return bool(
        membership
        and membership.organisation.is_exporter
        and isinstance(need, Need)
        and need.status == Need.Status.OPEN
        and Match.objects.filter(need=need, lot__exporter_id=membership.organisation_id)
        .exclude(state=Match.State.STALE)
        .exists()
    )


@predicate
def is_side_of_match(user: User | AnonymousUser, match: object) -> bool:
    """The exporter of the match's lot or the buyer of its need."""
    membership = _membership(user)
    return bool(
        membership
        and isinstance(match, Match)
        and membership.organisation_id in (match.lot.exporter_id, match.need.buyer_id)
    )


@predicate
def is_exporter(user: User | AnonymousUser) -> bool:
    membership = _membership(user)
    return bool(membership and membership.organisation.is_exporter)


@predicate
def is_buyer(user: User | AnonymousUser) -> bool:
    membership = _membership(user)
    return bool(membership and membership.organisation.is_buyer)


add_perm("matchmaking.add_lot", is_exporter)
add_perm("matchmaking.view_lot", owns | is_organiser)
# The lot's page itself; its proposals (matchmaking.view_lot) stay the exporter's.
add_perm("matchmaking.view_lot_page", owns | is_organiser | is_buyer_of_available_lot)
add_perm("matchmaking.change_lot", owns)
add_perm("matchmaking.view_lotphoto", is_public_lot_photo | owns | is_organiser)
add_perm("matchmaking.add_need", is_buyer)
add_perm("matchmaking.view_need", owns | is_organiser)
# The need's page itself; its proposals (matchmaking.view_need) stay the buyer's.
add_perm("matchmaking.view_need_page", owns | is_organiser | is_exporter_with_proposal)
add_perm("matchmaking.change_need", owns)
add_perm("matchmaking.view_importjob", owns)
add_perm("matchmaking.change_importjob", owns)
add_perm("matchmaking.view_match", is_side_of_match | is_organiser)
add_perm("matchmaking.express_interest", is_side_of_match)
add_perm("matchmaking.run_matching", is_organiser)
add_perm("matchmaking.manage_market_rules", is_organiser)
add_perm("matchmaking.manage_fx_rates", is_organiser)
add_perm("matchmaking.manage_freight_rates", is_organiser)
