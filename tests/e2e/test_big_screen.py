"""The organisers' dashboard on a projector: the demo fair's figures fit one
1920 × 1080 screen, with no scrolling either way, in every language."""

from __future__ import annotations

import pytest

from demo.management.commands.seed_demo import DEMO_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREEN = {"width": 1920, "height": 1080}


def test_the_big_screen_fits_1920_by_1080(site, browser, shoot, demo_fair):
    context = browser.new_context(viewport=SCREEN)
    page = context.new_page()
    page.goto(f"{site}/accounts/login/")
    page.fill("input[name=login]", "organiser@carbridge.example")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{site}/dashboard/")

    for language in ("en", "zh-hans", "ru", "fa", "ar", "vi", "es"):
        # The big screen has no footer: switch on a page that has the switcher.
        page.goto(f"{site}/dashboard/")
        page.select_option("#language-select", language)
        page.wait_for_selector(f'html[lang="{language}"]')
        page.goto(f"{site}/events/{demo_fair}/dashboard/?screen=1")
        assert page.locator(".bar-chart").count() == 6
        width, height = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
        )
        assert (width, height) == (SCREEN["width"], SCREEN["height"]), language
        shoot(page, f"big-screen-{language}")
    context.close()
