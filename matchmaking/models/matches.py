"""Proposals the matching engine makes, and the runs that make them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.jobs import Run
from matchmaking.models.lots import Lot
from matchmaking.models.needs import Need

if TYPE_CHECKING:
    from matchmaking.selectors.matches import MatchContacts


class MatchRun(Run):
    """One full matching run (incremental rescoring does not create runs)."""

    class Scope(models.TextChoices):
        SITE = "site", _("Whole site")

    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices, default=Scope.SITE)
    lots_count = models.PositiveIntegerField(_("lots"), default=0)
    needs_count = models.PositiveIntegerField(_("needs"), default=0)
    pairs_considered = models.BigIntegerField(_("pairs considered"), default=0)
    matches_kept = models.PositiveIntegerField(_("matches kept"), default=0)
    # Seconds spent loading, scoring and storing.
    timings = models.JSONField(_("timings"), default=dict, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)

    class Meta:
        verbose_name = _("matching run")
        verbose_name_plural = _("matching runs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress_pct__lte=100), name="match_run_progress_is_a_percentage"
            ),
        ]

    def __str__(self) -> str:
        return f"Matching run {self.pk} ({self.status})"


class Match(models.Model):
    """A lot proposed for a need (one of the need's top K), or a pair someone
    answered, with the score and each side's interest. Unique per (lot, need)
    so reruns update rather than duplicate.

    A lot's best needs are not stored: at 100,000 lots they would be well over
    a million rows to rewrite on every run, and the engine ranks one lot's
    needs in about a millisecond, so the exporter's page asks it live
    (selectors.proposals.lot_proposals); a row appears once someone answers.
    Reasons are not stored either: pages explain the few pairs they show."""

    class Interest(models.TextChoices):
        NONE = "", _("Not yet")
        YES = "yes", _("Interested")
        NO = "no", _("Not interested")

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        MUTUAL = "mutual", _("Mutual interest")
        DISMISSED = "dismissed", _("Dismissed")
        STALE = "stale", _("No longer matches")

    # No single-column indexes on the keys: the unique (lot, need) and the
    # need's rank index lead with them, and every index slows a full run.
    lot = models.ForeignKey(
        Lot, on_delete=models.CASCADE, related_name="matches", verbose_name=_("lot"), db_index=False
    )
    need = models.ForeignKey(
        Need, on_delete=models.CASCADE, related_name="matches", verbose_name=_("need"), db_index=False
    )
    score = models.FloatField(_("score"))
    rank_for_need = models.PositiveSmallIntegerField(_("rank for the need"), null=True, blank=True)
    exporter_interest = models.CharField(
        _("exporter's interest"), max_length=3, choices=Interest.choices, default=Interest.NONE, blank=True
    )
    buyer_interest = models.CharField(
        _("buyer's interest"), max_length=3, choices=Interest.choices, default=Interest.NONE, blank=True
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PROPOSED)
    # Why a match that someone cared about no longer holds: {"reason": …, "params": …}.
    stale_reason = models.JSONField(_("why it no longer matches"), default=dict, blank=True)
    run = models.ForeignKey(
        MatchRun,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="matches",
        verbose_name=_("matching run"),
        # Runs are history and never deleted in use; no index to keep current.
        db_index=False,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    mutual_at = models.DateTimeField(_("mutual since"), null=True, blank=True)
    # Both sides hear of mutual interest once per match, even if one side
    # takes its "yes" back and gives it again.
    mutual_notified_at = models.DateTimeField(_("mutual interest emailed"), null=True, blank=True)

    # Not stored: set on the matches a page shows (selectors.proposals, views.matches).
    explanation: list[dict[str, Any]]
    rank_for_lot: int | None
    contacts: MatchContacts | None

    class Meta:
        # Translators: a lot the matching engine proposes for a buyer's need, with a score.
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        ordering = ["need", "rank_for_need", "-score", "lot_id"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "need"], name="match_unique_lot_need"),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=100), name="match_score_0_to_100"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["proposed", "mutual", "dismissed", "stale"]), name="match_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state="mutual") | (Q(exporter_interest="yes") & Q(buyer_interest="yes")),
                name="match_mutual_needs_both_yes",
            ),
        ]
        indexes = [
            models.Index(fields=["need", "state", "rank_for_need"], name="match_need_rank_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.lot_id} ↔ {self.need_id} ({self.score:.0f})"

    @property
    def has_interest(self) -> bool:
        return bool(self.exporter_interest or self.buyer_interest)
