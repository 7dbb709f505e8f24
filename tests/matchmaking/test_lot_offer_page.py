"""A published lot as a buyer sees it at /lots/<id>/: proposals to their own
needs, the full specification with the VIN masked until both sides are
interested, the exporter's record in counts, contacts after mutual interest."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.models import Deal
from events.models import Meeting
from events.services.meetings import meeting_move
from matchmaking.models import Lot, Match
from tests.events.conftest import make_fair
from tests.factories import (
    DealFactory,
    LotFactory,
    LotPhotoFactory,
    MatchFactory,
    MeetingFactory,
    NeedFactory,
)

pytestmark = pytest.mark.django_db

VIN = "LGXCE4CB8N0123456"


@pytest.fixture
def lot(exporter_admin) -> Lot:
    return LotFactory(exporter=exporter_admin.membership.organisation, vin=VIN, make="BYD", model="Dolphin")


@pytest.fixture
def proposal(lot, buyer_admin) -> Match:
    need = NeedFactory(buyer=buyer_admin.membership.organisation, title="Compact EVs for Tashkent")
    return MatchFactory(lot=lot, need=need, score=81)


def test_a_buyer_reads_a_proposed_lot_with_the_vin_masked(login, buyer_admin, lot, proposal):
    exporter = lot.exporter
    DealFactory(exporter=exporter, state=Deal.State.CONFIRMED, confirmed_at=timezone.now())
    fair = make_fair()
    meeting = MeetingFactory(event=fair, exporter=exporter)
    meeting_move(meeting=meeting, slot=fair.slots.first(), table=fair.tables.first())
    Meeting.objects.filter(pk=meeting.pk).update(state=Meeting.State.HELD)
    LotFactory(exporter=exporter)  # a second published lot

    page = login(buyer_admin).get(reverse("lot_detail", args=[lot.pk]))

    assert page.status_code == 200
    assert page.templates[0].name == "matchmaking/lots/offer.html"
    text = page.text
    assert "Compact EVs for Tashkent" in text
    assert reverse("need_matches", args=[proposal.need_id]) in text
    assert "LGXCE4CB8N0••••••" in text
    assert VIN not in text
    profile = page.context["offer"].exporter
    assert (profile.lots_listed, profile.counts) == (2, {"confirmed_deals": 1, "meetings_held": 1})
    assert "Contact details" not in text


def test_after_mutual_interest_the_vin_and_contacts_show(login, buyer_admin, exporter_admin, lot, proposal):
    Match.objects.filter(pk=proposal.pk).update(
        state=Match.State.MUTUAL, exporter_interest=Match.Interest.YES, buyer_interest=Match.Interest.YES
    )

    text = login(buyer_admin).get(reverse("lot_detail", args=[lot.pk])).text

    assert VIN in text
    assert "Contact details" in text
    assert exporter_admin.email in text


def test_any_buyer_reads_a_published_lot_without_a_proposal(login, buyer_admin, lot):
    page = login(buyer_admin).get(reverse("lot_detail", args=[lot.pk]))

    assert page.status_code == 200
    assert "not proposed for any of your open needs" in page.text
    assert VIN not in page.text


@pytest.mark.parametrize(
    "status", [Lot.Status.DRAFT, Lot.Status.WITHDRAWN, Lot.Status.RESERVED, Lot.Status.SOLD]
)
def test_a_lot_that_is_not_published_is_404_to_buyers(login, buyer_admin, lot, proposal, status):
    Lot.objects.filter(pk=lot.pk).update(status=status)

    assert login(buyer_admin).get(reverse("lot_detail", args=[lot.pk])).status_code == 404


def test_another_exporter_and_anonymous_visitors_cannot_read_it(client, login, other_exporter_admin, lot):
    assert login(other_exporter_admin).get(reverse("lot_detail", args=[lot.pk])).status_code == 404
    response = client.get(reverse("lot_detail", args=[lot.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_the_buyer_never_reaches_the_lots_other_proposals(login, buyer_admin, lot, proposal):
    assert login(buyer_admin).get(reverse("lot_matches", args=[lot.pk])).status_code == 404


def test_the_exporter_and_organisers_keep_their_own_page(login, exporter_admin, organiser, lot):
    for user in (exporter_admin, organiser):
        page = login(user).get(reverse("lot_detail", args=[lot.pk]))
        assert page.templates[0].name == "matchmaking/lots/detail.html"
        assert VIN in page.text


def test_a_match_card_links_to_the_lot_page(login, buyer_admin, lot, proposal):
    page = login(buyer_admin).get(reverse("need_matches", args=[proposal.need_id]))

    assert f'href="{reverse("lot_detail", args=[lot.pk])}"' in page.text


@pytest.mark.parametrize("rows", [1, 3])
def test_the_buyers_lot_page_queries_do_not_grow_with_rows(
    login, buyer_admin, lot, rows, django_assert_num_queries
):
    for _ in range(rows):
        MatchFactory(lot=lot, need=NeedFactory(buyer=buyer_admin.membership.organisation))
        LotPhotoFactory(lot=lot)
    client = login(buyer_admin)
    client.get(reverse("lot_detail", args=[lot.pk]))

    # savepoint, session, user, membership, lot, photos, matches, market rules,
    # FX rates and the three freight tables (to price each proposal delivered),
    # convention, signature, lots listed, confirmed deals, meetings held, release
    with django_assert_num_queries(18):
        assert client.get(reverse("lot_detail", args=[lot.pk])).status_code == 200
