"""Schedule an event's requested meetings here and now, printing the figures.
Once the event's agenda is published the run only proposes its changes; the
organiser sees and applies them on the scheduling page."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from events.models import ScheduleRun
from events.selectors import event_by_slug
from events.services.scheduling import DEFAULT_TIME_LIMIT, schedule_run_execute


class Command(BaseCommand):
    help = "Place an event's requested meetings into slots and tables (confirmed and pinned ones stay)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--event", required=True, help="The event's short name (slug).")
        parser.add_argument(
            "--time-limit", type=float, default=DEFAULT_TIME_LIMIT, help="Seconds the engine may take."
        )
        parser.add_argument(
            "--allow-moving-published",
            action="store_true",
            help="After publication, let the proposal move unconfirmed, unpinned published meetings.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        event = event_by_slug(options["event"])
        if event is None:
            raise CommandError(f"No event with the short name {options['event']!r}.")
        if options["time_limit"] <= 0:
            raise CommandError("--time-limit must be positive.")
        if ScheduleRun.objects.filter(
            event=event, status__in=[ScheduleRun.Status.QUEUED, ScheduleRun.Status.RUNNING]
        ).exists():
            raise CommandError("A scheduling run is already under way for this event; wait for it to finish.")
        if not event.slots.exists() or not event.tables.exists():
            raise CommandError("The event has no slots or no tables yet: set its sessions and tables first.")
        published = event.agenda_is_published
        run = ScheduleRun.objects.create(
            event=event,
            time_limit=options["time_limit"],
            preview=published,
            allow_moving_published=published and options["allow_moving_published"],
        )
        try:
            run = schedule_run_execute(run_id=run.pk)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        stats = run.stats
        self.stdout.write(
            self.style.SUCCESS(
                f"{stats['scheduled']}/{stats['requested']} meetings scheduled "
                f"(at most {stats['schedulable_upper_bound']} schedulable), "
                f"{stats['slots_used']} slots used (lower bound {stats['lower_bound_slots']}), "
                f"{stats['idle_periods']} idle periods (lower bound {stats['idle_lower_bound']}), "
                f"{'proved optimal' if stats['proved_optimal'] else 'not proved optimal'}, "
                f"{stats['seconds']:.2f} s."
            )
        )
        if run.preview:
            self.stdout.write(
                f"The agenda is published, so nothing changed: this run proposes placing {stats['placed']}, "
                f"moving {stats['moved']} and taking off {stats['taken_off']} meetings. "
                f"Review and apply it on the scheduling page: "
                f"{reverse('event_schedule', args=[event.slug])}"
            )
