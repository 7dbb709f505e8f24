"""A request that cannot get the database in time is answered "busy, try
again" (503) instead of an error page. Its transaction (ATOMIC_REQUESTS) was
rolled back, so nothing of it was saved and sending it again is safe."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# PostgreSQL's "try again" errors: serialization failure, deadlock detected,
# lock not available (a lock_timeout ran out).
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
# SQLite's, once its busy timeout has run out.
_SQLITE_BUSY = ("database is locked", "database table is locked")

# Seconds a browser or script is told to wait before sending again.
RETRY_AFTER = 5


def database_was_busy(error: BaseException) -> bool:
    if not isinstance(error, OperationalError):
        return False
    if getattr(error.__cause__, "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return True
    return str(error) in _SQLITE_BUSY


class DatabaseBusyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not database_was_busy(exception):
            return None
        logger.warning("Database busy, answered 503: %s %s (%s)", request.method, request.path, exception)
        if getattr(request, "htmx", False):
            # htmx swaps nothing on an error; static/js/app.js shows this text.
            response = HttpResponse(busy_message(), status=503, content_type="text/plain; charset=utf-8")
        else:
            response = render(request, "503.html", {"message": busy_message()}, status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        return response


def busy_message() -> str:
    return _(
        "Many people are saving at the same moment and yours could not wait any longer. "
        "Nothing was saved: please send it again."
    )
