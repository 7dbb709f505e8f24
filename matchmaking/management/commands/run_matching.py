"""Run a full matching pass here and now, printing progress and counts."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from matchmaking.models import MatchRun
from matchmaking.services.matching import match_run_execute


class Command(BaseCommand):
    help = "Score every available lot against every open need and store the top matches."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--event",
            help="Event slug. Events arrive with scheduling; until then every run covers the whole site.",
        )

    def handle(self, *args, **options) -> None:
        if options["event"]:
            raise CommandError("Events do not exist yet: run without --event to match the whole site.")
        if MatchRun.objects.filter(status__in=[MatchRun.Status.QUEUED, MatchRun.Status.RUNNING]).exists():
            raise CommandError("A matching run is already under way; wait for it to finish.")
        run = MatchRun.objects.create()
        self.stdout.write(f"Matching run {run.pk}: loading, scoring and storing…")
        run = match_run_execute(run_id=run.pk)
        if run is None or run.status != MatchRun.Status.FINISHED:
            raise CommandError(f"Matching run failed: {run.error if run else 'run vanished'}")
        timings = ", ".join(f"{step} {seconds:.2f} s" for step, seconds in run.timings.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"{run.lots_count} lots × {run.needs_count} needs: {run.pairs_considered} pairs considered, "
                f"{run.matches_kept} matches kept ({timings})."
            )
        )
