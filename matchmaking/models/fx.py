"""What each currency is worth in yuan, day by day; organisers keep it current."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from matchmaking.choices import CURRENCY_CHOICES


class FxRate(models.Model):
    """How many yuan one unit of a currency was worth on a date."""

    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    date = models.DateField(_("date"))
    rate_to_cny = models.DecimalField(
        _("rate to CNY"),
        max_digits=18,
        decimal_places=8,
        validators=[MinValueValidator(0)],
        help_text=_("Yuan for one unit of the currency."),
    )

    class Meta:
        verbose_name = _("FX rate")
        verbose_name_plural = _("FX rates")
        ordering = ["currency", "-date"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "date"], name="fx_rate_one_per_currency_and_day"),
            models.CheckConstraint(condition=Q(rate_to_cny__gt=0), name="fx_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.date}: {self.rate_to_cny} CNY"
