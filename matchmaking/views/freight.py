"""Organisers' pages for the freight, inland haulage and insurance tables the
matching engine prices delivery with: one list page, add, edit and delete for
each table, a spreadsheet import, the templates and exports. Built on the
generic pages of `organiser`; everybody else gets 404."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib import messages
from django.db.models import QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import FormView

from core import formats
from matchmaking.choices import ShippingMode, VehicleClass
from matchmaking.forms.freight import (
    FreightImportForm,
    FreightRateFilter,
    FreightRateForm,
    InlandHaulageForm,
    InsuranceRateForm,
)
from matchmaking.models import FreightRate, InlandHaulage, InsuranceRate
from matchmaking.selectors.freight import freight_rate_list, inland_haulage_list, insurance_rate_list
from matchmaking.services import freight as services
from matchmaking.spreadsheets.exports import FORMATS, ExportFile
from matchmaking.spreadsheets.files import SheetError
from matchmaking.spreadsheets.freight import (
    TABLES,
    freight_table_export,
    freight_table_import,
    freight_table_template,
    read_upload,
    row_limit,
    upload_limit,
)
from matchmaking.views.organiser import (
    DeleteView,
    EditView,
    FilteredListView,
    OrganisersOnly,
    ServiceFormView,
)
from matchmaking.views.spreadsheets import download_response

if TYPE_CHECKING:
    # Django's generic views take type parameters in django-stubs, not at run time.
    _ImportFormView = FormView[FreightImportForm]
else:
    _ImportFormView = FormView

PERMISSION = "matchmaking.manage_freight_rates"
FORM_TEMPLATE = "matchmaking/organiser/freight_form.html"
DELETE_TEMPLATE = "matchmaking/organiser/freight_confirm_delete.html"
# A file whose every row is wrong would otherwise make a page of thousands of lines.
MAX_SHOWN_ERRORS = 200


def _list_url(table: str) -> str:
    return f"{reverse('freight_list')}#{table}"


def _describe(rate: FreightRate | InlandHaulage | InsuranceRate) -> dict[str, str]:
    """The rate in words for the messages: what it covers and from when."""
    words = {"date": formats.day(rate.valid_from)}
    if isinstance(rate, FreightRate):
        port = f" ({rate.destination_port})" if rate.destination_port else ""
        words["route"] = (
            f"{rate.get_mode_display()} {rate.origin} → {rate.destination_country.name}{port}, "
            f"{rate.get_vehicle_class_display()}"
        )
    elif isinstance(rate, InlandHaulage):
        words["route"] = f"{rate.origin}, {rate.get_vehicle_class_display()}"
    else:
        words["route"] = str(rate.destination_country.name or _("every other destination"))
    return words


class FreightListView(FilteredListView):
    """The three tables, freight filtered and paginated (it is the long one)."""

    permission_required = PERMISSION
    filterset_class = FreightRateFilter
    template_name = "matchmaking/organiser/freight_list.html"
    context_object_name = "freight_rates"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[FreightRate]:
        return freight_rate_list()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["haulage_rates"] = list(inland_haulage_list())
        context["insurance_rates"] = list(insurance_rate_list())
        context["today"] = timezone.localdate()
        return context


# Freight rates -------------------------------------------------------------------


class _FreightRatePage:
    permission_required = PERMISSION
    # Typed as the generic views declare them, which this mixin goes before.
    form_class: type[Form] | None = FreightRateForm
    template_name: str | None = FORM_TEMPLATE
    extra_context: Mapping[str, Any] | None = {"table": "freight"}

    def success_message(self, obj: FreightRate) -> str:
        return _("Freight rate saved: %(route)s, from %(date)s.") % _describe(obj)

    def get_success_url(self) -> str:
        return _list_url("freight")


class FreightRateCreateView(_FreightRatePage, ServiceFormView[FreightRate]):
    def perform(self, data: dict[str, Any]) -> FreightRate:
        return services.freight_rate_create(**data)


class FreightRateEditView(_FreightRatePage, EditView[FreightRate]):
    model = FreightRate
    fields = services.FREIGHT_RATE_FIELDS
    context_object_name = "rate"

    def perform(self, data: dict[str, Any]) -> FreightRate:
        return services.freight_rate_update(freight_rate=self.object, **data)


class FreightRateDeleteView(DeleteView[FreightRate]):
    permission_required = PERMISSION
    model = FreightRate
    template_name = DELETE_TEMPLATE
    context_object_name = "rate"
    extra_context = {"table": "freight"}

    def perform_delete(self, obj: FreightRate) -> None:
        services.freight_rate_delete(freight_rate=obj)

    def success_message(self, obj: FreightRate) -> str:
        return _("Freight rate deleted: %(route)s, from %(date)s.") % _describe(obj)

    def get_success_url(self) -> str:
        return _list_url("freight")


# Inland haulage ------------------------------------------------------------------


class _HaulagePage:
    permission_required = PERMISSION
    # Typed as the generic views declare them, which this mixin goes before.
    form_class: type[Form] | None = InlandHaulageForm
    template_name: str | None = FORM_TEMPLATE
    extra_context: Mapping[str, Any] | None = {"table": "haulage"}

    def success_message(self, obj: InlandHaulage) -> str:
        return _("Haulage rate saved: %(route)s, from %(date)s.") % _describe(obj)

    def get_success_url(self) -> str:
        return _list_url("haulage")


class InlandHaulageCreateView(_HaulagePage, ServiceFormView[InlandHaulage]):
    def perform(self, data: dict[str, Any]) -> InlandHaulage:
        return services.inland_haulage_create(**data)


class InlandHaulageEditView(_HaulagePage, EditView[InlandHaulage]):
    model = InlandHaulage
    fields = services.INLAND_HAULAGE_FIELDS
    context_object_name = "rate"

    def perform(self, data: dict[str, Any]) -> InlandHaulage:
        return services.inland_haulage_update(haulage=self.object, **data)


class InlandHaulageDeleteView(DeleteView[InlandHaulage]):
    permission_required = PERMISSION
    model = InlandHaulage
    template_name = DELETE_TEMPLATE
    context_object_name = "rate"
    extra_context = {"table": "haulage"}

    def perform_delete(self, obj: InlandHaulage) -> None:
        services.inland_haulage_delete(haulage=obj)

    def success_message(self, obj: InlandHaulage) -> str:
        return _("Haulage rate deleted: %(route)s, from %(date)s.") % _describe(obj)

    def get_success_url(self) -> str:
        return _list_url("haulage")


# Insurance -----------------------------------------------------------------------


class _InsurancePage:
    permission_required = PERMISSION
    # Typed as the generic views declare them, which this mixin goes before.
    form_class: type[Form] | None = InsuranceRateForm
    template_name: str | None = FORM_TEMPLATE
    extra_context: Mapping[str, Any] | None = {"table": "insurance"}

    def success_message(self, obj: InsuranceRate) -> str:
        return _("Insurance rate saved: %(route)s, from %(date)s.") % _describe(obj)

    def get_success_url(self) -> str:
        return _list_url("insurance")


class InsuranceRateCreateView(_InsurancePage, ServiceFormView[InsuranceRate]):
    def perform(self, data: dict[str, Any]) -> InsuranceRate:
        return services.insurance_rate_create(**data)


class InsuranceRateEditView(_InsurancePage, EditView[InsuranceRate]):
    model = InsuranceRate
    fields = services.INSURANCE_RATE_FIELDS
    context_object_name = "rate"

    def perform(self, data: dict[str, Any]) -> InsuranceRate:
        return services.insurance_rate_update(insurance_rate=self.object, **data)


class InsuranceRateDeleteView(DeleteView[InsuranceRate]):
    permission_required = PERMISSION
    model = InsuranceRate
    template_name = DELETE_TEMPLATE
    context_object_name = "rate"
    extra_context = {"table": "insurance"}

    def perform_delete(self, obj: InsuranceRate) -> None:
        services.insurance_rate_delete(insurance_rate=obj)

    def success_message(self, obj: InsuranceRate) -> str:
        return _("Insurance rate deleted: %(route)s, from %(date)s.") % _describe(obj)

    def get_success_url(self) -> str:
        return _list_url("insurance")


# Import, templates and exports ---------------------------------------------------


def _table(request: HttpRequest) -> str:
    table = request.GET.get("table", "freight")
    if table not in TABLES:
        raise Http404
    return table


class FreightImportView(OrganisersOnly, _ImportFormView):
    """Upload a whole table; every row is checked, and saved only if all are good."""

    permission_required = PERMISSION
    form_class = FreightImportForm
    template_name = "matchmaking/organiser/freight_import.html"

    def get_initial(self) -> dict[str, Any]:
        table = self.request.GET.get("table", "")
        return {"table": table if table in TABLES else "freight"}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            tables=TABLES.values(),
            modes=ShippingMode.values,
            classes=VehicleClass.values,
            max_mb=f"{upload_limit() / 1024 / 1024:g}",
            max_rows=row_limit(),
        )
        return context

    def form_valid(self, form: FreightImportForm) -> HttpResponse:
        table: str = form.cleaned_data["table"]
        upload = form.cleaned_data["file"]
        try:
            result = freight_table_import(table=table, data=read_upload(upload), filename=upload.name or "")
        except SheetError as error:
            form.add_error("file", error.message)
            return self.form_invalid(form)
        if not result.ok:
            context = self.get_context_data(
                form=form, result=result, shown_errors=result.errors[:MAX_SHOWN_ERRORS]
            )
            return self.render_to_response(context, status=400)
        messages.success(
            self.request,
            ngettext(
                "%(added)s rate added, %(updated)s updated.",
                "%(added)s rates added, %(updated)s updated.",
                result.added,
            )
            % {"added": result.added, "updated": result.updated},
        )
        return redirect(_list_url(table))

    def form_invalid(self, form: FreightImportForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


_FILES: dict[str, Callable[[str, str], ExportFile]] = {
    "template": freight_table_template,
    "export": freight_table_export,
}


class _DownloadView(OrganisersOnly, View):
    """A file of `?table=freight|haulage|insurance` in CSV or XLSX: `kind` says which."""

    permission_required = PERMISSION
    kind: ClassVar[str]

    def get(self, request: HttpRequest, fmt: str) -> HttpResponse:
        if fmt not in FORMATS:
            raise Http404
        return download_response(_FILES[self.kind](_table(request), fmt))


class FreightTemplateView(_DownloadView):
    """The columns and one example row."""

    kind = "template"


class FreightExportView(_DownloadView):
    """Every stored rate, in the import's columns."""

    kind = "export"
