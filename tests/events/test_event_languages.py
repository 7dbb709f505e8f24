"""An event's name and description in several languages: each reader gets
theirs, else the organiser's own."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from events.models import Event
from tests.events.conftest import event_form_data

pytestmark = pytest.mark.django_db


def test_the_organiser_gives_the_name_in_other_languages(login, organiser):
    client = login(organiser)

    response = client.post(
        reverse("event_create"),
        event_form_data(
            name_ru="Казанская выставка экспорта автомобилей",
            description_ru="Встречи экспортёров и покупателей.",
            name_fa="نمایشگاه صادرات خودروی کازان",
            name_zh_hans="  ",
        ),
    )

    assert response.status_code == 302
    event = Event.objects.get(slug="kazan-2027")
    assert event.name_translations == {
        "ru": "Казанская выставка экспорта автомобилей",
        "fa": "نمایشگاه صادرات خودروی کازان",
    }
    assert event.description_translations == {"ru": "Встречи экспортёров и покупателей."}
    form = client.get(reverse("event_edit", args=[event.slug]))
    assert "Казанская выставка экспорта автомобилей" in form.text


@pytest.mark.parametrize(
    ("accept_language", "expected"),
    [
        ("ru", "Казанская выставка экспорта автомобилей"),
        ("fa", "نمایشگاه صادرات خودروی کازان"),
        # No Spanish name: the organiser's own.
        ("es", "Kazan Car Export Fair"),
    ],
)
def test_readers_see_the_name_in_their_language(client, fair, accept_language, expected):
    fair.name = "Kazan Car Export Fair"
    fair.name_translations = {
        "ru": "Казанская выставка экспорта автомобилей",
        "fa": "نمایشگاه صادرات خودروی کازان",
    }
    fair.save()

    page = client.get(reverse("event_detail", args=[fair.slug]), headers={"accept-language": accept_language})

    assert f"<h1>{expected}" in page.text or expected in page.text
    with translation.override(accept_language):
        assert str(fair) == expected


def test_texts_for_unknown_languages_are_refused(fair):
    fair.name_translations = {"xx": "Nope"}
    with pytest.raises(ValidationError):
        fair.full_clean()
