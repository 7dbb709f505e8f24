"""`import_needs FILE --buyer ORG [--dry-run] [--create-org]`: a buyer's
purchase needs from a CSV or XLSX file (DESIGN.md §5). Exit status 2 when the
file or the name cannot be imported, with one line per bad row on stderr."""

from __future__ import annotations

from matchmaking.spreadsheets.commands import ImportCommand


class Command(ImportCommand):
    help = "Import (create or update by ref) a buyer's purchase needs from a CSV or XLSX file."
    kind = "needs"
    owner_option = "buyer"
