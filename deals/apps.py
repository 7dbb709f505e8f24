from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealsConfig(AppConfig):
    name = "deals"
    verbose_name = _("Deals")

    def ready(self) -> None:
        # Matchmaking's lot page shows its exporter the deals drawing on the lot;
        # matchmaking sits below deals, so deals adds them.
        from deals.selectors import exporter_confirmed_deals, lot_page_deals  # noqa: PLC0415 - apps load before their modules are imported
        from matchmaking import hooks  # noqa: PLC0415 - apps load before their modules are imported

        if lot_page_deals not in hooks.lot_page_context:
            hooks.lot_page_context.append(lot_page_deals)
        # And buyers read the exporter's confirmed deals on its lots' pages.
        if exporter_confirmed_deals not in hooks.exporter_profile_counts:
            hooks.exporter_profile_counts.append(exporter_confirmed_deals)
