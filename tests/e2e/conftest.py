"""Browser tests: Playwright driving Debian's headless Chromium against the live
test server. Without Chromium they skip, unless REQUIRE_SERVICES=1 (CI), where
they fail."""

from __future__ import annotations

import importlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
# Where screenshots go when a person wants to look at them; a temporary folder otherwise.
SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS")

# Playwright's sync API keeps an event loop in this thread; the test's own ORM
# calls are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, settings) -> str:
    # The live server speaks plain HTTP.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.CARBRIDGE_SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def new_page(browser, tmp_path):
    contexts = []

    def _new_page(locale: str = "en-GB"):
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        contexts.append(context)
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()


@pytest.fixture
def shoot(tmp_path):
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)

    def _shoot(page, name: str) -> None:
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    return _shoot


@pytest.fixture
def demo_fair() -> str:
    # What data migrations put in (the convention, market rules and rates),
    # which an earlier transactional test may have flushed; both are idempotent.
    importlib.import_module("accounts.migrations.0002_first_convention").publish(apps, None)
    importlib.import_module("matchmaking.migrations.0002_initial_market_rules_and_fx").load(apps, None)
    call_command("seed_demo", verbosity=0)
    return "chengdu-2026"
