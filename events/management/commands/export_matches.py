"""Write the stored matches to a CSV file for organisers' own tools."""

from __future__ import annotations

import csv
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from events.models import Participation
from events.selectors import event_by_slug
from matchmaking.models import Match
from matchmaking.spreadsheets.files import neutralise_formula

HEADER = ["need_ref", "buyer", "lot_ref", "exporter", "score", "rank_for_need"]


class Command(BaseCommand):
    help = "Export matches as CSV: need_ref, buyer, lot_ref, exporter, score, rank_for_need."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Where to write the CSV file.")
        parser.add_argument(
            "--event", help="Only matches between exporters and buyers approved for this event (its slug)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        matches = Match.objects.exclude(state=Match.State.STALE).filter(rank_for_need__isnull=False)
        if options["event"]:
            event = event_by_slug(options["event"])
            if event is None:
                raise CommandError(f"No event with the short name {options['event']!r}.")
            approved = Participation.objects.filter(event=event, status=Participation.Status.APPROVED).values(
                "organisation_id"
            )
            matches = matches.filter(lot__exporter_id__in=approved, need__buyer_id__in=approved)
        rows = matches.order_by("need__buyer__name", "need__ref", "rank_for_need").values_list(
            "need__ref", "need__buyer__name", "lot__ref", "lot__exporter__name", "score", "rank_for_need"
        )
        count = 0
        try:
            with open(options["file"], "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(HEADER)
                for need_ref, buyer, lot_ref, exporter, score, rank in rows.iterator(chunk_size=5_000):
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
