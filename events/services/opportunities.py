"""The opportunity list: organisers publish an event's open buyer needs,
anonymised, and exporters answer an opportunity by offering one of their lots,
which reaches the buyer only as a match with the exporter's interest."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation
from events.models import Event
from events.selectors import opportunity_of
from matchmaking.models import Lot, Match, Need
from matchmaking.services.matches import match_express_interest, match_for_offer


@transaction.atomic
def opportunities_publish(*, event: Event, publish: bool) -> Event:
    """Publish the event's opportunity list (public once the event is too), or
    take it back; publishing again keeps the first publication time."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    if publish:
        event.opportunities_published_at = event.opportunities_published_at or timezone.now()
    else:
        event.opportunities_published_at = None
    event.save(update_fields=["opportunities_published_at"])
    return event


@transaction.atomic
def opportunity_offer_lot(*, event: Event, need: Need, lot: Lot, organisation: Organisation) -> Match:
    """An exporter offers one of its available lots for an opportunity of the
    event: the pair's match is made (or found) and the exporter's interest
    recorded, so the buyer sees it with its matches and mutual interest
    requests a meeting as usual. Refused, with the engine's reason, when the
    lot does not qualify for the need."""
    if not organisation.is_exporter:
        raise ValidationError(_("Only exporters offer lots."), code="kind")
    if lot.exporter_id != organisation.pk:
        raise ValidationError(_("This lot is not one of yours."), code="owner")
    if event.opportunities_published_at is None or not event.is_public:
        raise ValidationError(_("This event's opportunity list is not published."), code="unpublished")
    if opportunity_of(event, need.pk) is None:
        raise ValidationError(_("This opportunity is no longer open."), code="closed")
    match = match_for_offer(lot=lot, need=need)
    if match.exporter_interest == Match.Interest.YES:
        return match
    return match_express_interest(match=match, organisation=organisation, interest=Match.Interest.YES)
