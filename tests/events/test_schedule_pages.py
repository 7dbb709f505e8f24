"""Scheduling runs started from the schedule page, their progress, and what
the schedule prints: the grid, the table signs and the table sheets."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Organisation
from events.models import Meeting, Participation, ScheduleRun
from tests.factories import ExporterFactory

pytestmark = pytest.mark.django_db


# Scheduling ------------------------------------------------------------------------


def test_the_organiser_starts_a_scheduling_run(
    login, organiser, scene, rival, django_capture_on_commit_callbacks
):
    client = login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("event_schedule", args=[scene.event.slug]), {"time_limit": 2})

    assert response.status_code == 302
    run = ScheduleRun.objects.filter(event=scene.event).latest("pk")
    assert run.started_by == organiser
    assert run.time_limit == 2.0
    # Celery is eager in tests: the run is done by the time the page reloads.
    assert run.status == ScheduleRun.Status.FINISHED, run.error
    assert run.stats["requested"] == 2
    rival.refresh_from_db()
    assert rival.state == Meeting.State.SCHEDULED
    page = client.get(reverse("event_schedule", args=[scene.event.slug]))
    assert "Meetings on the agenda" in page.text


def test_a_second_run_is_refused_while_one_is_under_way(login, organiser, scene):
    ScheduleRun.objects.create(event=scene.event, status=ScheduleRun.Status.RUNNING)
    response = login(organiser).post(reverse("event_schedule", args=[scene.event.slug]), {"time_limit": 2})
    assert response.status_code == 200
    assert "A scheduling run is already under way for this event." in response.text
    assert ScheduleRun.objects.filter(event=scene.event).count() == 2


@pytest.mark.parametrize("limit", ["0", "500", "soon"])
def test_a_bad_time_limit_is_refused(login, organiser, scene, limit):
    response = login(organiser).post(
        reverse("event_schedule", args=[scene.event.slug]), {"time_limit": limit}
    )
    assert response.status_code == 200
    assert ScheduleRun.objects.filter(event=scene.event).count() == 1


def test_the_progress_reloads_the_page_once_the_run_is_done(login, organiser, scene):
    url = reverse("event_schedule_progress", args=[scene.event.slug, scene.run.pk])
    client = login(organiser)
    assert client.get(url, headers={"HX-Request": "true"}).headers["HX-Refresh"] == "true"
    ScheduleRun.objects.filter(pk=scene.run.pk).update(status=ScheduleRun.Status.RUNNING, progress_pct=40)
    partial = client.get(url, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert 'value="40"' in partial.text
    assert "hx-get" in partial.text


# Printouts -------------------------------------------------------------------------


@pytest.fixture
def booth(scene) -> Participation:
    Participation.objects.filter(pk=scene.exporter.pk).update(home_table=scene.event.tables.get(name="T1"))
    return scene.exporter


def test_the_grid_names_both_sides_and_links_the_meeting(login, organiser, scene):
    response = login(organiser).get(reverse("event_grid", args=[scene.event.slug]))
    assert response.status_code == 200
    assert scene.exporter.organisation.name in response.text
    assert scene.buyer.organisation.name in response.text
    assert reverse("event_meeting", args=[scene.event.slug, scene.meeting.pk]) in response.text
    row = response.context["rows"][0]
    assert row.cells == [scene.meeting, None, None, None]


def test_the_table_sheet_lists_its_meetings_with_both_sides(login, organiser, scene):
    response = login(organiser).get(reverse("event_table_sheets", args=[scene.event.slug]))
    assert response.status_code == 200
    table, meetings, _exhibitors = response.context["tables"][1]
    assert (table.name, meetings) == ("T2", [])
    table, meetings, _exhibitors = response.context["tables"][0]
    assert (table.name, meetings) == ("T1", [scene.meeting])
    assert scene.exporter.organisation.name in response.text
    assert scene.buyer.organisation.name in response.text
    assert "9:00\u202fAM – 9:30\u202fAM" in response.text


@pytest.mark.parametrize("name", ["event_table_signs", "event_table_sheets"])
def test_signs_and_sheets_show_each_booths_exporter(login, organiser, scene, booth, name):
    response = login(organiser).get(reverse(name, args=[scene.event.slug]))
    assert response.status_code == 200
    for table in ("T1", "T2", "T3", "T4"):
        assert table in response.text
    assert booth.organisation.name in response.text


@pytest.mark.parametrize("name", ["event_table_signs", "event_table_sheets"])
def test_a_shared_booth_shows_both_exporters_and_a_rejected_one_none(login, organiser, scene, join, name):
    t2 = scene.event.tables.get(name="T2")
    join(scene.event, ExporterFactory(name="Henan Cars"), home_table=t2)
    join(scene.event, ExporterFactory(name="Hubei Trucks"), home_table=t2)
    join(
        scene.event, ExporterFactory(name="Gone Exports"), home_table=t2, status=Participation.Status.REJECTED
    )
    response = login(organiser).get(reverse(name, args=[scene.event.slug]))
    assert response.context["tables"][1][2] == [
        Organisation.objects.get(name="Henan Cars"),
        Organisation.objects.get(name="Hubei Trucks"),
    ]
    assert "Henan Cars" in response.text
    assert "Hubei Trucks" in response.text
    assert "Gone Exports" not in response.text
