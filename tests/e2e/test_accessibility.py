"""The key pages pass axe-core with no "serious" or "critical" violation, in
English and in Persian (right to left). axe-core is vendored in
tests/e2e/assets (see its README there): nothing is fetched at test time."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from deals.services import LineSpec, Terms, deal_confirm, deal_record
from events.models import Event
from events.selectors import agenda_publication_notice
from events.services.events import event_set_status
from events.services.meetings import meeting_move
from events.services.opportunities import opportunities_publish
from matchmaking.models import FxRate, Lot, Match, Need
from tests.events.conftest import make_fair
from tests.factories import (
    PASSWORD,
    BuyerFactory,
    ExporterFactory,
    LotFactory,
    MatchFactory,
    MeetingFactory,
    MembershipFactory,
    NeedFactory,
    ParticipationFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "assets" / "axe.min.js"
BLOCKING = ("serious", "critical")

# What the page hands back: every violation, with the first few nodes it names.
RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ['violations']});
  return results.violations.map(v => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
    count: v.nodes.length,
  }));
}"""


@dataclass
class Fair:
    event: Event
    lot: Lot
    need: Need
    deal_pk: int
    organiser_email: str
    exporter_email: str
    buyer_email: str


def _build_fair(language: str) -> Fair:
    # Transactional tests flush the rates the migrations load.
    FxRate.objects.create(currency="USD", date=datetime.date(2026, 1, 1), rate_to_cny=Decimal("7.1"))
    organiser = MembershipFactory(
        organisation__kind="organiser",
        organisation__export_qualification_no="",
        user=UserFactory(language=language),
    )
    event = make_fair(organiser.organisation, slug="a11y-fair")
    exporter = ExporterFactory(name="Chengdu Jinniu Auto Export")
    buyer = BuyerFactory(name="Almaty Motors")
    exporter_user = MembershipFactory(organisation=exporter, user=UserFactory(language=language)).user
    buyer_user = MembershipFactory(organisation=buyer, user=UserFactory(language=language)).user
    for organisation in (exporter, buyer):
        ParticipationFactory(event=event, organisation=organisation)
    lot = LotFactory(exporter=exporter, ref="JN-BYD-01", quantity=10)
    reserved = LotFactory(exporter=exporter, ref="JN-BYD-02", status=Lot.Status.RESERVED)
    need = NeedFactory(buyer=buyer, ref="KZ-SUV-1")
    # Badges of every colour: mutual interest (with contact details), a
    # middling score and a dismissed proposal.
    MatchFactory(
        lot=lot,
        need=need,
        score=91,
        exporter_interest=Match.Interest.YES,
        buyer_interest=Match.Interest.YES,
        state=Match.State.MUTUAL,
        mutual_at=timezone.now(),
    )
    MatchFactory(
        lot=reserved,
        need=need,
        score=62,
        rank_for_need=2,
        buyer_interest=Match.Interest.NO,
        state=Match.State.DISMISSED,
    )
    meeting = meeting_move(
        meeting=MeetingFactory(event=event, exporter=exporter, buyer=buyer),
        slot=event.slots.get(number=1),
        table=event.tables.get(name="T1"),
    )
    event = event_set_status(
        event=event, status=Event.Status.SCHEDULED, confirm=agenda_publication_notice(event).token
    )
    opportunities_publish(event=event, publish=True)
    terms = Terms(
        currency="USD",
        incoterm="FOB",
        signed_on=timezone.localdate(),
        lines=[LineSpec(lot=lot, quantity=2, unit_price=Decimal("15000"))],
    )
    deal = deal_record(
        exporter=exporter, buyer=buyer, by=exporter, user=exporter_user, terms=terms, meeting=meeting
    )
    deal_confirm(deal=deal, by=buyer, user=buyer_user)
    return Fair(
        event=event,
        lot=lot,
        need=need,
        deal_pk=deal.pk,
        organiser_email=organiser.user.email,
        exporter_email=exporter_user.email,
        buyer_email=buyer_user.email,
    )


def _violations(page: Any, language: str) -> list[dict[str, Any]]:
    assert page.locator("html").get_attribute("lang") == language, page.url
    page.add_script_tag(path=str(AXE))
    violations: list[dict[str, Any]] = page.evaluate(RUN_AXE)
    return violations


def _blocking(where: str, violations: list[dict[str, Any]]) -> list[str]:
    return [
        f"{where}: {v['id']} ({v['impact']}, {v['count']} nodes) {v['help']} — {', '.join(v['targets'])}"
        for v in violations
        if v["impact"] in BLOCKING
    ]


def _sign_in(page: Any, site: str, email: str) -> None:
    page.goto(f"{site}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{site}/dashboard/")


def _submit_empty(page: Any) -> None:
    """Send the page's main form as it is, past the browser's own checks, so
    the server's error messages show."""
    page.evaluate("() => document.querySelectorAll('main form').forEach(f => f.noValidate = true)")
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def _confirm_first_meeting(page: Any) -> None:
    with page.expect_navigation():
        page.locator("table.agenda tbody tr").first.locator("button[type=submit]").first.click()
    page.wait_for_selector(".messages")


# After the page is read as it opens, what is done on it before it is read again.
AFTERWARDS: dict[str, tuple[str, Any]] = {
    "/accounts/login/": ("with errors", _submit_empty),
    "/accounts/signup/": ("with errors", _submit_empty),
    "/lots/new/": ("with errors", _submit_empty),
    "/needs/new/": ("with errors", _submit_empty),
    "agenda": ("with a message", _confirm_first_meeting),
}
PHONE = {"width": 375, "height": 800}
DESKTOP = {"width": 1280, "height": 900}


@pytest.mark.parametrize("language", ["en", "fa"])
def test_key_pages_have_no_serious_accessibility_violations(site, browser, language, shoot):
    fair = _build_fair(language)
    slug = fair.event.slug
    pages_by_role: list[tuple[str | None, list[str]]] = [
        (None, ["/", "/accounts/login/", "/accounts/signup/"]),
        (
            fair.exporter_email,
            [
                "/lots/",
                "/lots/new/",
                f"/lots/{fair.lot.pk}/matches/",
                f"/deals/{fair.deal_pk}/",
                f"/events/{slug}/opportunities/",
                f"/events/{slug}/agenda/",
            ],
        ),
        (fair.buyer_email, ["/needs/new/", f"/needs/{fair.need.pk}/matches/"]),
        (fair.organiser_email, [f"/events/{slug}/dashboard/"]),
    ]
    host = site.split("://", 1)[1].rsplit(":", 1)[0]
    context = browser.new_context(locale="en-GB", viewport=DESKTOP)
    problems: list[str] = []
    try:
        page = context.new_page()
        for email, paths in pages_by_role:
            # One person at a time in the one context, each reading `language`.
            context.clear_cookies()
            context.add_cookies([{"name": "django_language", "value": language, "domain": host, "path": "/"}])
            if email:
                _sign_in(page, site, email)
            for path in paths:
                name = f"a11y-{language}-{path.strip('/').replace('/', '-') or 'home'}"
                page.set_viewport_size(DESKTOP)
                response = page.goto(f"{site}{path}")
                assert response is not None, path
                assert response.ok, f"{path}: {response.status}"
                problems += _blocking(path, _violations(page, language))
                shoot(page, name)
                # Phones fold the navigation and turn tables into cards.
                page.set_viewport_size(PHONE)
                problems += _blocking(f"{path} (phone)", _violations(page, language))
                page.set_viewport_size(DESKTOP)
                for key, (state, action) in AFTERWARDS.items():
                    if key == path or key in path.split("/"):
                        action(page)
                        problems += _blocking(f"{path} ({state})", _violations(page, language))
                        shoot(page, f"{name}-{state.replace(' ', '-')}")
    finally:
        context.close()
    assert not problems, f"axe-core ({language}) found serious or critical violations:\n" + "\n".join(
        problems
    )
