"""Create an organiser account; organisers do not sign up through the site."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import services


class Command(BaseCommand):
    help = "Create an organiser user (and the organiser organisation if it does not exist yet)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", required=True, help="The person's full name.")
        parser.add_argument("--organisation", required=True, help="The organiser's name.")
        parser.add_argument("--country", default="CN", help="ISO 3166 alpha-2 code (default CN).")
        parser.add_argument(
            "--password", help="Initial password; a random one is generated and printed when omitted."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"] or secrets.token_urlsafe(12)
        try:
            user = services.organiser_create(
                email=options["email"],
                name=options["name"],
                organisation_name=options["organisation"],
                country=options["country"].upper(),
                password=password,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            self.style.SUCCESS(f"Organiser {user.email} created for {options['organisation']}.")
        )
        if not options["password"]:
            self.stdout.write(f"Initial password: {password}  (ask them to change it after signing in)")
