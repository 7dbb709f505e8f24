"""Who may do what with lots, needs, imports, market rules and FX rates.

Exporters manage their own lots, buyers their own needs; organisers see both
and keep market rules and FX rates. Photos of available lots are public; an
import's file is its company's alone. Everything else answers 404.
"""

from __future__ import annotations

import rules

from accounts.rules import is_organiser
from accounts.selectors import membership_for
from matchmaking.models import ImportJob, Lot, LotPhoto, Match, Need


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


@rules.predicate
def owns(user, obj) -> bool:
    membership = membership_for(user)
    return bool(membership and obj is not None and _owner_id(obj) == membership.organisation_id)


@rules.predicate
def is_public_lot_photo(user, photo) -> bool:
    """Photos of an available lot go with proposals to any buyer, so anyone may
    fetch them (and caches keep them); a draft, withdrawn, reserved or sold
    lot's photos are for those who may see the lot."""
    return isinstance(photo, LotPhoto) and photo.lot.status == Lot.Status.AVAILABLE


@rules.predicate
def is_side_of_match(user, match) -> bool:
    """The exporter of the match's lot or the buyer of its need."""
    membership = membership_for(user)
    return bool(
        membership
        and isinstance(match, Match)
        and membership.organisation_id in (match.lot.exporter_id, match.need.buyer_id)
    )


@rules.predicate
def is_exporter(user) -> bool:
    membership = membership_for(user)
    return bool(membership and membership.organisation.is_exporter)


@rules.predicate
def is_buyer(user) -> bool:
    membership = membership_for(user)
    return bool(membership and membership.organisation.is_buyer)


rules.add_perm("matchmaking.add_lot", is_exporter)
rules.add_perm("matchmaking.view_lot", owns | is_organiser)
rules.add_perm("matchmaking.change_lot", owns)
rules.add_perm("matchmaking.view_lotphoto", is_public_lot_photo | owns | is_organiser)
rules.add_perm("matchmaking.add_need", is_buyer)
rules.add_perm("matchmaking.view_need", owns | is_organiser)
rules.add_perm("matchmaking.change_need", owns)
rules.add_perm("matchmaking.view_importjob", owns)
rules.add_perm("matchmaking.change_importjob", owns)
rules.add_perm("matchmaking.view_match", is_side_of_match | is_organiser)
rules.add_perm("matchmaking.express_interest", is_side_of_match)
rules.add_perm("matchmaking.run_matching", is_organiser)
rules.add_perm("matchmaking.manage_market_rules", is_organiser)
rules.add_perm("matchmaking.manage_fx_rates", is_organiser)
