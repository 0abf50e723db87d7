"""The success-conditions framework (versioned), the scoring parameters, and the self-diagnostics.

A published framework is immutable: its validated document is stored as JSON and read
through :func:`maillage.diagnostics.selectors.framework_of` as a
:class:`maillage.core.framework.Framework`. A diagnostic stays tied to the version it was
started with. Scoring happens in :mod:`maillage.core.scoring`; a submitted diagnostic keeps
its result (and the parameters used) so that what an initiative read never changes behind it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from maillage.common.i18n import Localized
from maillage.directory.models import Initiative, Organisation, Population, SupportType, Territory


class Framework(models.Model):
    slug = models.SlugField(_("identifier"), max_length=80)
    version = models.CharField(_("version"), max_length=40)
    valid_from = models.DateField(_("valid from"))
    title_fr = models.CharField(_("title (French)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    document = models.JSONField(_("framework (maillage-framework/1)"), editable=False)
    source_text = models.TextField(_("file as published"), editable=False)
    note = models.TextField(_("what changed"), blank=True)
    published_at = models.DateTimeField(_("published"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )

    title = Localized("title")

    class Meta:
        verbose_name = _("success-conditions framework")
        verbose_name_plural = _("success-conditions frameworks")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug", "version"],
                name="framework_version_unique",
                violation_error_message=_("This version of the framework is already published."),
                violation_error_code="framework_version_exists",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.version})"


class ScoringSettings(models.Model):
    """The scoring formula's parameters; each change is a new row, the latest one applies."""

    target = models.FloatField(_("target score (1–5)"), default=4.0)
    equity_boost = models.FloatField(_("equity boost (β)"), default=0.5)
    low_income_weight = models.FloatField(_("weight of low income"), default=0.4)
    material_deprivation_weight = models.FloatField(_("weight of material deprivation"), default=0.3)
    priority_zone_weight = models.FloatField(_("weight of priority zones"), default=0.3)
    low_income_reference = models.FloatField(_("reference share of low income (%)"), default=25.0)
    material_deprivation_reference = models.FloatField(_("reference share of material deprivation (%)"), default=80.0)
    priority_zone_reference = models.FloatField(_("reference share in priority zones (%)"), default=60.0)
    changed_at = models.DateTimeField(_("changed"), auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    PARAMETERS = (
        "target",
        "equity_boost",
        "low_income_weight",
        "material_deprivation_weight",
        "priority_zone_weight",
        "low_income_reference",
        "material_deprivation_reference",
        "priority_zone_reference",
    )

    class Meta:
        verbose_name = _("scoring parameters")
        verbose_name_plural = _("scoring parameters")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} ({self.changed_at:%Y-%m-%d})" if self.changed_at else "—"


class Diagnostic(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("In progress")
        SUBMITTED = "submitted", _("Submitted")

    class TeamSize(models.TextChoices):
        VOLUNTEERS = "volunteers", _("Volunteers only")
        SMALL = "1-4", _("1 to 4 paid people")
        MEDIUM = "5-19", _("5 to 19 paid people")
        LARGE = "20+", _("20 paid people or more")

    class Horizon(models.TextChoices):
        ONE_YEAR = "1y", _("The coming year")
        THREE_YEARS = "2-3y", _("Two to three years")
        LONGER = "4y+", _("Four years or more")

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="diagnostics")
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="diagnostics")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    is_demo = models.BooleanField(_("fictional demo data"), default=False, db_index=True)
    # Context
    stage = models.CharField(_("stage"), max_length=20, choices=Initiative.Stage.choices, blank=True)
    team_size = models.CharField(_("team"), max_length=12, choices=TeamSize.choices, blank=True)
    budget_range = models.CharField(
        _("annual budget of the initiative"), max_length=20, choices=Organisation.BudgetRange.choices, blank=True
    )
    territories = models.ManyToManyField(Territory, related_name="+", blank=True, verbose_name=_("territories"))
    populations = models.ManyToManyField(Population, related_name="+", blank=True, verbose_name=_("populations served"))
    # Answers: {"<element>.<question>": 1–5, or null for "not applicable"}; importance: {"<element>": 1–3}
    answers = models.JSONField(default=dict, blank=True)
    importance = models.JSONField(default=dict, blank=True)
    # Aspirations
    wanted_support_types = models.ManyToManyField(
        SupportType, related_name="+", blank=True, verbose_name=_("support wanted")
    )
    max_reporting_hours = models.PositiveIntegerField(
        _("reporting hours a year, at most"),
        null=True,
        blank=True,
        help_text=_("All the reports for all your support together, in hours a year."),
    )
    horizon = models.CharField(_("horizon"), max_length=8, choices=Horizon.choices, blank=True)
    # Result (maillage.core.scoring.DiagnosticResult.as_dict), set on submission
    result = models.JSONField(null=True, blank=True, editable=False)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("saved"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    class Meta:
        verbose_name = _("self-diagnostic")
        verbose_name_plural = _("self-diagnostics")
        ordering = [F("submitted_at").desc(nulls_first=True), "-created_at", "-id"]  # drafts first everywhere
        constraints = [
            models.UniqueConstraint(
                fields=["initiative"],
                condition=Q(status="draft"),
                name="diagnostic_one_draft_per_initiative",
                violation_error_message=_("This initiative already has a diagnostic in progress."),
                violation_error_code="diagnostic_draft_exists",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | (Q(result__isnull=False) & Q(submitted_at__isnull=False)),
                name="diagnostic_submitted_has_result",
            ),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.initiative} · {self.get_status_display()}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class DiagnosticShare(models.Model):
    """The initiative's team lets a support actor read one of its diagnostics."""

    diagnostic = models.ForeignKey(Diagnostic, on_delete=models.CASCADE, related_name="shares")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="shared_diagnostics", verbose_name=_("shared with")
    )
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("shared"), auto_now_add=True)

    class Meta:
        verbose_name = _("shared diagnostic")
        verbose_name_plural = _("shared diagnostics")
        constraints = [
            models.UniqueConstraint(
                fields=["diagnostic", "organisation"],
                name="diagnostic_share_unique",
                violation_error_message=_("The diagnostic is already shared with this organisation."),
                violation_error_code="already_shared",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.diagnostic} → {self.organisation}"


class ElementScore(models.Model):
    """One element of a submitted diagnostic's result, as a row: what the ecosystem's aggregates,
    analytics and allocation read in SQL (the full result stays in ``Diagnostic.result``)."""

    diagnostic = models.ForeignKey(Diagnostic, on_delete=models.CASCADE, related_name="element_scores")
    element = models.CharField(_("element"), max_length=80)
    level = models.CharField(_("level"), max_length=80)
    score = models.FloatField(_("score (1–5)"), null=True, blank=True)
    gap = models.FloatField(_("gap to the target (0–1)"))
    importance = models.PositiveSmallIntegerField(_("importance (1–3)"))
    need = models.FloatField(_("weight of the need"))

    class Meta:
        verbose_name = _("element score")
        verbose_name_plural = _("element scores")
        constraints = [
            models.UniqueConstraint(fields=["diagnostic", "element"], name="element_score_unique"),
        ]
        indexes = [models.Index(fields=["element", "diagnostic"])]

    def __str__(self) -> str:
        return f"{self.diagnostic_id} · {self.element}"

    @classmethod
    def rows_of(cls, diagnostic: Diagnostic, result: dict[str, Any]) -> list[ElementScore]:
        return [
            cls(
                diagnostic=diagnostic,
                element=e["element"],
                level=e["level"],
                score=e["score"],
                gap=e["gap"],
                importance=e["importance"],
                need=e["need"],
            )
            for e in result["elements"]
        ]
