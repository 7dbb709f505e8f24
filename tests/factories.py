"""factory_boy factories for every model the tests build."""

from __future__ import annotations

import datetime
import functools
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password

from accounts.models import (
    ContactPoint,
    ConventionSignature,
    ConventionVersion,
    Invitation,
    Membership,
    Organisation,
    User,
)
from matchmaking.models import FreightRate, FxRate, InlandHaulage, InsuranceRate, Lot, MarketRule, Match, Need

PASSWORD = "a-long-test-password-1"


@functools.cache
def _password_hash() -> str:
    # Hashing is deliberately slow; hash the shared password once.
    return make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    name = factory.Faker("name")
    password = factory.LazyFunction(_password_hash)

    @factory.post_generation
    def verified_email(self, create: bool, extracted: bool | None, **kwargs) -> None:
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = Organisation.Kind.EXPORTER
    name = factory.Sequence(lambda n: f"Company {n}")
    country = "CN"
    province = "Sichuan"
    city = "Chengdu"
    export_qualification_no = factory.LazyAttribute(
        lambda o: f"SC-{o.name[-4:]}" if o.kind == Organisation.Kind.EXPORTER else ""
    )
    languages = factory.LazyFunction(lambda: ["zh-hans", "en"])


class ExporterFactory(OrganisationFactory):
    kind = Organisation.Kind.EXPORTER


class BuyerFactory(OrganisationFactory):
    kind = Organisation.Kind.BUYER
    country = "KZ"
    province = ""
    city = "Almaty"
    languages = factory.LazyFunction(lambda: ["ru"])


class OrganiserFactory(OrganisationFactory):
    kind = Organisation.Kind.ORGANISER


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(ExporterFactory)
    role = Membership.Role.ADMIN


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    organisation = factory.SubFactory(ExporterFactory)
    email = factory.Sequence(lambda n: f"colleague{n}@example.com")
    role = Membership.Role.MEMBER
    invited_by = None


class ConventionVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConventionVersion
        django_get_or_create = ["version"]

    version = factory.Sequence(lambda n: n + 2)
    title = "Convention"
    body = "We describe every vehicle honestly."


class ConventionSignatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConventionSignature

    organisation = factory.SubFactory(ExporterFactory)
    convention = factory.LazyFunction(lambda: ConventionVersion.objects.order_by("-version").first())
    signer = factory.SubFactory(UserFactory)


# Matchmaking -------------------------------------------------------------------


class LotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lot

    exporter = factory.SubFactory(ExporterFactory)
    ref = factory.Sequence(lambda n: f"LOT-{n:05d}")
    make = "BYD"
    model = "Song Plus"
    trim = "DM-i Flagship"
    body_type = "suv"
    fuel_type = "phev"
    model_year = 2023
    first_registration = datetime.date(2023, 5, 1)
    mileage_km = 12_000
    steering = "LHD"
    transmission = "automatic"
    drive = "fwd"
    engine_cc = 1498
    power_kw = 145
    battery_kwh = Decimal("18.3")
    battery_soh_pct = 96
    emission_standard = "china6b"
    colour = "white"
    seats = 5
    condition_grade = "A"
    quantity = 10
    unit_price = Decimal("16500.00")
    currency = "USD"
    incoterm = "FOB"
    location = "Chengdu"
    loading_point = "Chengdu International Railway Port"
    shipping_modes = factory.LazyFunction(lambda: ["rail", "container"])
    vin = ""
    status = Lot.Status.AVAILABLE


class NeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Need

    buyer = factory.SubFactory(BuyerFactory)
    ref = factory.Sequence(lambda n: f"NEED-{n:05d}")
    title = "Plug-in hybrid SUVs for Almaty dealers"
    destination_country = "KZ"
    destination_port = "Khorgos"
    makes = factory.LazyFunction(lambda: ["BYD"])
    model_names = factory.LazyFunction(list)
    body_types = factory.LazyFunction(lambda: ["suv"])
    fuel_types = factory.LazyFunction(lambda: ["phev", "hev"])
    year_min = 2021
    year_max = 2025
    max_mileage_km = 60_000
    min_battery_soh_pct = 85
    steering = ""
    quantity = 20
    allow_split = True
    max_unit_price = Decimal("18000.00")
    currency = "USD"
    # On the lots' own term, so prices compare as stated unless a test sets
    # another (delivered prices are tested in tests/matchmaking/engine/test_delivery.py).
    incoterm = "FOB"
    shipping_modes = factory.LazyFunction(lambda: ["rail"])
    deadline = datetime.date(2027, 3, 31)
    status = Need.Status.OPEN


def need_fields(**overrides: object) -> dict[str, object]:
    """What need_create takes for a small need bound for Kenya (its rules allow it)."""
    fields: dict[str, object] = {
        "ref": "KE-1",
        "title": "Vans for Nairobi",
        "destination_country": "KE",
        "steering": "",
        "makes": [],
        "model_names": [],
        "body_types": ["van"],
        "fuel_types": ["diesel"],
        "quantity": 2,
        "max_unit_price": Decimal("14000"),
        "currency": "USD",
    }
    return {**fields, **overrides}


class MarketRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MarketRule

    country = "KE"
    steering_required = "RHD"
    max_age_years = 8
    age_counted_from = "first_registration"
    source = "hapakenya"
    last_checked = "2025-11"


class FxRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FxRate
        django_get_or_create = ["currency", "date"]

    currency = "USD"
    date = datetime.date(2026, 11, 1)
    rate_to_cny = Decimal("7.10")


class FreightRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FreightRate

    mode = "roro"
    origin = "Shanghai; Tianjin"
    destination_country = "TH"
    destination_port = "Laem Chabang"
    vehicle_class = "car"
    price = Decimal("1200")
    currency = "USD"
    valid_from = datetime.date(2027, 1, 1)
    source = "Forwarder's quote of 2026-12-15"
    indicative = True


class InlandHaulageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InlandHaulage

    origin = "Chengdu"
    vehicle_class = "car"
    price = Decimal("150")
    currency = "USD"
    valid_from = datetime.date(2027, 1, 1)
    source = "Trucking company's quote"
    indicative = True


class InsuranceRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InsuranceRate

    destination_country = "TH"
    rate_pct = Decimal("0.6")
    valid_from = datetime.date(2027, 1, 1)
    source = "Insurer's quote"
    indicative = True


class LotPhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "matchmaking.LotPhoto"

    lot = factory.SubFactory(LotFactory)
    image = factory.django.ImageField(filename="photo.png", format="PNG", width=8, height=6)


class MatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Match

    lot = factory.SubFactory(LotFactory)
    need = factory.SubFactory(NeedFactory)
    score = 78.5
    rank_for_need = 1


# Events ----------------------------------------------------------------------


class EventFactory(factory.django.DjangoModelFactory):
    """An open event with no sessions or tables; `fair()` in
    tests/events/conftest.py builds one with its programme."""

    class Meta:
        model = "events.Event"

    organiser = factory.SubFactory(OrganiserFactory)
    name = factory.Sequence(lambda n: f"Export Fair {n}")
    slug = factory.Sequence(lambda n: f"fair-{n}")
    city = "Chengdu"
    venue = "Western China International Expo City"
    status = "open"


class ParticipationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "events.Participation"

    event = factory.SubFactory(EventFactory)
    organisation = factory.SubFactory(ExporterFactory)
    status = "approved"


class MeetingFactory(factory.django.DjangoModelFactory):
    """A requested meeting; book it with services.meetings.meeting_move or pass
    slot, table and state."""

    class Meta:
        model = "events.Meeting"

    event = factory.SubFactory(EventFactory)
    exporter = factory.SubFactory(ExporterFactory)
    buyer = factory.SubFactory(BuyerFactory)


class ContactPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPoint

    organiser = factory.SubFactory(OrganiserFactory)
    country = "KZ"
    name = factory.Sequence(lambda n: f"Export Service Centre {n}")
    person = "Aigerim Sadykova"
    channel = ContactPoint.Channel.EMAIL
    address = factory.Sequence(lambda n: f"centre{n}@example.com")


class DealFactory(factory.django.DjangoModelFactory):
    """A deal as recorded by the exporter, without lines: add DealLineFactory
    rows, or record it through deals.services.deal_record."""

    class Meta:
        model = "deals.Deal"

    exporter = factory.SubFactory(ExporterFactory)
    buyer = factory.SubFactory(BuyerFactory)
    recorded_by = factory.SelfAttribute("exporter")
    currency = "USD"
    incoterm = "FOB"
    signed_on = datetime.date(2026, 11, 20)


class DealLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "deals.DealLine"

    deal = factory.SubFactory(DealFactory)
    lot = factory.SubFactory(LotFactory, exporter=factory.SelfAttribute("..deal.exporter"), quantity=10)
    quantity = 1
    unit_price = Decimal("15000.00")


# Conversations -----------------------------------------------------------------


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "conversations.Conversation"

    exporter = factory.SubFactory(ExporterFactory)
    buyer = factory.SubFactory(BuyerFactory)


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "conversations.Message"

    conversation = factory.SubFactory(ConversationFactory)
    sender = factory.SubFactory(UserFactory)
    sender_organisation = factory.LazyAttribute(lambda message: message.conversation.exporter)
    text = factory.Sequence(lambda n: f"Message {n}")
