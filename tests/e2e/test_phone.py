"""The fair floor: on a 390 × 844 phone, in a left-to-right and a
right-to-left language, pages fit the screen (no sideways scrolling), the
navigation folds under "Menu", and the agenda's Confirm button is in view."""

from __future__ import annotations

import pytest

from accounts.models import Organisation
from deals.models import Deal
from demo.management.commands.seed_demo import DEMO_PASSWORD
from events.check_in_codes import check_in_token, expiry_day
from events.models import Participation
from events.services.meetings import meeting_move
from matchmaking.models import Lot, Need
from tests.events.conftest import make_fair
from tests.factories import (
    PASSWORD,
    BuyerFactory,
    ExporterFactory,
    MeetingFactory,
    MembershipFactory,
    ParticipationFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _phone(browser, language: str):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    return context, page


def _sign_in(page, site: str, email: str, language: str, password: str = PASSWORD) -> None:
    page.goto(f"{site}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{site}/dashboard/")
    # The switcher in the footer saves the language for this person.
    page.select_option("#language-select", language)
    page.wait_for_selector(f'html[lang="{language}"]')


def _page_width(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


@pytest.mark.parametrize(("language", "direction"), [("en", "ltr"), ("fa", "rtl")])
def test_the_agenda_fits_a_phone_and_its_confirm_button_is_in_view(site, browser, shoot, language, direction):
    fair = make_fair(slug="phone-fair")
    exporter = ExporterFactory(name="Chengdu Jinniu Auto Export Co., Ltd.")
    exporter_user = MembershipFactory(organisation=exporter).user
    for number in range(2):
        buyer = BuyerFactory(name=f"Tashkent Avto Import {number}")
        ParticipationFactory(event=fair, organisation=buyer)
        meeting_move(
            meeting=MeetingFactory(event=fair, exporter=exporter, buyer=buyer),
            slot=fair.slots.get(number=number + 1),
            table=fair.tables.get(name=f"T{number + 1}"),
        )
    ParticipationFactory(event=fair, organisation=exporter)

    context, page = _phone(browser, language)
    _sign_in(page, site, exporter_user.email, language)
    assert page.get_attribute("html", "dir") == direction

    for path in ("/dashboard/", f"/events/{fair.slug}/agenda/", "/lots/", "/deals/", "/events/"):
        page.goto(f"{site}{path}")
        scroll_width, viewport = _page_width(page)
        assert scroll_width <= viewport, f"{path} scrolls sideways in {language}: {scroll_width} > {viewport}"

    # The menu is folded; one tap opens it and every link fits.
    menu = page.locator("#site-menu")
    assert not menu.is_visible()
    page.click(".site-menu-button")
    assert menu.is_visible()
    assert page.locator("#site-menu a", has_text="").first.is_visible()
    assert _page_width(page)[0] <= PHONE["width"]
    page.click(".site-menu-button")

    page.goto(f"{site}/events/{fair.slug}/agenda/")
    confirm = page.locator("table.agenda tbody tr").first.locator("button[type=submit]").first
    confirm.scroll_into_view_if_needed()
    assert confirm.is_visible()
    box = confirm.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    assert box["height"] >= 44
    shoot(page, f"phone-agenda-{language}")
    context.close()


@pytest.mark.parametrize("language", ["en", "fa"])
def test_the_demo_fairs_pages_fit_a_phone(site, browser, shoot, demo_fair, language):
    exporter = Organisation.objects.get(name__startswith="Chengdu Jinniu")
    buyer = Organisation.objects.get(name__startswith="Tashkent")
    lot = Lot.objects.filter(exporter=exporter, matches__isnull=False).first()
    need = Need.objects.filter(buyer=buyer, matches__isnull=False).first()
    deal = Deal.objects.filter(exporter=exporter).first()
    participation = Participation.objects.get(event__slug=demo_fair, organisation=buyer)
    token = check_in_token(participation, expiry_day(participation.event))
    fair = f"/events/{demo_fair}"
    pages = {
        "chengdu": [
            "/dashboard/",
            f"{fair}/agenda/",
            "/lots/",
            f"/lots/{lot.pk}/",
            f"/lots/{lot.pk}/matches/",
            "/deals/",
            f"/deals/{deal.pk}/",
            "/conversations/",
        ],
        "tashkent": [
            "/needs/",
            f"/needs/{need.pk}/matches/",
            f"/lots/{need.matches.first().lot_id}/",
            "/needs/new/",
            "/market-rules/",
        ],
        "organiser": [
            f"{fair}/participants/",
            f"{fair}/meetings/",
            f"{fair}/dashboard/",
            f"{fair}/opportunities/",
            f"{fair}/check-in/{token}/",
            f"{fair}/grid/",
            "/organiser/freight/",
            "/organiser/freight/import/",
        ],
    }
    for login, paths in pages.items():
        context, page = _phone(browser, language)
        _sign_in(page, site, f"{login}@carbridge.example", language, password=DEMO_PASSWORD)
        for path in paths:
            response = page.goto(f"{site}{path}")
            assert response is not None
            assert response.status == 200, path
            scroll_width, viewport = _page_width(page)
            assert scroll_width <= viewport, f"{path} scrolls sideways in {language}: {scroll_width}"
        context.close()
