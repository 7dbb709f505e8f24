"""Load the demo fair: an organiser, exporters from Sichuan and Henan with a few
hundred lots, and buyers from ten countries with their purchase needs. Safe to
run again: existing demo accounts, lots and needs are kept."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypedDict

from allauth.account.models import EmailAddress
from celery import current_app
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from accounts import services
from accounts.models import Organisation, User
from accounts.selectors import convention_is_signed, organisation_for
from demo import buyers as demo_buyers
from demo import stock
from demo.contact_points import DEMO_CONTACT_POINTS, seed_demo_channels, seed_demo_contact_points
from demo.deals import seed_demo_deals
from demo.fair import seed_demo_event
from matchmaking.models import Lot, MatchRun, Need
from matchmaking.services.match_runs import match_run_execute

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


def _demo_user(company: DemoCompany, password_hash: str) -> tuple[User, bool]:
    email = f"{company.login}@{DEMO_DOMAIN}"
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user, False
    user = User.objects.create_user(email=email, password=None, name=company.person)
    user.password = password_hash
    user.save(update_fields=["password"])
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user, True


# Every field validator runs in Python; the constraints are left to the
# database at insert time (the refs are new by construction, and each check
# constraint costs a query per row in full_clean, several seconds for the lot).
class _FullCleanOptions(TypedDict):
    validate_unique: bool
    validate_constraints: bool


_FIELDS_ONLY: _FullCleanOptions = {"validate_unique": False, "validate_constraints": False}


def _seed_lots(organisations: dict[str, Organisation]) -> tuple[int, int]:
    """Create the demo lots an exporter does not have yet (by ref); return how
    many were created and how many demo exporters' lots there are."""
    exporters = [organisations[login] for login in stock.EXPORTERS if login in organisations]
    existing = set(Lot.objects.filter(exporter__in=exporters).values_list("exporter_id", "ref"))
    new: list[Lot] = []
    for login, exporter in organisations.items():
        if login not in stock.EXPORTERS:
            continue
        # Bulk creation skips lot_create, so its publishing rule is applied here:
        # an exporter who has not signed the convention only gets drafts.
        for fields in stock.build_lots(login, publishes=convention_is_signed(exporter)):
            if (exporter.pk, fields["ref"]) in existing:
                continue
            lot = Lot(exporter=exporter, **fields)
            lot.full_clean(**_FIELDS_ONLY)
            new.append(lot)
    Lot.objects.bulk_create(new, batch_size=500)
    return len(new), len(existing) + len(new)


def _seed_needs(organisations: dict[str, Organisation]) -> tuple[int, int]:
    buyers = [organisations[login] for login in demo_buyers.BUYERS if login in organisations]
    existing = set(Need.objects.filter(buyer__in=buyers).values_list("buyer_id", "ref"))
    new: list[Need] = []
    for login, buyer in organisations.items():
        if login not in demo_buyers.BUYERS:
            continue
        for fields in demo_buyers.build_needs(login):
            if (buyer.pk, fields["ref"]) in existing:
                continue
            need = Need(buyer=buyer, **fields)
            need.full_clean(**_FIELDS_ONLY)
            new.append(need)
    Need.objects.bulk_create(new, batch_size=500)
    return len(new), len(existing) + len(new)


@contextmanager
def _tasks_in_this_process() -> Iterator[None]:
    """Celery tasks run eagerly, without a log line each (settings.LOGGING
    quiets them only when every task runs eagerly)."""
    trace = logging.getLogger("celery.app.trace")
    eager, level = current_app.conf.task_always_eager, trace.level
    current_app.conf.task_always_eager = True
    trace.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        current_app.conf.task_always_eager = eager
        trace.setLevel(level)


class Command(BaseCommand):
    help = "Load the demo fair (idempotent) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo companies' addresses lead nowhere: the emails the demo's
        # deals and meetings would send (after the commit) go nowhere too. The
        # tasks sending them run here, even with a worker, so that the dummy
        # backend applies rather than the worker printing every email.
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
            _tasks_in_this_process(),
        ):
            self._seed()
        # Last, after the commit and the tasks it set off, so nothing follows
        # the logins but the server's address.
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for company in [ORGANISER, *DEMO_COMPANIES]:
            email = f"{company.login}@{DEMO_DOMAIN}"
            self.stdout.write(f"  {company.kind:<9}  {email:<30}  {company.name}")

    @transaction.atomic
    def _seed(self) -> None:
        created = 0
        organisations: dict[str, Organisation] = {}
        people: dict[str, User] = {}
        # Password hashing is slow on purpose (about a second per account); the
        # demo accounts share one password, so it is hashed once.
        emails = [f"{company.login}@{DEMO_DOMAIN}" for company in [ORGANISER, *DEMO_COMPANIES]]
        all_exist = User.objects.filter(email__in=emails).count() == len(emails)
        password_hash = "" if all_exist else make_password(DEMO_PASSWORD)
        for company in [ORGANISER, *DEMO_COMPANIES]:
            user, is_new = _demo_user(company, password_hash)
            created += is_new
            people[company.login] = user
            organisation = organisation_for(user)
            if organisation is not None:
                organisations[company.login] = organisation
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
            organisations[company.login] = organisation

        seed_demo_channels(organisations, people)
        lots_new, lots_total = _seed_lots(organisations)
        needs_new, needs_total = _seed_needs(organisations)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} new accounts)."))
        self.stdout.write(
            f"Demo inventory: {lots_total} lots ({lots_new} new), {needs_total} needs ({needs_new} new)."
        )
        # The demo opens with proposals already made (DESIGN.md §6); rerunning
        # keeps any interest someone expressed while trying the demo.
        run = match_run_execute(run_id=MatchRun.objects.create().pk)
        if run is not None and run.status == MatchRun.Status.FINISHED:
            self.stdout.write(f"Matching: {run.matches_kept} matches for {run.needs_count} open needs.")
        else:
            self.stderr.write(f"Matching failed: {run.error if run else 'no run'}")
        self._seed_event(organisations)
        self._seed_contact_points(organisations[ORGANISER.login])

    def _seed_event(self, organisations: dict[str, Organisation]) -> None:
        participants = [
            organisations[login]
            for login in [*stock.EXPORTERS, *demo_buyers.BUYERS]
            if login in organisations
        ]
        event = seed_demo_event(organisations[ORGANISER.login], participants)
        if event is None:
            self.stdout.write("Demo event: already there, left as it is.")
            return
        booked = event.meetings.filter(state__in=["scheduled", "confirmed"]).count()
        self.stdout.write(
            f"Demo event {event.slug}: {len(participants)} participants, {booked} meetings on the agenda."
        )
        deals = seed_demo_deals(event)
        self.stdout.write(f"Demo deals at {event.slug}: {deals} recorded, most confirmed by both sides.")

    def _seed_contact_points(self, organiser: Organisation) -> None:
        created = seed_demo_contact_points(organiser)
        self.stdout.write(f"Demo contact points: {len(DEMO_CONTACT_POINTS)} countries ({created} new).")
