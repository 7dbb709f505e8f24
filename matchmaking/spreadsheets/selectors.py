"""Read queries for import jobs and for exports."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Organisation
from matchmaking.models import ImportJob, Lot, Need

RECENT_JOBS = 10


def import_jobs() -> QuerySet[ImportJob]:
    """Every job; views narrow it by permission (another organisation's job is 404)."""
    return ImportJob.objects.all()


def recent_import_jobs(organisation: Organisation, kind: str) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(organisation=organisation, kind=kind).order_by("-created_at", "-pk")[
        :RECENT_JOBS
    ]


def lots_for_export(exporter: Organisation) -> QuerySet[Lot]:
    """The exporter's own lots, in a stable order, streamed from the database."""
    return Lot.objects.filter(exporter=exporter).order_by("ref")


def needs_for_export(buyer: Organisation) -> QuerySet[Need]:
    return Need.objects.filter(buyer=buyer).order_by("ref")
