from typing import Any

from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from accounts.views.language import language_switch
from deals.views.home import DashboardView
from matchmaking.views.files import LotPhotoFileView


class FaviconView(RedirectView):
    permanent = True

    def get_redirect_url(self, *args: Any, **kwargs: Any) -> str:
        # At request time: the static files' manifest names the hashed file.
        return static("favicon.svg")


urlpatterns = [
    # A company's home page reads every app, so it is routed here, above them.
    path("dashboard/", DashboardView.as_view(), name="dashboard"),
    path("", include("accounts.urls")),
    path("", include("matchmaking.urls")),
    path("", include("conversations.urls")),
    path("", include("events.urls")),
    path("", include("deals.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", language_switch, name="set_language"),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", FaviconView.as_view()),
    # Nothing else under MEDIA_URL is served: private files have views of
    # their own that check permission (an import's is /imports/<id>/file/).
    path(
        f"{settings.MEDIA_URL.strip('/')}/lots/<int:exporter_id>/<int:lot_id>/<str:filename>",
        LotPhotoFileView.as_view(),
        name="lot_photo_file",
    ),
]
