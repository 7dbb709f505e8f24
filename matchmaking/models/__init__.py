from matchmaking.models.freight import FreightRate, InlandHaulage, InsuranceRate
from matchmaking.models.fx import FxRate
from matchmaking.models.import_jobs import ImportJob
from matchmaking.models.lots import Lot, LotPhoto
from matchmaking.models.market_rules import MarketRule
from matchmaking.models.matches import Match, MatchRun
from matchmaking.models.needs import Need

__all__ = [
    "FreightRate",
    "FxRate",
    "ImportJob",
    "InlandHaulage",
    "InsuranceRate",
    "Lot",
    "LotPhoto",
    "MarketRule",
    "Match",
    "MatchRun",
    "Need",
]
