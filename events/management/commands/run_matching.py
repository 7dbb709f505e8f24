"""Run a full matching pass here and now, printing progress and counts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from events.models import Participation
from events.selectors import event_by_slug
from matchmaking.models import MatchRun, Need
from matchmaking.services.match_runs import match_run_execute
from matchmaking.services.rescoring import need_rescore


class Command(BaseCommand):
    help = "Score every available lot against every open need and store the top matches."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--event",
            help=(
                "Event slug: rescore only the open needs of the event's approved buyers, against every "
                "available lot (a need's best lots may come from exporters not at the fair)."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["event"]:
            self._match_event(options["event"])
            return
        if MatchRun.objects.filter(status__in=[MatchRun.Status.QUEUED, MatchRun.Status.RUNNING]).exists():
            raise CommandError("A matching run is already under way; wait for it to finish.")
        queued = MatchRun.objects.create()
        self.stdout.write(f"Matching run {queued.pk}: loading, scoring and storing…")
        run = match_run_execute(run_id=queued.pk)
        if run is None or run.status != MatchRun.Status.FINISHED:
            raise CommandError(f"Matching run failed: {run.error if run else 'run vanished'}")
        timings = ", ".join(f"{step} {seconds:.2f} s" for step, seconds in run.timings.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"{run.lots_count} lots × {run.needs_count} needs: {run.pairs_considered} pairs considered, "
                f"{run.matches_kept} matches kept ({timings})."
            )
        )

    def _match_event(self, slug: str) -> None:

        event = event_by_slug(slug)
        if event is None:
            raise CommandError(f"No event with the short name {slug!r}.")
        buyers = Participation.objects.filter(event=event, status=Participation.Status.APPROVED).values(
            "organisation_id"
        )
        need_ids = list(
            Need.objects.filter(buyer_id__in=buyers, status=Need.Status.OPEN)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        kept = sum(len(need_rescore(need_id=need_id)) for need_id in need_ids)
        self.stdout.write(
            self.style.SUCCESS(
                f"Event {event.slug}: {len(need_ids)} open needs rescored, {kept} matches kept."
            )
        )
