from matchmaking.models.import_jobs import ImportJob
from matchmaking.models.lots import Lot, LotPhoto
from matchmaking.models.matches import Match, MatchRun
from matchmaking.models.needs import Need
from matchmaking.models.rules import FxRate, MarketRule

__all__ = ["FxRate", "ImportJob", "Lot", "LotPhoto", "MarketRule", "Match", "MatchRun", "Need"]
