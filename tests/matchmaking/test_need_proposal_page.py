"""An open need as an exporter with a lot proposed for it sees it at
/needs/<id>/: what the buyer asks for, their own proposals, the buyer's
contacts after mutual interest; everyone else outside the need gets 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from matchmaking.models import Match, Need
from tests.factories import LotFactory, MatchFactory, NeedFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(exporter_admin, buyer_admin) -> Match:
    need = NeedFactory(buyer=buyer_admin.membership.organisation, title="Hybrid SUVs for Almaty")
    return MatchFactory(lot=LotFactory(exporter=exporter_admin.membership.organisation), need=need, score=77)


def test_an_exporter_with_a_proposal_reads_the_need(login, exporter_admin, buyer_admin, proposal):
    page = login(exporter_admin).get(reverse("need_detail", args=[proposal.need_id]))

    assert page.status_code == 200
    assert page.templates[0].name == "matchmaking/needs/proposal.html"
    assert "Hybrid SUVs for Almaty" in page.text
    assert reverse("lot_matches", args=[proposal.lot_id]) in page.text
    assert reverse("need_matches", args=[proposal.need_id]) not in page.text
    assert buyer_admin.email not in page.text


def test_after_mutual_interest_the_buyers_contacts_show(login, exporter_admin, buyer_admin, proposal):
    Match.objects.filter(pk=proposal.pk).update(
        state=Match.State.MUTUAL, exporter_interest=Match.Interest.YES, buyer_interest=Match.Interest.YES
    )

    page = login(exporter_admin).get(reverse("need_detail", args=[proposal.need_id]))

    assert buyer_admin.email in page.text


def test_exporters_without_a_proposal_and_closed_needs_are_404(
    login, exporter_admin, other_exporter_admin, proposal
):
    url = reverse("need_detail", args=[proposal.need_id])
    assert login(other_exporter_admin).get(url).status_code == 404
    Match.objects.filter(pk=proposal.pk).update(state=Match.State.STALE)
    assert login(exporter_admin).get(url).status_code == 404
    Match.objects.filter(pk=proposal.pk).update(state=Match.State.PROPOSED)
    Need.objects.filter(pk=proposal.need_id).update(status=Need.Status.CLOSED)
    assert login(exporter_admin).get(url).status_code == 404


def test_the_exporter_never_reaches_the_needs_other_proposals(login, exporter_admin, proposal):
    assert login(exporter_admin).get(reverse("need_matches", args=[proposal.need_id])).status_code == 404


def test_the_buyer_keeps_their_own_page(login, buyer_admin, proposal):
    page = login(buyer_admin).get(reverse("need_detail", args=[proposal.need_id]))
    assert page.templates[0].name == "matchmaking/needs/detail.html"


def test_a_need_card_links_to_the_need_page(login, exporter_admin, proposal):
    page = login(exporter_admin).get(reverse("lot_matches", args=[proposal.lot_id]))
    assert f'href="{reverse("need_detail", args=[proposal.need_id])}"' in page.text


@pytest.mark.parametrize("rows", [1, 3])
def test_the_exporters_need_page_queries_do_not_grow_with_rows(
    login, exporter_admin, proposal, rows, django_assert_num_queries
):
    for _ in range(rows - 1):
        MatchFactory(lot=LotFactory(exporter=exporter_admin.membership.organisation), need=proposal.need)
    client = login(exporter_admin)
    url = reverse("need_detail", args=[proposal.need_id])
    client.get(url)

    # savepoint, session, user, membership, need, permission (proposal exists),
    # proposals, release
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200
