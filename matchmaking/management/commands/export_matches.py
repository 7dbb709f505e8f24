"""Write the stored matches to a CSV file for organisers' own tools."""

from __future__ import annotations

import csv

from django.core.management.base import BaseCommand, CommandError

from matchmaking.models import Match
from matchmaking.spreadsheets import neutralise_formula

HEADER = ["need_ref", "buyer", "lot_ref", "exporter", "score", "rank_for_need"]


class Command(BaseCommand):
    help = "Export matches as CSV: need_ref, buyer, lot_ref, exporter, score, rank_for_need."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="Where to write the CSV file.")
        parser.add_argument("--event", help="Event slug (events arrive with the scheduling work).")

    def handle(self, *args, **options) -> None:
        if options["event"]:
            raise CommandError("Events do not exist yet: run without --event to export every match.")
        matches = (
            Match.objects.exclude(state=Match.State.STALE)
            .filter(rank_for_need__isnull=False)
            .order_by("need__buyer__name", "need__ref", "rank_for_need")
            .values_list(
                "need__ref", "need__buyer__name", "lot__ref", "lot__exporter__name", "score", "rank_for_need"
            )
        )
        count = 0
        try:
            with open(options["file"], "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(HEADER)
                for need_ref, buyer, lot_ref, exporter, score, rank in matches.iterator(chunk_size=5_000):
                    writer.writerow(
                        [
                            neutralise_formula(need_ref),
                            neutralise_formula(buyer),
                            neutralise_formula(lot_ref),
                            neutralise_formula(exporter),
                            f"{score:.2f}",
                            rank,
                        ]
                    )
                    count += 1
        except OSError as error:
            raise CommandError(f"Cannot write {options['file']}: {error.strerror}") from error
        self.stdout.write(self.style.SUCCESS(f"{count} matches written to {options['file']}."))
