"""Places where apps above matchmaking add to its pages without matchmaking
importing them (imports go one way: accounts → matchmaking → events → deals).
An app appends to a list in its AppConfig.ready; matchmaking calls whatever is
there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from accounts.models import Organisation
from matchmaking.models import Lot

# Each takes a lot its exporter is looking at and returns context for the lot
# page (deals adds the deal lines drawing on the lot).
lot_page_context: list[Callable[[Lot], dict[str, Any]]] = []

# Each takes an exporter and returns counts for its profile on the buyers' lot
# page, by label key: events adds meetings held, deals confirmed deals.
exporter_profile_counts: list[Callable[[Organisation], dict[str, int]]] = []
