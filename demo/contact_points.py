"""Demo overseas contact points for the demo organiser (made-up people and
addresses on reserved example domains and numbers), and the contact channels
of a few demo companies and their people, which the other side reads once
interest is mutual (made-up handles, no telephone numbers)."""

from __future__ import annotations

from typing import TypedDict

from accounts import services as accounts_services
from accounts.contact_channels import Channels
from accounts.models import ContactPoint, Organisation, User
from accounts.services import contact_points as services


class DemoContactPoint(TypedDict):
    country: str
    name: str
    person: str
    channel: str
    address: str
    city: str
    languages: list[str]
    note: str


DEMO_CONTACT_POINTS: list[DemoContactPoint] = [
    {
        "country": "RU",
        "name": "Sichuan Export Service Centre, Moscow",
        "person": "Elena Smirnova",
        "channel": ContactPoint.Channel.EMAIL,
        "address": "moscow@contact.carbridge.example",
        "city": "Moscow",
        "languages": ["ru", "zh-hans", "en"],
        "note": "Mon–Fri 10:00–18:00 Moscow time. Customs clearance, certification (EAEU), dealer visits.",
    },
    {
        "country": "KZ",
        "name": "Almaty Trade Liaison Office",
        "person": "Aigerim Sadykova",
        "channel": ContactPoint.Channel.WHATSAPP,
        "address": "+7 727 000 0101",
        "city": "Almaty",
        "languages": ["kk", "ru", "zh-hans"],
        "note": "Rail shipments via Khorgos; registration of imported vehicles.",
    },
    {
        "country": "UZ",
        "name": "Tashkent Automotive Trade Desk",
        "person": "Dilnoza Yusupova",
        "channel": ContactPoint.Channel.TELEGRAM,
        "address": "@tashkent_trade_desk",
        "city": "Tashkent",
        "languages": ["uz", "ru"],
        "note": "Import duties and the age limit for used vehicles; interpreters for the fair.",
    },
    {
        "country": "NG",
        "name": "Lagos Export Partners Office",
        "person": "Adaeze Nwosu",
        "channel": ContactPoint.Channel.PHONE,
        "address": "+234 1 000 0202",
        "city": "Lagos",
        "languages": ["en"],
        "note": "Port of Lagos (Tin Can, Apapa) clearing agents; SONCAP certificates.",
    },
    {
        "country": "VN",
        "name": "Hanoi Vehicle Trade Contact Centre",
        "person": "Tran Thi Mai",
        "channel": ContactPoint.Channel.WECHAT,
        "address": "hanoi_carbridge",
        "city": "Hanoi",
        "languages": ["vi", "zh-hans", "en"],
        "note": "Mon–Sat 8:30–17:30 Hanoi time. Haiphong port logistics and type approval.",
    },
]


def seed_demo_contact_points(organiser: Organisation) -> int:
    """Create the demo contact points the organiser does not have yet (by
    country and name); return how many were created."""
    existing = set(ContactPoint.objects.filter(organiser=organiser).values_list("country", "name"))
    created = 0
    for fields in DEMO_CONTACT_POINTS:
        if (fields["country"], fields["name"]) in existing:
            continue
        services.contact_point_create(organiser=organiser, **fields)
        created += 1
    return created


class DemoChannels(TypedDict, total=False):
    phone: str
    whatsapp: str
    wechat_id: str
    telegram: str


# By demo login: the company's channels, then its person's. Handles only, all
# starting "cbdemo": no telephone number can be made up that is surely
# nobody's (the ranges reserved for fiction, such as Ofcom's +44 7700 900xxx,
# are refused as numbers), while these names plainly belong to the demo.
# Exporters write WeChat first, buyers from the CIS Telegram.
DEMO_CHANNELS: dict[str, tuple[DemoChannels, DemoChannels]] = {
    "chengdu": ({"wechat_id": "cbdemo_jinniu", "telegram": "cbdemo_jinniu"}, {"telegram": "cbdemo_liwei"}),
    "mianyang": ({"wechat_id": "cbdemo_shuguang"}, {"wechat_id": "cbdemo_zhangmin"}),
    "zhengzhou": (
        {"wechat_id": "cbdemo_yellowriver"},
        {"wechat_id": "cbdemo_wangfang", "telegram": "cbdemo_wangfang"},
    ),
    "moscow": ({"telegram": "cbdemo_avtoimport"}, {"telegram": "cbdemo_moscow_buyer"}),
    "almaty": ({"telegram": "cbdemo_almaty_motors"}, {"telegram": "cbdemo_aigerim"}),
    "tehran": ({"telegram": "cbdemo_pars"}, {"telegram": "cbdemo_reza"}),
    "dubai": ({"telegram": "cbdemo_dubai"}, {"telegram": "cbdemo_dubai_buyer"}),
}


def seed_demo_channels(organisations: dict[str, Organisation], people: dict[str, User]) -> int:
    """Give the demo companies and people in DEMO_CHANNELS their channels,
    leaving alone any that already have some (someone trying the demo may
    have changed them); return how many were set."""
    changed = 0
    for login, (company, person) in DEMO_CHANNELS.items():
        organisation, user = organisations.get(login), people.get(login)
        if organisation is not None and not Channels.of(organisation):
            accounts_services.organisation_update(organisation=organisation, **company)
            changed += 1
        if user is not None and not Channels.of(user):
            accounts_services.user_update(user=user, **person)
            changed += 1
    return changed
