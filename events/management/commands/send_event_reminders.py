"""Email the day-before reminders; run it from cron every hour or so."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from events.services.notifications import reminders_send


class Command(BaseCommand):
    help = "Remind participants of events starting within the next hours (once per event)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=int, default=24, help="How far ahead to look (default 24).")

    def handle(self, *args: Any, **options: Any) -> None:
        sent = reminders_send(ahead=timedelta(hours=options["hours"]))
        self.stdout.write(self.style.SUCCESS(f"{sent} reminder emails sent."))
