"""Both sides of a match answering at the same moment, on SQLite (the embedded
default) and on PostgreSQL: neither answer is lost and nobody sees an error."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.urls import reverse

from matchmaking.models import Match
from tests.conftest import at_once
from tests.factories import LotFactory, MatchFactory, NeedFactory

# Several matches at once, so the two answers on each really do overlap.
MATCHES = 4


@pytest.mark.django_db(transaction=True)
def test_both_sides_saying_yes_at_once_keeps_both_answers(each_database, login, exporter_admin, buyer_admin):
    exporter, buyer = exporter_admin.membership.organisation, buyer_admin.membership.organisation
    matches = [
        MatchFactory(lot=LotFactory(exporter=exporter), need=NeedFactory(buyer=buyer)) for _ in range(MATCHES)
    ]
    clients = [login(exporter_admin) for _ in matches] + [login(buyer_admin) for _ in matches]
    urls = [reverse("match_interest", args=[match.pk]) for match in matches] * 2

    outcomes = at_once(
        *[
            lambda client=client, url=url: client.post(url, {"interest": "yes"})
            for client, url in zip(clients, urls, strict=True)
        ]
    )

    for outcome in outcomes:
        assert isinstance(outcome, HttpResponse), outcome
        assert outcome.status_code == 302
    answers = set(Match.objects.values_list("exporter_interest", "buyer_interest", "state"))
    assert answers == {("yes", "yes", Match.State.MUTUAL)}
