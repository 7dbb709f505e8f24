"""Words the matching engine compares: make aliases, emission levels, fuel
families, shipping modes and the route sense of loading points.

No Django import (the engine runs in Celery workers and benchmarks without
it), so the code tables of `matchmaking.choices` that matter here are mirrored,
and a test checks that they stay equal.

Make aliases. Buyers and exporters write the same brand several ways; every
make is normalised (lower case, `-`/`_` as spaces, spaces collapsed) and then
looked up in MAKE_ALIASES to get its canonical brand:

    volkswagen  <- vw, faw vw, faw volkswagen, saic volkswagen, shanghai volkswagen
    great wall  <- gwm, great wall motor(s), greatwall
    haval       <- gwm haval, great wall haval
    chery       <- chery auto(mobile)
    mg          <- saic mg, mg motor, morris garages
    byd         <- byd auto;  geely <- geely auto;  changan <- chang an, changan auto(mobile)
    wuling      <- sgmw, saic gm wuling;  mercedes benz <- mercedes, benz
    dongfeng    <- dfm, dongfeng motor;  jac <- jac motors;  baic <- baic motor
    lynk & co   <- lynk&co, lynk and co;  li auto <- lixiang, li xiang

A need that names a group asks for every brand of the group (MAKE_GROUPS):
"GWM" or "Great Wall" also accepts Haval, Tank, Ora and Wey, which GWM sells
abroad under its own badge ("GWM Haval H6", "GWM Tank 300"). A need that names
a brand asks for that brand only: "Haval" does not accept a Great Wall Poer.
Chery's sub-brands (Omoda, Jaecoo, Exeed, Jetour) are sold as separate brands,
so they are not folded into Chery.
"""

from __future__ import annotations

import re
from functools import lru_cache

_SEPARATORS = re.compile(r"[\s_\-]+")
# The normalisers below are pure and see the same few hundred words over and
# over (tables map each distinct value once, but rescoring builds one-record
# tables), so their results are cached; the bound keeps a long-lived worker
# that meets odd free text from growing without limit.
_CACHED = 4096


@lru_cache(maxsize=_CACHED)
def normalise(text: str) -> str:
    """Lower case, `-` and `_` read as spaces, runs of spaces collapsed."""
    return _SEPARATORS.sub(" ", text.strip().lower()).strip()


MAKE_ALIASES: dict[str, str] = {
    "vw": "volkswagen",
    "faw vw": "volkswagen",
    "faw volkswagen": "volkswagen",
    "saic volkswagen": "volkswagen",
    "shanghai volkswagen": "volkswagen",
    "gwm": "great wall",
    "great wall motor": "great wall",
    "great wall motors": "great wall",
    "greatwall": "great wall",
    "gwm haval": "haval",
    "great wall haval": "haval",
    "gwm tank": "tank",
    "gwm ora": "ora",
    "gwm wey": "wey",
    "chery auto": "chery",
    "chery automobile": "chery",
    "saic mg": "mg",
    "mg motor": "mg",
    "morris garages": "mg",
    "byd auto": "byd",
    "geely auto": "geely",
    "chang an": "changan",
    "chang'an": "changan",
    "changan auto": "changan",
    "changan automobile": "changan",
    "sgmw": "wuling",
    "saic gm wuling": "wuling",
    "mercedes": "mercedes benz",
    "benz": "mercedes benz",
    "dfm": "dongfeng",
    "dongfeng motor": "dongfeng",
    "jac motors": "jac",
    "baic motor": "baic",
    "lynk&co": "lynk & co",
    "lynk and co": "lynk & co",
    "lixiang": "li auto",
    "li xiang": "li auto",
}

MAKE_GROUPS: dict[str, frozenset[str]] = {
    "great wall": frozenset({"great wall", "haval", "tank", "ora", "wey"}),
}


@lru_cache(maxsize=_CACHED)
def canonical_make(make: str) -> str:
    key = normalise(make)
    return MAKE_ALIASES.get(key, key)


@lru_cache(maxsize=_CACHED)
def wanted_makes(makes: tuple[str, ...]) -> frozenset[str]:
    """The canonical brands a need's make list accepts (groups expanded)."""
    brands: set[str] = set()
    for make in makes:
        brand = canonical_make(make)
        brands |= MAKE_GROUPS.get(brand, {brand})
    return frozenset(brands)


# Mirrors matchmaking.choices.EMISSION_LEVEL: China N is taken as Euro N.
EMISSION_LEVEL: dict[str, int] = {
    "euro2": 2,
    "china3": 3,
    "euro3": 3,
    "china4": 4,
    "euro4": 4,
    "china5": 5,
    "euro5": 5,
    "china6a": 6,
    "china6b": 6,
    "euro6": 6,
}


@lru_cache(maxsize=_CACHED)
def emission_level(standard: str) -> int:
    """0 when unknown or empty ("Euro 5", "china-6b" are read too)."""
    return EMISSION_LEVEL.get(re.sub(r"[\s_\-]+", "", standard.lower()), 0)


# Vehicles with a traction battery, for which a battery SoH minimum means something.
ELECTRIFIED = frozenset({"hev", "phev", "bev", "erev"})
# Without a combustion engine, emission standards and engine-size caps do not apply.
NO_ENGINE = frozenset({"bev"})

SHIPPING_MODES = ("roro", "container", "rail", "road")
MODE_BIT = {mode: 1 << i for i, mode in enumerate(SHIPPING_MODES)}


def modes_mask(modes: tuple[str, ...] | list[str]) -> int:
    mask = 0
    for mode in modes:
        mask |= MODE_BIT.get(normalise(mode), 0)
    return mask


def mask_modes(mask: int) -> list[str]:
    return [mode for mode in SHIPPING_MODES if mask & MODE_BIT[mode]]


# Route sense of a loading point: cars leave China by sea from the coastal ports,
# by rail from the inland hubs (China-Europe/Central Asia trains) and by road
# across the land borders. Keywords are matched on the normalised name; rail
# words win over "port" because "Chengdu International Railway Port" is a rail hub.
ORIGIN_UNKNOWN, ORIGIN_SEA, ORIGIN_RAIL, ORIGIN_ROAD = 0, 1, 2, 3
ORIGIN_NAMES = ("unknown", "sea", "rail", "road")
_RAIL_WORDS = ("rail", "railway", "station", "chengdu", "chongqing", "zhengzhou", "xi an", "xian", "wuhan")
_ROAD_WORDS = ("khorgos", "horgos", "alashankou", "manzhouli", "erenhot", "erlian", "pingxiang", "hekou")
_SEA_WORDS = (
    "port",
    "tianjin",
    "shanghai",
    "haitong",
    "guangzhou",
    "nansha",
    "shenzhen",
    "ningbo",
    "qingdao",
    "dalian",
    "lianyungang",
    "xiamen",
    "yantai",
    "taicang",
)


@lru_cache(maxsize=_CACHED)
def origin_kind(loading_point: str) -> int:
    name = normalise(loading_point)
    if not name:
        return ORIGIN_UNKNOWN
    for words, kind in ((_RAIL_WORDS, ORIGIN_RAIL), (_ROAD_WORDS, ORIGIN_ROAD), (_SEA_WORDS, ORIGIN_SEA)):
        if any(word in name for word in words):
            return kind
    return ORIGIN_UNKNOWN


# Origins that make sense for a destination: Central Asia is served overland
# (rail and road through Khorgos/Alashankou), Russia overland and by sea to
# Vladivostok, Vietnam by sea and road through Pingxiang; everywhere else by sea.
_SEA = frozenset({ORIGIN_SEA})
ROUTES: dict[str, frozenset[int]] = {
    **{country: frozenset({ORIGIN_RAIL, ORIGIN_ROAD}) for country in ("KZ", "KG", "UZ", "TJ", "TM", "MN")},
    "RU": frozenset({ORIGIN_SEA, ORIGIN_RAIL, ORIGIN_ROAD}),
    "BY": frozenset({ORIGIN_RAIL, ORIGIN_ROAD}),
    "VN": frozenset({ORIGIN_SEA, ORIGIN_ROAD}),
    "LA": frozenset({ORIGIN_RAIL, ORIGIN_ROAD}),
}


@lru_cache(maxsize=_CACHED)
def route_origins(country: str) -> frozenset[int]:
    return ROUTES.get(country.strip().upper(), _SEA)
