"""Uploaded files, served only to those who may see them and in production as
in development (nothing serves /media/ wholesale): an import's spreadsheet to
its own company; a lot's photos to anyone while the lot is available, otherwise
to its exporter and the organisers."""

from __future__ import annotations

from typing import cast

from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404, HttpRequest, HttpResponseBase
from django.views import View
from django.views.static import serve

from matchmaking.rules import is_public_lot_photo
from matchmaking.selectors.lots import lot_photo_named, lots_with_exporter
from matchmaking.views.spreadsheets import ImportJobProgressView

# A photo never changes under its name (a new upload gets a new one); an hour
# bounds how long a cache shows it after its lot is withdrawn.
PHOTO_MAX_AGE = 60 * 60


class ImportFileView(ImportJobProgressView):
    """The spreadsheet as it was uploaded, for the company that uploaded it."""

    permission_required = "matchmaking.view_importjob"

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        job = self.get_object()
        try:
            handle = job.file.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404 from None
        response = FileResponse(handle, as_attachment=True, filename=job.original_name)
        response["Cache-Control"] = "private, no-store"
        return response


class LotInspectionReportFileView(View):
    """A lot's inspection report, to whoever may read the lot's page."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        lot = lots_with_exporter().filter(pk=pk).first()
        if (
            lot is None
            or not lot.inspection_report
            or not request.user.has_perm("matchmaking.view_lot_page", lot)
        ):
            raise Http404
        try:
            handle = lot.inspection_report.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404 from None
        response = FileResponse(
            handle, as_attachment=False, filename=f"{lot.ref}-inspection.pdf", content_type="application/pdf"
        )
        response["Cache-Control"] = "private, no-store"
        return response


class LotPhotoFileView(View):
    """A lot photo at the address `LotPhoto.image.url` gives it."""

    def get(self, request: HttpRequest, exporter_id: int, lot_id: int, filename: str) -> HttpResponseBase:
        name = f"lots/{exporter_id}/{lot_id}/{filename}"
        photo = lot_photo_named(lot_id=lot_id, name=name)
        if photo is None:
            raise Http404
        # Public photos are decided without reading the session, so their
        # responses do not vary by cookie and shared caches may keep them.
        if is_public_lot_photo(None, photo):
            cache_control = f"public, max-age={PHOTO_MAX_AGE}"
        elif request.user.has_perm("matchmaking.view_lotphoto", photo):
            cache_control = f"private, max-age={PHOTO_MAX_AGE}"
        else:
            raise Http404
        # Photos are in the default storage, which is on disk (settings.STORAGES).
        storage = cast(FileSystemStorage, photo.image.storage)
        response = serve(request, name, document_root=str(storage.location))
        response["Cache-Control"] = cache_control
        return response
