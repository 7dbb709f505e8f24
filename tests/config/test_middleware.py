"""A request that cannot get the database in time (another connection keeps
it past the wait) is answered "busy, try again" with nothing saved, on SQLite
and PostgreSQL, instead of an error page."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.urls import reverse

from matchmaking.models import Match
from tests.factories import LotFactory, MatchFactory, NeedFactory

BUSY = "Many people are saving at the same moment and yours could not wait any longer."


@pytest.fixture
def match(exporter_admin, buyer_admin) -> Match:
    return MatchFactory(
        lot=LotFactory(exporter=exporter_admin.membership.organisation),
        need=NeedFactory(buyer=buyer_admin.membership.organisation),
    )


@contextmanager
def database_held(match: Match, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Another connection holds the database (SQLite) or the match's row
    (PostgreSQL), and this one gives up waiting after a fifth of a second."""
    options = connection.settings_dict["OPTIONS"]
    if connection.vendor == "sqlite":
        monkeypatch.setitem(options, "timeout", 0.2)
    else:
        monkeypatch.setitem(options, "options", "-c lock_timeout=200")
    connection.close()
    other = connection.get_new_connection(connection.get_connection_params())
    if connection.vendor == "sqlite":
        other.execute("BEGIN IMMEDIATE")
    else:
        other.execute("SELECT id FROM matchmaking_match WHERE id = %s FOR UPDATE", [match.pk])
    try:
        yield
    finally:
        other.rollback()
        other.close()
        connection.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("htmx", [False, True])
def test_an_answer_that_cannot_wait_longer_is_told_to_try_again(
    each_database, login, exporter_admin, match, monkeypatch, htmx
):
    client = login(exporter_admin)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    with database_held(match, monkeypatch):
        started = time.monotonic()
        response = client.post(reverse("match_interest", args=[match.pk]), {"interest": "yes"}, **headers)
        waited = time.monotonic() - started

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert BUSY in response.text
    assert waited < 5
    match.refresh_from_db()
    assert (match.exporter_interest, match.state) == ("", Match.State.PROPOSED)
