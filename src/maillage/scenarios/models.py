"""What-if scenarios of the ecosystem allocation and their runs.

A ``Scenario`` is a set of changes to the ecosystem as it is (``changes``, a ``maillage-scenario/1``
document, plus two additions the pages make: ``relax`` lifts rules of an offer by kind, and a new offer
may accept ``eligible_like`` another). A ``Run`` solves it in the background and keeps, once it has
succeeded, the instance solved, the result and its summary: written together, never half.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from maillage.directory.models import Organisation


class Scenario(models.Model):
    slug = models.SlugField(_("identifier"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what it asks"), blank=True, max_length=3000)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="scenarios",
        verbose_name=_("support actor"),
        help_text=_("Empty: a scenario of the stewards, which may change every offer."),
    )
    is_shared = models.BooleanField(
        _("shared with every signed-in person"),
        default=False,
        help_text=_("Initiatives then see their own advised basket, and providers the advice for their offers."),
    )
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    equity_share = models.FloatField(
        _("minimum share of each territory's need to cover"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0.01), MaxValueValidator(1.0)],
    )
    time_limit = models.PositiveSmallIntegerField(
        _("time limit (seconds)"), default=10, validators=[MinValueValidator(2), MaxValueValidator(120)]
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    is_demo = models.BooleanField(_("fictional demo data"), default=False)

    class Meta:
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(equity_share__isnull=True) | Q(equity_share__gt=0, equity_share__lte=1),
                name="scenario_equity_share_range",
            ),
            models.CheckConstraint(condition=Q(time_limit__gte=2, time_limit__lte=120), name="scenario_time_range"),
        ]

    def __str__(self) -> str:
        return self.title


class Run(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Done")
        FAILED = "failed", _("Failed")

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    task_id = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    time_limit = models.FloatField()
    progress = models.JSONField(default=dict, blank=True)  # phase, elapsed, value, bound
    error = models.JSONField(default=dict, blank=True)  # code, fr, en, problems
    instance = models.JSONField(null=True, blank=True)  # maillage-allocation/1, as solved
    result = models.JSONField(null=True, blank=True)  # maillage-allocation-result/1
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("run")
        verbose_name_plural = _("runs")
        ordering = ["-queued_at", "-id"]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]
        constraints = [
            # Results are written with the status, in one transaction: a run has both or neither.
            models.CheckConstraint(
                condition=Q(status="succeeded", result__isnull=False, instance__isnull=False)
                | (~Q(status="succeeded") & Q(result__isnull=True)),
                name="run_result_only_when_succeeded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scenario} · {self.get_status_display()}"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class Invitation(models.Model):
    """A support actor invited an initiative to apply to an offer, from a run's advice."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="invitations")
    offer = models.ForeignKey("directory.SupportOffer", on_delete=models.CASCADE, related_name="+")
    initiative = models.ForeignKey("directory.Initiative", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("invitation to apply")
        verbose_name_plural = _("invitations to apply")
        constraints = [
            models.UniqueConstraint(fields=["offer", "initiative", "run"], name="invitation_once_per_run"),
        ]

    def __str__(self) -> str:
        return f"{self.offer} → {self.initiative}"
