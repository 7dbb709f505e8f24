from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from matchmaking.models import FxRate, ImportJob, Lot, LotPhoto, MarketRule, Need

if TYPE_CHECKING:
    # The admin's classes take their models as type parameters in django-stubs,
    # not at run time.
    _LotPhotoInline = admin.TabularInline[LotPhoto, Lot]
    _LotAdmin = admin.ModelAdmin[Lot]
    _NeedAdmin = admin.ModelAdmin[Need]
    _MarketRuleAdmin = admin.ModelAdmin[MarketRule]
    _FxRateAdmin = admin.ModelAdmin[FxRate]
    _ImportJobAdmin = admin.ModelAdmin[ImportJob]
else:
    _LotPhotoInline = admin.TabularInline
    _LotAdmin = _NeedAdmin = _MarketRuleAdmin = _FxRateAdmin = _ImportJobAdmin = admin.ModelAdmin


class LotPhotoInline(_LotPhotoInline):
    model = LotPhoto
    extra = 0


@admin.register(Lot)
class LotAdmin(_LotAdmin):
    list_display = [
        "ref",
        "exporter",
        "make",
        "model",
        "model_year",
        "fuel_type",
        "quantity",
        "unit_price",
        "currency",
        "status",
    ]
    list_filter = ["status", "fuel_type", "body_type", "steering", "make"]
    search_fields = ["ref", "make", "model", "vin", "exporter__name"]
    raw_id_fields = ["exporter"]
    inlines = [LotPhotoInline]


@admin.register(Need)
class NeedAdmin(_NeedAdmin):
    list_display = [
        "ref",
        "buyer",
        "title",
        "destination_country",
        "quantity",
        "max_unit_price",
        "currency",
        "status",
    ]
    list_filter = ["status", "destination_country"]
    search_fields = ["ref", "title", "buyer__name"]
    raw_id_fields = ["buyer"]


@admin.register(MarketRule)
class MarketRuleAdmin(_MarketRuleAdmin):
    list_display = [
        "country",
        "applies_to_fuels",
        "used_imports_banned",
        "steering_required",
        "max_age_years",
        "min_emission_standard",
        "uncertain",
        "last_checked",
    ]
    list_filter = ["uncertain", "used_imports_banned", "country"]


@admin.register(FxRate)
class FxRateAdmin(_FxRateAdmin):
    list_display = ["currency", "date", "rate_to_cny"]
    list_filter = ["currency"]
    date_hierarchy = "date"


@admin.register(ImportJob)
class ImportJobAdmin(_ImportJobAdmin):
    list_display = ["original_name", "organisation", "kind", "status", "rows_total", "created_at"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["organisation", "uploaded_by"]
    # The file has no URL of its own (see matchmaking/storage.py): the link goes
    # through the view that checks permission.
    exclude = ["file"]
    readonly_fields = ["uploaded_file", "report"]

    @admin.display(description=_("file"))
    def uploaded_file(self, job: ImportJob) -> str:
        if not job.pk or not job.file:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("import_file", args=[job.pk]), job.original_name)
