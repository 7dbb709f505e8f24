from __future__ import annotations

import pytest

from accounts.models import Organisation
from conversations.models import Conversation
from matchmaking.models import Match
from tests.factories import ConversationFactory, LotFactory, MatchFactory, NeedFactory


@pytest.fixture
def exporter(exporter_admin) -> Organisation:
    return exporter_admin.membership.organisation


@pytest.fixture
def buyer(buyer_admin) -> Organisation:
    return buyer_admin.membership.organisation


@pytest.fixture
def match(exporter, buyer) -> Match:
    return MatchFactory(
        lot=LotFactory(exporter=exporter),
        need=NeedFactory(buyer=buyer, title="Hybrid SUVs for Almaty"),
    )


@pytest.fixture
def conversation(match) -> Conversation:
    return ConversationFactory(exporter=match.lot.exporter, buyer=match.need.buyer)
