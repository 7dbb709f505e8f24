"""The phrasebook across languages, in a browser: a buyer signed in in Russian
picks "What is the price CFR …?" for Lagos; the exporter, signed in in
Chinese, reads it in Chinese (what the phrasebook renders under zh-hans)."""

from __future__ import annotations

import pytest
from django.utils import translation

from conversations import phrasebook
from conversations.models import Message
from tests.factories import PASSWORD, ConversationFactory, LotFactory, MatchFactory, NeedFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(page, site: str, email: str, language: str) -> None:
    page.goto(f"{site}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{site}/dashboard/")
    page.select_option("#language-select", language)
    page.wait_for_selector(f'html[lang="{language}"]')


def test_a_phrase_written_in_russian_is_read_in_chinese(site, new_page, exporter_admin, buyer_admin):
    exporter, buyer = exporter_admin.membership.organisation, buyer_admin.membership.organisation
    MatchFactory(lot=LotFactory(exporter=exporter), need=NeedFactory(buyer=buyer))
    conversation = ConversationFactory(exporter=exporter, buyer=buyer)
    url = f"{site}/conversations/{conversation.pk}/"

    buyer_page = new_page("ru-RU")
    _sign_in(buyer_page, site, buyer_admin.email, "ru")
    buyer_page.goto(url)
    buyer_page.select_option("select[name=phrase]", "price_cfr")
    buyer_page.fill("input[name=port]", "Lagos")
    buyer_page.click("form.thread-form button[type=submit]")
    buyer_page.wait_for_selector(".thread-message-phrase")
    message = Message.objects.get()
    assert (message.phrase, message.phrase_params) == ("price_cfr", {"port": "Lagos"})

    exporter_page = new_page("zh-CN")
    _sign_in(exporter_page, site, exporter_admin.email, "zh-hans")
    exporter_page.goto(url)
    shown = exporter_page.inner_text(".thread-message-phrase")

    with translation.override("zh-hans"):
        assert shown == phrasebook.render("price_cfr", {"port": "Lagos"})
