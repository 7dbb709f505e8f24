"""`import_lots FILE --exporter ORG [--dry-run] [--create-org]`: an exporter's
lots from a CSV or XLSX file (DESIGN.md §5). Exit status 2 when the file or
the name cannot be imported, with one line per bad row on stderr."""

from __future__ import annotations

from matchmaking.spreadsheets.commands import ImportCommand


class Command(ImportCommand):
    help = "Import (create or update by ref) an exporter's lots from a CSV or XLSX file."
    kind = "lots"
    owner_option = "exporter"
