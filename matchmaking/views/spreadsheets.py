"""Pages for bulk imports (upload, progress, dry-run report, apply), exports of
an organisation's own lots and needs, and the blank templates. Exporters work
with lots, buyers with needs; another organisation's import job is 404."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, FormView
from django_htmx.http import HttpResponseClientRefresh

from accounts.mixins import ObjectPermissionRequiredMixin
from matchmaking.models import ImportJob
from matchmaking.spreadsheets import jobs as services
from matchmaking.spreadsheets import selectors as selectors
from matchmaking.spreadsheets.exports import FORMATS, ExportFile, export_file, template_file
from matchmaking.spreadsheets.formats import spec_for
from matchmaking.spreadsheets.reports import max_import_rows, max_upload_bytes
from matchmaking.views import MemberRequest, member_organisation


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
        help_text=gettext_lazy("CSV (UTF-8) or Excel .xlsx; the first sheet is read."),
    )


def download_response(export: ExportFile) -> HttpResponse:
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Http404
    return fmt


if TYPE_CHECKING:
    # Django's generic views take type parameters in django-stubs, not at run time.
    _UploadFormView = FormView[ImportUploadForm]
    _JobDetailView = DetailView[ImportJob]
else:
    _UploadFormView = FormView
    _JobDetailView = DetailView


class _ImportUploadView(ObjectPermissionRequiredMixin, _UploadFormView):
    kind: str
    form_class = ImportUploadForm
    template_name = "matchmaking/imports/upload.html"
    request: MemberRequest

    def get_permission_object(self) -> None:
        return None

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        spec = spec_for(self.kind)
        context.update(
            kind=self.kind,
            columns=spec.columns,
            jobs=[
                services.import_job_recover_if_stalled(job=job)
                for job in selectors.recent_import_jobs(member_organisation(self.request), self.kind)
            ],
            max_mb=f"{max_upload_bytes() / 1024 / 1024:g}",
            max_rows=max_import_rows(),
        )
        return context

    def form_valid(self, form: ImportUploadForm) -> HttpResponse:
        try:
            job = services.import_job_create(
                organisation=member_organisation(self.request),
                user=self.request.user,
                kind=self.kind,
                upload=form.cleaned_data["file"],
            )
        except ValidationError as error:
            form.add_error("file", error)
            return self.form_invalid(form, status=429 if error.code == "rate_limited" else 400)
        return redirect("import_detail", pk=job.pk)

    def form_invalid(self, form: ImportUploadForm, status: int = 400) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=status)


class LotImportView(_ImportUploadView):
    permission_required = "matchmaking.add_lot"
    kind = ImportJob.Kind.LOTS


class NeedImportView(_ImportUploadView):
    permission_required = "matchmaking.add_need"
    kind = ImportJob.Kind.NEEDS


class _JobView(ObjectPermissionRequiredMixin):
    model = ImportJob

    def get_queryset(self) -> QuerySet[ImportJob]:
        return selectors.import_jobs()


def _progress_context(job: ImportJob) -> dict[str, Any]:
    done, total = services.import_progress(job)
    return {
        "job": job,
        "done": done,
        "total": total,
        "pct": min(100, round(100 * done / total)) if total else 0,
    }


class ImportJobDetailView(_JobView, _JobDetailView):
    """The job while it runs (a progress bar), then its report."""

    permission_required = "matchmaking.view_importjob"
    template_name = "matchmaking/imports/detail.html"
    context_object_name = "job"

    def get_object(self, queryset: QuerySet[ImportJob] | None = None) -> ImportJob:
        return services.import_job_recover_if_stalled(job=super().get_object(queryset))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        job = self.object
        if job.is_running:
            context.update(_progress_context(job))
        context["report"] = job.report or {}
        context["list_url_name"] = "lot_list" if job.kind == ImportJob.Kind.LOTS else "need_list"
        context["import_url_name"] = "lot_import" if job.kind == ImportJob.Kind.LOTS else "need_import"
        return context


class ImportJobProgressView(_JobView, View):
    """The progress bar, polled by htmx; once the job stops running the page
    reloads to show the report."""

    permission_required = "matchmaking.view_importjob"
    _permission_object: ImportJob

    # HttpResponseBase: the file download beside it (views.files) streams.
    def get(self, request: MemberRequest, pk: int) -> HttpResponseBase:
        job = services.import_job_recover_if_stalled(job=self.get_object())
        if not job.is_running:
            if request.htmx:
                return HttpResponseClientRefresh()
            return redirect("import_detail", pk=job.pk)
        return render(request, "matchmaking/imports/_progress.html", _progress_context(job))

    def get_object(self, queryset: QuerySet[ImportJob] | None = None) -> ImportJob:
        if not hasattr(self, "_permission_object"):
            job = selectors.import_jobs().filter(pk=self.kwargs["pk"]).first()
            if job is None:
                raise Http404
            self._permission_object = job
        return self._permission_object


class ImportJobApplyView(ImportJobProgressView):
    permission_required = "matchmaking.change_importjob"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = self.get_object()
        try:
            services.import_job_request_apply(job=job)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return redirect("import_detail", pk=job.pk)


class _ExportView(ObjectPermissionRequiredMixin, View):
    kind: str

    def get_permission_object(self) -> None:
        return None

    def get(self, request: MemberRequest, fmt: str) -> HttpResponse:
        organisation = member_organisation(request)
        objects = (
            selectors.lots_for_export(organisation)
            if self.kind == ImportJob.Kind.LOTS
            else selectors.needs_for_export(organisation)
        )
        return download_response(export_file(self.kind, objects, _format(fmt), owner_name=organisation.name))


class LotExportView(_ExportView):
    permission_required = "matchmaking.add_lot"
    kind = ImportJob.Kind.LOTS


class NeedExportView(_ExportView):
    permission_required = "matchmaking.add_need"
    kind = ImportJob.Kind.NEEDS


class _TemplateView(LoginRequiredMixin, View):
    """A blank file to fill in; organisers hand them to companies they onboard."""

    kind: str

    def get(self, request: HttpRequest, fmt: str) -> HttpResponse:
        return download_response(template_file(self.kind, _format(fmt)))


class LotTemplateView(_TemplateView):
    kind = ImportJob.Kind.LOTS


class NeedTemplateView(_TemplateView):
    kind = ImportJob.Kind.NEEDS
