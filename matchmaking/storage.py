"""Where uploaded files that only their company may read are kept.

Lot photos live in MEDIA_ROOT and are served by a view that applies the lot's
visibility. Import spreadsheets (and, later, attachments) live in
PRIVATE_MEDIA_ROOT instead: outside MEDIA_ROOT, so no web server told to
publish /media/ can hand them out, and without any URL of their own. Views
that check the user's organisation stream them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.functional import cached_property


class PrivateFileStorage(FileSystemStorage):
    """Files under PRIVATE_MEDIA_ROOT; asking for their URL is an error."""

    # Set by FileSystemStorage.__init__ (the stubs leave it out).
    _location: str | None

    @cached_property
    def base_location(self) -> str:
        location: str = self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)
        return location

    # None, where the stubs say str: FileSystemStorage.url() refuses to build
    # a URL without a base.
    @cached_property
    def base_url(self) -> None:  # type: ignore[override]
        return None

    def _clear_cached_properties(self, setting: str, **kwargs: Any) -> None:
        # setting_changed sends every setting; the stubs list the four Django acts on.
        super()._clear_cached_properties(setting, **kwargs)  # type: ignore[arg-type]
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)


def private_storage() -> Storage:
    """The storage configured as STORAGES["private"] (a callable, so a
    deployment can swap it without a migration)."""
    return storages["private"]
