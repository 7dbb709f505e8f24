"""Odd input on the event form gets a clear answer on its field, never an
error page: dates in year 1 or 9999, a short name the site's own addresses
use, and table counts written in other digits."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from events import urls as event_urls
from events.models import RESERVED_EVENT_SLUGS, Event
from tests.events.conftest import event_form_data

pytestmark = pytest.mark.django_db

DATE_RANGE = "Give a date between 2000 and 2100."


def _create(client, **fields):
    return client.post(reverse("event_create"), event_form_data(**fields))


@pytest.mark.parametrize("date", ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"])
def test_a_session_outside_2000_to_2100_is_refused_on_its_date(login, organiser, date):
    response = _create(login(organiser), sessions=((date, "Morning", "09:00", "23:59"),))

    assert response.status_code == 200
    assert response.context["sessions"].forms[0].errors["date"] == [DATE_RANGE]
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("registration_opens_at", "0001-01-01T00:00"),
        ("registration_opens_at", "1999-12-31T23:59"),
        ("registration_closes_at", "9999-12-31T23:59"),
    ],
)
def test_a_registration_window_outside_2000_to_2100_is_refused_on_its_field(login, organiser, field, value):
    response = _create(login(organiser), **{field: value})

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [DATE_RANGE]
    assert not Event.objects.exists()


def test_the_first_and_last_days_of_the_range_are_accepted(login, organiser):
    response = _create(
        login(organiser),
        sessions=(("2100-12-31", "Last", "09:00", "23:59"),),
        registration_opens_at="2000-01-01T00:00",
        registration_closes_at="2100-12-31T23:59",
    )
    assert response.status_code == 302
    assert Event.objects.get().slots.count() == 29


def test_the_short_name_new_is_refused_because_its_page_could_never_be_reached(login, organiser):
    response = _create(login(organiser), slug="new")

    assert response.status_code == 200
    assert response.context["form"].errors["slug"] == [
        "“new” is part of the site’s own addresses; choose another short name."
    ]
    assert not Event.objects.exists()


def test_every_fixed_word_after_events_in_the_addresses_is_reserved():

    words = set()
    for pattern in event_urls.urlpatterns:
        found = re.fullmatch(r"events/([^/<]+)/.*", str(pattern.pattern))
        if found:
            words.add(found.group(1))
    assert words
    assert words <= RESERVED_EVENT_SLUGS


def test_a_table_count_in_superscript_digits_is_a_table_name_not_an_error(login, organiser):
    response = _create(login(organiser), tables="²")

    assert response.status_code == 302
    assert list(Event.objects.get().tables.values_list("name", flat=True)) == ["²"]


def test_a_table_count_in_full_width_digits_still_counts(login, organiser):
    response = _create(login(organiser), tables="１２")

    assert response.status_code == 302
    assert Event.objects.get().tables.count() == 12
