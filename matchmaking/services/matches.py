"""Write operations on matches: each side's interest, and what mutual interest
sets off."""

from __future__ import annotations

import datetime
from smtplib import SMTPException

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import get_connection, send_mass_mail
from django.db import OperationalError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation
from matchmaking.engine.scoring import lot_failures, rescore_lot
from matchmaking.models import Lot, Match, Need
from matchmaking.refusals import lot_refusal
from matchmaking.selectors.engine_inputs import TOP_K, World, lot_records, need_records
from matchmaking.selectors.matches import Contact, MatchContacts, match_for_row, members_to_notify
from matchmaking.selectors.proposals import live_ranking
from matchmaking.services import background_task
from matchmaking.services.match_store import interest_state
from matchmaking.signals import match_turned_mutual


def match_side(match: Match, organisation: Organisation) -> str | None:
    """ "exporter" or "buyer" when the organisation is one side of the match."""
    if organisation.pk == match.lot.exporter_id:
        return "exporter"
    if organisation.pk == match.need.buyer_id:
        return "buyer"
    return None


@transaction.atomic
def match_express_interest(*, match: Match, organisation: Organisation, interest: str) -> Match:
    """Record one side's answer ("yes", "no", or "" to take it back). Both
    saying yes makes the match mutual and tells both sides by email."""
    if interest not in Match.Interest.values:
        raise ValidationError(_("Unknown answer."), code="interest")
    match = Match.objects.select_for_update(of=("self",)).select_related("lot", "need").get(pk=match.pk)
    side = match_side(match, organisation)
    if side is None:
        raise ValidationError(_("This match is not one of yours."), code="side")
    if match.state == Match.State.STALE:
        raise ValidationError(_("This match no longer holds, so interest cannot be recorded."), code="stale")
    setattr(match, f"{side}_interest", interest)
    was_mutual = match.state == Match.State.MUTUAL
    match.state = interest_state(match.exporter_interest, match.buyer_interest)
    if match.state == Match.State.MUTUAL and not was_mutual:
        match.mutual_at = timezone.now()
        match_id = match.pk
        transaction.on_commit(lambda: match_mutual_notify_task.delay(match_id))
    elif match.state != Match.State.MUTUAL:
        match.mutual_at = None
    match.save(update_fields=[f"{side}_interest", "state", "mutual_at", "updated_at"])
    if match.state == Match.State.MUTUAL and not was_mutual:
        match_turned_mutual.send(sender=Match, match=match)
    return match


def match_mutual_notify(*, match: Match) -> bool:
    """Email every member of both organisations that interest is mutual, each
    with the other side's contacts and a link to the match. Does nothing when
    the match is no longer mutual, or when it was already announced (a
    repeated task, or a "yes" taken back and given again), and says whether
    it sent."""

    match = match_for_row(match.pk)
    if match.state != Match.State.MUTUAL:
        return False
    # Claimed before sending so two tasks never both send; released when
    # sending fails, so a retry sends rather than never.
    if not Match.objects.filter(pk=match.pk, mutual_notified_at__isnull=True).update(
        mutual_notified_at=timezone.now()
    ):
        return False
    exporter, buyer = match.lot.exporter, match.need.buyer
    people = members_to_notify([exporter.pk, buyer.pk])
    site = settings.CARBRIDGE_SITE_URL.rstrip("/")
    sides = [
        (exporter, buyer, site + reverse("lot_matches", args=[match.lot_id])),
        (buyer, exporter, site + reverse("need_matches", args=[match.need_id])),
    ]
    messages: list[tuple[str, str, str, list[str]]] = []
    for own, other, url in sides:
        context = {
            "match": match,
            "lot": match.lot,
            "need": match.need,
            "organisation": own,
            "other": MatchContacts(organisation=other, people=people.get(other.pk, [])),
            "url": url,
        }
        subject = render_to_string("matchmaking/email/match_mutual_subject.txt", context).strip()
        body = render_to_string("matchmaking/email/match_mutual_message.txt", context)
        recipients: list[Contact] = people.get(own.pk, [])
        messages.extend((subject, body, settings.DEFAULT_FROM_EMAIL, [person.email]) for person in recipients)
    try:
        send_mass_mail(messages, connection=get_connection())
    except Exception:
        Match.objects.filter(pk=match.pk).update(mutual_notified_at=None)
        raise
    return True


@transaction.atomic
def match_for_pair(*, lot: Lot, need: Need, on: datetime.date | None = None) -> Match:
    """The stored match of a lot and a need, created when a side first answers
    a live proposal: only for a need among the lot's top K now, so answering
    cannot reach needs the exporter was never shown."""
    match = Match.objects.filter(lot=lot, need=need).first()
    if match is not None:
        return match
    ranking = live_ranking(lot, World.load(on), TOP_K)
    proposal = next((item for item in ranking if item.need_id == need.pk), None)
    if proposal is None:
        raise ValidationError(
            _("This proposal no longer holds: the lot or the need changed. Reload the page."), code="gone"
        )
    match, _created = Match.objects.get_or_create(
        lot=lot, need=need, defaults={"score": round(min(100.0, max(0.0, proposal.score)), 2)}
    )
    return match


@transaction.atomic
def match_for_offer(*, lot: Lot, need: Need, on: datetime.date | None = None) -> Match:
    """The stored match of a lot its exporter offers for a need directly (from
    an event's opportunity list, so not necessarily among the lot's top K):
    made, or brought back from stale, when the pair passes every hard
    constraint now; refused with the engine's reason otherwise."""

    world = World.load(on)
    lots = lot_records(Lot.objects.filter(pk=lot.pk))
    needs = need_records(Need.objects.filter(pk=need.pk))
    if not lots:
        raise ValidationError(
            _("This lot is not available, so it cannot be offered."), code="lot_unavailable"
        )
    if not needs:
        raise ValidationError(_("This need is no longer open."), code="need_closed")
    scored = rescore_lot(lots[0], needs, world.rules, world.fx, world.on, top_k=1, freight=world.freight)
    if not scored:
        failures = lot_failures(lots[0], needs[0], world.rules, world.fx, world.on, freight=world.freight)
        raise ValidationError(
            _("This lot does not qualify for this need: %(reason)s."),
            params={"reason": lot_refusal(failures) or _("it does not meet the need's requirements")},
            code="not_qualified",
        )
    score = round(min(100.0, max(0.0, float(scored[0].score))), 2)
    match, created = Match.objects.select_for_update(of=("self",)).get_or_create(
        lot=lot, need=need, defaults={"score": score}
    )
    if not created and match.state == Match.State.STALE:
        match.score = score
        match.stale_reason = {}
        match.state = interest_state(match.exporter_interest, match.buyer_interest)
        match.save(update_fields=["score", "stale_reason", "state", "updated_at"])
    return match


# Background tasks (thin: load by primary key, call the service above) -----------


# Mail servers refuse now and then; the service remembers a sent announcement,
# so a retry after a failure sends it and a repeat after success does not.
@background_task(
    name="matchmaking.tasks.match_mutual_notify_task",
    autoretry_for=(OperationalError, SMTPException, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def match_mutual_notify_task(match_id: int) -> None:

    match = Match.objects.filter(pk=match_id).first()
    if match is not None:
        match_mutual_notify(match=match)
