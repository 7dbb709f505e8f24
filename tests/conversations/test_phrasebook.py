"""The phrasebook: every phrase renders with its parameters, each reader reads
it in their own language (dates and money formatted for it), bad parameters
are refused naming the field, free text names the language it was written in,
and the thread page shows phrases without more queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import Organisation
from conversations import phrasebook
from conversations.models import Conversation, Message
from conversations.services import message_send
from core import formats

pytestmark = pytest.mark.django_db

PARAMS: dict[str, dict[str, object]] = {
    "price_cfr": {"port": "Lagos"},
    "price_cif": {"port": "Mombasa"},
    "hold_units": {"n": "12", "date": "2026-12-02"},
    "price_is": {"price": "7230", "currency": "USD", "incoterm": "FOB"},
    "available_units": {"n": 40},
}
ENGLISH = {
    "more_photos": "Can you send more photos?",
    "price_cfr": "What is the price CFR Lagos?",
    "price_cif": "What is the price CIF Mombasa?",
    "vin_available": "Is the VIN available?",
    "hold_units": "Can you hold 12 units until Dec 2, 2026?",
    "inspection_report": "Can you send the inspection report?",
    "meet_at_fair": "Can we meet at the fair?",
    "yes": "Yes",
    "no_sorry": "No, sorry",
    "will_check": "I will check and come back to you",
    "price_is": "The price is 7,230 USD FOB per vehicle.",
    "available_units": "40 units are available.",
}


def _thread(conversation: Conversation, reader: Organisation) -> str:
    messages = list(Message.objects.filter(conversation=conversation).select_related("sender"))
    return render_to_string(
        "conversations/_messages.html",
        {
            "conversation": conversation,
            "organisation": reader,
            "thread_messages": messages,
            "page_obj": None,
        },
    )


# The registry -------------------------------------------------------------------


def test_the_registry_holds_the_listed_phrases():
    assert set(phrasebook.PHRASES) == set(ENGLISH)


@pytest.mark.parametrize("code", sorted(ENGLISH))
def test_every_phrase_renders_in_english_with_its_parameters(code):
    params = phrasebook.validate(code, PARAMS.get(code, {}))

    with translation.override("en"):
        assert phrasebook.render(code, params) == ENGLISH[code]


def test_dates_and_prices_are_formatted_per_language():
    hold = phrasebook.validate("hold_units", {"n": 1200 // 100, "date": datetime.date(2026, 12, 2)})
    price = phrasebook.validate(
        "price_is", {"price": Decimal("1234567.5"), "currency": "EUR", "incoterm": "CIF"}
    )

    with translation.override("en"):
        english = phrasebook.render("hold_units", hold), phrasebook.render("price_is", price)
    with translation.override("ru"):
        russian = phrasebook.render("hold_units", hold), phrasebook.render("price_is", price)

    assert formats.day(datetime.date(2026, 12, 2), "ru") in russian[0]
    assert formats.day(datetime.date(2026, 12, 2), "en") in english[0]
    assert english[0] != russian[0]
    assert formats.price(Decimal("1234567.5"), "", "en") in english[1]
    assert formats.price(Decimal("1234567.5"), "", "ru") in russian[1]
    assert "1,234,567.50" in english[1]
    assert english[1] != russian[1]


@pytest.mark.parametrize(
    ("code", "params", "field"),
    [
        ("no_such_phrase", {}, "phrase"),
        ("price_cfr", {}, "port"),
        ("price_cfr", {"port": " "}, "port"),
        ("price_cfr", {"port": "L" * 61}, "port"),
        ("price_cfr", {"port": "Lagos", "n": "3"}, "n"),
        ("yes", {"date": "2026-12-02"}, "date"),
        ("hold_units", {"n": "0", "date": "2026-12-02"}, "n"),
        ("hold_units", {"n": "1001", "date": "2026-12-02"}, "n"),
        ("hold_units", {"n": "2.5", "date": "2026-12-02"}, "n"),
        ("hold_units", {"n": "3", "date": "02/12/2026"}, "date"),
        ("hold_units", {"n": "3"}, "date"),
        ("price_is", {"price": "0", "currency": "USD", "incoterm": "FOB"}, "price"),
        ("price_is", {"price": "-5", "currency": "USD", "incoterm": "FOB"}, "price"),
        ("price_is", {"price": "abc", "currency": "USD", "incoterm": "FOB"}, "price"),
        ("price_is", {"price": "NaN", "currency": "USD", "incoterm": "FOB"}, "price"),
        ("price_is", {"price": "100", "currency": "XXX", "incoterm": "FOB"}, "currency"),
        ("price_is", {"price": "100", "currency": "USD", "incoterm": "DDP"}, "incoterm"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field(code, params, field):
    with pytest.raises(ValidationError) as refused:
        phrasebook.validate(code, params)

    assert list(refused.value.message_dict) == [field]


# Sending and reading -------------------------------------------------------------


def test_a_phrase_sent_in_russian_is_read_in_the_readers_language(conversation, buyer_admin, exporter):
    with translation.override("ru"):
        message = message_send(
            conversation=conversation, user=buyer_admin, phrase="price_cfr", phrase_params={"port": "Lagos"}
        )
    message.refresh_from_db()
    assert (message.phrase, message.phrase_params, message.text, message.language) == (
        "price_cfr",
        {"port": "Lagos"},
        "",
        "",
    )

    with translation.override("zh-hans"):
        expected = phrasebook.render("price_cfr", {"port": "Lagos"})
        assert message.phrase_text == expected
        page = _thread(conversation, exporter)
    assert expected in page
    assert "written in" not in page


def test_a_phrase_of_the_sender_shows_escaped(conversation, buyer_admin, exporter):
    message_send(
        conversation=conversation,
        user=buyer_admin,
        phrase="price_cif",
        phrase_params={"port": "<b>Lagos</b>"},
    )

    page = _thread(conversation, exporter)

    assert "What is the price CIF &lt;b&gt;Lagos&lt;/b&gt;?" in page
    assert "<b>Lagos</b>" not in page


def test_the_service_refuses_details_the_phrase_does_not_take(conversation, buyer_admin):
    with pytest.raises(ValidationError) as refused:
        message_send(
            conversation=conversation, user=buyer_admin, phrase="yes", phrase_params={"port": "Lagos"}
        )
    assert list(refused.value.message_dict) == ["port"]

    with pytest.raises(ValidationError) as refused:
        message_send(conversation=conversation, user=buyer_admin, text="Hi", phrase_params={"n": "3"})
    assert list(refused.value.message_dict) == ["n"]
    assert not Message.objects.exists()


def test_free_text_names_its_language_for_readers_of_another(conversation, buyer_admin, exporter):
    with translation.override("ru"):
        message = message_send(conversation=conversation, user=buyer_admin, text="Здравствуйте")
    assert message.language == "ru"

    with translation.override("en"):
        in_english = _thread(conversation, exporter)
    with translation.override("ru"):
        in_russian = _thread(conversation, exporter)

    assert "written in Russian" in in_english
    assert "Здравствуйте" in in_russian
    assert "thread-message-language" not in in_russian


# The page ---------------------------------------------------------------------------


def test_the_thread_page_sends_and_shows_phrases(login, conversation, buyer_admin, exporter_admin):
    url = reverse("conversation_detail", args=[conversation.pk])
    client = login(buyer_admin)

    form_page = client.get(url).text
    assert '<select name="phrase"' in form_page
    assert "What is the price CFR …?" in form_page

    response = client.post(url, {"phrase": "hold_units", "n": "5", "date": "2026-12-02", "port": ""})
    assert response.status_code == 302
    page = login(exporter_admin).get(url).text
    assert "Can you hold 5 units until Dec 2, 2026?" in page


def test_the_thread_page_says_which_detail_is_wrong(login, conversation, buyer_admin):
    url = reverse("conversation_detail", args=[conversation.pk])

    response = login(buyer_admin).post(url, {"phrase": "price_cfr", "port": "Lagos", "price": "100"})

    assert response.status_code == 422
    assert response.context["form"].errors["price"]
    assert not Message.objects.exists()


@pytest.mark.parametrize("rows", [1, 3])
def test_thread_queries_do_not_grow_with_phrases(
    login, conversation, exporter_admin, buyer_admin, rows, django_assert_num_queries
):
    for row in range(rows):
        with translation.override("ru" if row % 2 else "en"):
            message_send(
                conversation=conversation,
                user=exporter_admin if row % 2 else buyer_admin,
                text=f"m{row}",
                phrase="hold_units",
                phrase_params={"n": row + 1, "date": "2026-12-02"},
            )
    client = login(buyer_admin)

    # savepoint, session, user, membership, conversation with both sides, read
    # state, count, matches, messages with senders, release
    with django_assert_num_queries(10):
        response = client.get(reverse("conversation_detail", args=[conversation.pk]))

    assert len(response.context["thread_messages"]) == rows
    assert "Can you hold 1 units until Dec 2, 2026?" in response.text
