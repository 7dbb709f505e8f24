"""Who may see and act on a deal.

Its two sides see it and act on it; the organisers of its event see it (and
may cancel it), as do organisers for deals recorded outside any event. A
refused request answers 404, as if the deal did not exist.
"""

from __future__ import annotations

from accounts.rules import AnyUser, add_perm, predicate
from accounts.selectors import membership_for
from deals.models import Deal


@predicate
def is_side_of_deal(user: AnyUser, deal: object) -> bool:
    membership = membership_for(user)
    return bool(
        membership
        and isinstance(deal, Deal)
        and membership.organisation_id in (deal.exporter_id, deal.buyer_id)
    )


@predicate
def oversees_deal(user: AnyUser, deal: object) -> bool:
    membership = membership_for(user)
    if not (membership and isinstance(deal, Deal) and membership.organisation.is_organiser):
        return False
    return deal.event is None or deal.event.organiser_id == membership.organisation_id


@predicate
def trades(user: AnyUser) -> bool:
    membership = membership_for(user)
    return bool(membership and (membership.organisation.is_exporter or membership.organisation.is_buyer))


add_perm("deals.add_deal", trades)
add_perm("deals.view_deal", is_side_of_deal | oversees_deal)
add_perm("deals.answer_deal", is_side_of_deal)
add_perm("deals.cancel_deal", is_side_of_deal | oversees_deal)
