"""A lot as a buyer sees it: the buyer's own proposals of it, the VIN masked
until both sides said yes, the exporter's contacts likewise, and the
exporter's track record in counts. And a need as an exporter with a lot
proposed for it sees it."""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts.models import Organisation
from accounts.selectors import convention_is_signed
from matchmaking import hooks
from matchmaking.models import Lot, Match, Need
from matchmaking.selectors.matches import MatchContacts, match_contacts
from matchmaking.selectors.proposals import explain_matches

# Characters of a VIN shown before mutual interest: the maker, model and year
# (the first 11) tell a buyer what the car is; the serial identifies it.
VIN_SHOWN = 11


@dataclass(frozen=True)
class ExporterProfile:
    organisation: Organisation
    convention_signed: bool
    lots_listed: int
    # Filled by apps above matchmaking (hooks.exporter_profile_counts):
    # confirmed deals, meetings held.
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class LotOffer:
    lot: Lot
    matches: list[Match]
    mutual: bool
    vin: str
    contacts: MatchContacts | None
    exporter: ExporterProfile


def masked_vin(vin: str) -> str:
    if len(vin) <= VIN_SHOWN:
        return "•" * len(vin)
    return vin[:VIN_SHOWN] + "•" * (len(vin) - VIN_SHOWN)


def exporter_profile(exporter: Organisation) -> ExporterProfile:
    counts: dict[str, int] = {}
    for count in hooks.exporter_profile_counts:
        counts.update(count(exporter))
    return ExporterProfile(
        organisation=exporter,
        convention_signed=convention_is_signed(exporter),
        lots_listed=Lot.objects.filter(exporter=exporter, status=Lot.Status.AVAILABLE).count(),
        counts=counts,
    )


def _current_matches(**filters: object) -> tuple[list[Match], Match | None]:
    """The matches that still hold, best first, and the first mutual one."""
    matches = list(
        Match.objects.filter(**filters)
        .exclude(state=Match.State.STALE)
        .select_related("need", "need__buyer", "lot", "lot__exporter")
        .order_by("-score")
    )
    return matches, next((match for match in matches if match.state == Match.State.MUTUAL), None)


def lot_offer(lot: Lot, buyer: Organisation) -> LotOffer:
    """What `buyer` may see of `lot` beyond its public facts."""
    matches, mutual = _current_matches(lot=lot, need__buyer=buyer)
    # Each proposal explained now: the lot's price delivered to that need's port.
    explain_matches(matches)
    return LotOffer(
        lot=lot,
        matches=matches,
        mutual=mutual is not None,
        vin=lot.vin if mutual else masked_vin(lot.vin),
        contacts=match_contacts(mutual, buyer) if mutual else None,
        exporter=exporter_profile(lot.exporter),
    )


@dataclass(frozen=True)
class NeedProposal:
    """A need as an exporter with a lot proposed for it sees it."""

    matches: list[Match]
    contacts: MatchContacts | None


def need_proposal(need: Need, exporter: Organisation) -> NeedProposal:
    matches, mutual = _current_matches(need=need, lot__exporter=exporter)
    return NeedProposal(matches=matches, contacts=match_contacts(mutual, exporter) if mutual else None)
