"""Load destination market rules from a CSV file (by default the bundled
`matchmaking/data/market_rules.csv`)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from matchmaking.services.market_rules import BUNDLED_MARKET_RULES, market_rules_load


class Command(BaseCommand):
    help = (
        "Load market rules from a CSV file. Countries that already have rules are skipped "
        "unless --replace is given, so running it twice changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file",
            nargs="?",
            default=str(BUNDLED_MARKET_RULES),
            help="CSV file in the format of matchmaking/data/market_rules.csv (default: that file).",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete the rules of every country in the file and load them again from it.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = market_rules_load(path=options["file"], replace=options["replace"])
        except ValidationError as error:
            raise CommandError("\n".join(error.messages)) from error
        if result.skipped_countries:
            self.stdout.write(
                self.style.WARNING(
                    f"Skipped {', '.join(result.skipped_countries)}: they already have rules "
                    "(use --replace to load them again from the file)."
                )
            )
        if result.replaced_countries:
            self.stdout.write(f"Replaced the rules of {', '.join(result.replaced_countries)}.")
        if result.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded {result.created} market rules for {len(result.loaded_countries)} countries: "
                    f"{', '.join(result.loaded_countries)}."
                )
            )
        else:
            self.stdout.write("Nothing new to load.")
