"""What `import_lots` and `import_needs` share: find (or create) the
organisation, check the file, print every bad row, apply it atomically."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Organisation
from matchmaking.spreadsheets import jobs as services
from matchmaking.spreadsheets.apply import apply_import
from matchmaking.spreadsheets.formats import spec_for
from matchmaking.spreadsheets.reports import ImportReport, ValidatedImport, max_upload_bytes
from matchmaking.spreadsheets.validation import validate_import

# The exit status for a file (or a name) that cannot be imported.
BAD_INPUT = 2


class ImportCommand(BaseCommand):
    kind: str
    owner_option: str

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="A CSV (UTF-8) or XLSX file in the import format.")
        parser.add_argument(
            f"--{self.owner_option}",
            required=True,
            metavar="ORG",
            help="The organisation's name (any case).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check and report; write nothing.")
        parser.add_argument(
            "--create-org",
            action="store_true",
            help="Create the organisation when no company has this name.",
        )
        parser.add_argument(
            "--country",
            help="ISO 3166 code of a created organisation (default: CN for exporters, "
            "the most common destination for buyers).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        data = self._read(path)
        name: str = options[self.owner_option]
        try:
            organisation = services.organisation_for_import(name=name, kind=self.kind)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages), returncode=BAD_INPUT) from error
        if organisation is None and not options["create_org"]:
            raise CommandError(
                _("No organisation is called “%(name)s”. Check the name, or add --create-org to create it.")
                % {"name": name},
                returncode=BAD_INPUT,
            )
        validated = validate_import(self.kind, data, path.name, organisation)
        report = validated.report
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(_("Warning: %(warning)s") % {"warning": warning}))
        if not report.ok:
            self._fail(report)
        country = ""
        if organisation is None:
            country = self._country(options["country"], validated)
            self._announce_creation(name, country, dry_run=options["dry_run"])
        if options["dry_run"]:
            self.stdout.write(
                _("Dry run: %(create)s to create, %(update)s to update. Nothing was written.")
                % {"create": report.to_create, "update": report.to_update}
            )
            return
        try:
            with transaction.atomic():
                if organisation is None:
                    organisation = services.organisation_create_for_import(
                        name=name, kind=self.kind, country=country
                    )
                report = apply_import(validated, organisation=organisation)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages), returncode=BAD_INPUT) from error
        self.stdout.write(
            self.style.SUCCESS(
                _("%(organisation)s: %(created)s created, %(updated)s updated.")
                % {"organisation": organisation.name, "created": report.created, "updated": report.updated}
            )
        )

    def _read(self, path: Path) -> bytes:
        try:
            with path.open("rb") as handle:
                # One byte over the limit is enough for the size check to refuse it.
                return handle.read(max_upload_bytes() + 1)
        except OSError as error:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": error.strerror or error},
                returncode=BAD_INPUT,
            ) from error

    def _fail(self, report: ImportReport) -> None:
        for message in report.file_errors:
            self.stderr.write(message)
        for error in report.errors:
            self.stderr.write(str(error))
        if report.file_errors:
            summary = _("The file cannot be imported; nothing was written.")
        else:
            summary = ngettext(
                "%(count)s row has problems; nothing was written.",
                "%(count)s rows have problems; nothing was written.",
                report.error_rows,
            ) % {"count": report.error_rows}
        raise CommandError(summary, returncode=BAD_INPUT)

    def _country(self, given: str | None, validated: ValidatedImport) -> str:
        if given:
            return given.strip().upper()
        if self.kind == "needs":
            destinations = Counter(
                str(getattr(need, "destination_country", "")) for need in validated.objects
            )
            if destinations:
                return destinations.most_common(1)[0][0]
        return "CN"

    def _announce_creation(self, name: str, country: str, *, dry_run: bool) -> None:
        owner_kind = spec_for(self.kind).owner_kind
        if dry_run:
            message = _("“%(name)s” does not exist yet and would be created (%(country)s).")
        else:
            message = _("Creating “%(name)s” (%(country)s).")
        self.stdout.write(message % {"name": name, "country": country})
        if owner_kind == Organisation.Kind.EXPORTER:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "Warning: the export qualification number is not known; it is set to %(pending)s. "
                        "Ask the company for the real number and enter it on its profile."
                    )
                    % {"pending": services.PENDING_QUALIFICATION_NO}
                )
            )
