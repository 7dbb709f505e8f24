"""Read queries for matches: ranked proposals for one need (a lot's are ranked
live: selectors.proposals.lot_proposals), the other side's contacts once
interest is mutual, and organisers' totals."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import CharField, Count, F, Max, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from accounts.contact_channels import Channels
from accounts.models import Membership, Organisation
from matchmaking.models import Match, MatchRun, Need

LIVE_STATES = (Match.State.PROPOSED, Match.State.MUTUAL)

# A stale match nobody answered is noise; one somebody cared about stays
# visible so they learn it no longer holds.
HIDDEN_STALE = Q(state=Match.State.STALE, exporter_interest="", buyer_interest="")


def matches_for_need(need: Need) -> QuerySet[Match]:
    """A need's proposed lots, best first, with each lot's exporter (and the
    need itself, so rows can tell whose side the viewer is on for free)."""
    return (
        Match.objects.filter(need=need)
        .exclude(HIDDEN_STALE)
        .select_related("lot", "lot__exporter", "need")
        .order_by(F("rank_for_need").asc(nulls_last=True), "-score", "lot_id")
    )


def match_for_row(pk: int) -> Match:
    """One match with both sides loaded, as a row of either list shows it."""
    return Match.objects.select_related("lot", "lot__exporter", "need", "need__buyer").get(pk=pk)


def matches_with_sides() -> QuerySet[Match]:
    return Match.objects.select_related("lot", "lot__exporter", "need", "need__buyer")


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    channels: Channels = field(default_factory=Channels)


@dataclass(frozen=True)
class MatchContacts:
    """Who to talk to on the other side of a mutual match, and how: the
    company's channels and each person's."""

    organisation: Organisation
    people: list[Contact] = field(default_factory=list)

    @property
    def channels(self) -> Channels:
        return Channels.of(self.organisation)


def _other_side(match: Match, viewer: Organisation) -> Organisation | None:
    if viewer.pk == match.need.buyer_id:
        return match.lot.exporter
    if viewer.pk == match.lot.exporter_id:
        return match.need.buyer
    return None


def _people_of(organisation_ids: Iterable[int]) -> dict[int, list[Contact]]:
    people: dict[int, list[Contact]] = defaultdict(list)
    memberships = (
        Membership.objects.filter(organisation_id__in=set(organisation_ids), user__is_active=True)
        .select_related("user")
        .order_by("organisation_id", "-role", "user__name", "user__email")
    )
    for membership in memberships:
        user = membership.user
        people[membership.organisation_id].append(
            Contact(name=user.name or user.email, email=user.email, channels=Channels.of(user))
        )
    return people


def contacts_for_matches(matches: Iterable[Match], viewer: Organisation) -> dict[int, MatchContacts]:
    """The other side's contacts for each mutual match the viewer is a side
    of, in one query for the whole page. Matches `viewer` is not a side of,
    and matches that are not mutual, get none: contact details are only
    shared once both sides agreed to meet."""
    others = {
        match.pk: other
        for match in matches
        if match.state == Match.State.MUTUAL and (other := _other_side(match, viewer)) is not None
    }
    if not others:
        return {}
    people = _people_of(other.pk for other in others.values())
    return {
        pk: MatchContacts(organisation=other, people=people.get(other.pk, [])) for pk, other in others.items()
    }


def match_contacts(match: Match, viewer: Organisation) -> MatchContacts | None:
    """The other side's contacts for one match, or None before it is mutual."""
    return contacts_for_matches([match], viewer).get(match.pk)


def members_to_notify(organisation_ids: Iterable[int]) -> dict[int, list[Contact]]:
    """Every active member of the given organisations, by organisation."""
    return _people_of(organisation_ids)


# Organisers --------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """Open needs some lot could match, how many of them have a proposal, and,
    counted apart, open needs their destination's rules rule out."""

    open_needs: int
    matched_needs: int
    never_matching_needs: int = 0

    @property
    def pct(self) -> int:
        return round(100 * self.matched_needs / self.open_needs) if self.open_needs else 0

    @property
    def unmatched_needs(self) -> int:
        return self.open_needs - self.matched_needs


def _has_live_match() -> Q:
    return Q(pk__in=Match.objects.filter(state__in=LIVE_STATES).values("need_id"))


def matching_coverage(needs: QuerySet[Need] | None = None) -> Coverage:
    """Open needs (among `needs` when given, e.g. an event's buyers'), how
    many of them have at least one live proposal, and how many can never
    have one (counted apart, not as unmatched)."""
    needs = Need.objects.all() if needs is None else needs
    can_match = Q(blocked_by_rule={})
    counts = needs.filter(status=Need.Status.OPEN).aggregate(
        open_needs=Count("pk", filter=can_match),
        matched_needs=Count("pk", filter=can_match & _has_live_match()),
        never_matching_needs=Count("pk", filter=~can_match),
    )
    return Coverage(**counts)


@dataclass(frozen=True)
class NoMatchReason:
    reason: str
    needs: int
    example: Need | None


def no_match_reasons(limit: int = 5, needs: QuerySet[Need] | None = None) -> list[NoMatchReason]:
    """The commonest reasons open needs (among `needs` when given) found no
    lot, most frequent first, each with one need as an example (two queries
    whatever the numbers)."""
    needs = Need.objects.all() if needs is None else needs
    rows = list(
        needs.filter(status=Need.Status.OPEN, blocked_by_rule={})
        .exclude(_has_live_match())
        # Cast so the comparisons below are plain text ones, not JSON lookups.
        .annotate(reason=Cast(KT("match_diagnosis__reason"), output_field=CharField()))
        .exclude(reason__isnull=True)
        .exclude(reason="")
        .values("reason")
        .annotate(needs=Count("pk"), example_id=Max("pk"))
        .order_by("-needs", "reason")[:limit]
    )
    examples = Need.objects.select_related("buyer").in_bulk([row["example_id"] for row in rows])
    return [
        NoMatchReason(reason=row["reason"], needs=row["needs"], example=examples.get(row["example_id"]))
        for row in rows
    ]


def latest_runs(limit: int = 10) -> list[MatchRun]:
    return list(MatchRun.objects.select_related("started_by").order_by("-created_at", "-pk")[:limit])


def match_run(pk: int) -> MatchRun | None:
    return MatchRun.objects.filter(pk=pk).first()
