"""factory_boy factories for every model the tests build."""

from __future__ import annotations

import functools

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password

from accounts.models import (
    ConventionSignature,
    ConventionVersion,
    Invitation,
    Membership,
    Organisation,
    User,
)

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
