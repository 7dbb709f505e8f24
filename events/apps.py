from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events and meetings")

    def ready(self) -> None:
        # Matchmaking sits below events and does not import it: events listens.
        from events.selectors import exporter_meetings_held  # noqa: PLC0415 - apps load before their modules are imported
        from events.services.meetings import meetings_request_on_mutual  # noqa: PLC0415 - apps load before their modules are imported
        from matchmaking import hooks  # noqa: PLC0415 - apps load before their modules are imported
        from matchmaking.signals import match_turned_mutual  # noqa: PLC0415 - apps load before their modules are imported

        match_turned_mutual.connect(
            meetings_request_on_mutual, dispatch_uid="events.meetings_request_on_mutual"
        )
        # Buyers read an exporter's meetings held on its lots' pages.
        if exporter_meetings_held not in hooks.exporter_profile_counts:
            hooks.exporter_profile_counts.append(exporter_meetings_held)
