"""Load the demo fair: an organiser, exporters from Sichuan and Henan, and buyers
from ten countries. Safe to run again: existing demo accounts are kept."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import services
from accounts.models import Organisation, User
from accounts.selectors import organisation_for

DEMO_PASSWORD = "carbridge-demo"  # noqa: S105 - printed on purpose for the local demo
DEMO_DOMAIN = "carbridge.example"


@dataclass(frozen=True)
class DemoCompany:
    login: str
    person: str
    kind: str
    name: str
    country: str
    province: str = ""
    city: str = ""
    qualification: str = ""
    languages: tuple[str, ...] = ("en",)
    verified: bool = True
    signs_convention: bool = True


EXPORTER, BUYER = Organisation.Kind.EXPORTER, Organisation.Kind.BUYER

DEMO_COMPANIES = [
    DemoCompany(
        "chengdu",
        "Li Wei",
        EXPORTER,
        "Chengdu Jinniu Auto Export Co.",
        "CN",
        "Sichuan",
        "Chengdu",
        "SC-UCE-2024-0017",
        ("zh-hans", "en", "ru"),
    ),
    DemoCompany(
        "mianyang",
        "Zhang Min",
        EXPORTER,
        "Mianyang Shuguang Vehicle Trading",
        "CN",
        "Sichuan",
        "Mianyang",
        "SC-UCE-2024-0042",
        ("zh-hans", "en"),
    ),
    DemoCompany(
        "zhengzhou",
        "Wang Fang",
        EXPORTER,
        "Zhengzhou Yellow River Auto Export",
        "CN",
        "Henan",
        "Zhengzhou",
        "HA-UCE-2024-0008",
        ("zh-hans", "en", "ar"),
    ),
    DemoCompany(
        "luoyang",
        "Chen Jie",
        EXPORTER,
        "Luoyang Central Plains Motors",
        "CN",
        "Henan",
        "Luoyang",
        "HA-UCE-2025-0031",
        ("zh-hans",),
        verified=False,
        signs_convention=False,
    ),
    DemoCompany(
        "moscow",
        "Ivan Petrov",
        BUYER,
        "Avto Import Moskva LLC",
        "RU",
        "Moscow",
        "Moscow",
        languages=("ru", "en"),
    ),
    DemoCompany(
        "almaty",
        "Aigerim Nurlanovna",
        BUYER,
        "Almaty Motors Trading",
        "KZ",
        "",
        "Almaty",
        languages=("kk", "ru"),
    ),
    DemoCompany(
        "tashkent",
        "Rustam Karimov",
        BUYER,
        "Tashkent Avto Savdo",
        "UZ",
        "",
        "Tashkent",
        languages=("uz", "ru"),
    ),
    DemoCompany(
        "bishkek", "Nurbek Asanov", BUYER, "Bishkek Auto Import", "KG", "", "Bishkek", languages=("ky", "ru")
    ),
    DemoCompany(
        "tehran",
        "Reza Ahmadi",
        BUYER,
        "Pars Khodro Trading",
        "IR",
        "Tehran",
        "Tehran",
        languages=("fa", "en"),
    ),
    DemoCompany(
        "hanoi", "Nguyen Van An", BUYER, "Hanoi Auto Import JSC", "VN", "", "Hanoi", languages=("vi", "en")
    ),
    DemoCompany(
        "lagos", "Chinedu Okafor", BUYER, "Lagos Motors Ltd", "NG", "Lagos", "Lagos", languages=("en",)
    ),
    DemoCompany(
        "dubai",
        "Omar Al Hashimi",
        BUYER,
        "Jebel Ali Re-Export Trading",
        "AE",
        "Dubai",
        "Dubai",
        languages=("ar", "en"),
    ),
    DemoCompany(
        "nairobi", "Wanjiru Kamau", BUYER, "Nairobi Auto Hub", "KE", "", "Nairobi", languages=("en", "sw")
    ),
    DemoCompany(
        "cairo", "Ahmed Hassan", BUYER, "Cairo Car Imports", "EG", "", "Cairo", languages=("ar", "en")
    ),
]

ORGANISER = DemoCompany(
    "organiser",
    "Liu Yang",
    Organisation.Kind.ORGANISER,
    "Sichuan Used Car Export Association",
    "CN",
    "Sichuan",
    "Chengdu",
    languages=("zh-hans", "en"),
)


def _demo_user(company: DemoCompany) -> tuple[User, bool]:
    email = f"{company.login}@{DEMO_DOMAIN}"
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user, False
    user = User.objects.create_user(email=email, password=DEMO_PASSWORD, name=company.person)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user, True


class Command(BaseCommand):
    help = "Load the demo fair (idempotent) and print the demo logins."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        created = 0
        for company in [ORGANISER, *DEMO_COMPANIES]:
            user, is_new = _demo_user(company)
            created += is_new
            if organisation_for(user) is not None:
                continue
            organisation = Organisation.objects.filter(name__iexact=company.name).first()
            if organisation is None:
                organisation = services.organisation_register(
                    user=user,
                    kind=company.kind,
                    name=company.name,
                    country=company.country,
                    province=company.province,
                    city=company.city,
                    export_qualification_no=company.qualification,
                    languages=company.languages,
                )
            services.organisation_set_verified(
                organisation=organisation, verified=company.verified and company.kind != ORGANISER.kind
            )
            if company.kind == EXPORTER and company.signs_convention:
                services.convention_sign(organisation=organisation, user=user)

        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} new accounts)."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for company in [ORGANISER, *DEMO_COMPANIES]:
            email = f"{company.login}@{DEMO_DOMAIN}"
            self.stdout.write(f"  {company.kind:<9}  {email:<30}  {company.name}")
