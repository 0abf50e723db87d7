"""What the analytics app stores: network metrics, computed once per state of the data and filters.

A small graph is computed during the request; a large one (more than ``INLINE_RELATIONS`` relations)
by the background worker, while the page shows its progress. Either way the result is stored here, so
that every web process and the next visitors read it instead of computing it again."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class NetworkRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting for a worker")
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("done")
        FAILED = "failed", _("failed")

    key = models.CharField(max_length=64, unique=True, help_text="Filters and data fingerprint, hashed.")
    filters = models.JSONField(default=dict)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    task_id = models.CharField(max_length=64, blank=True)
    stage = models.CharField(max_length=20, blank=True)
    progress = models.FloatField(default=0.0)
    created_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)  # the summary the page shows
    nodes = models.JSONField(null=True, blank=True)  # every organisation's figures, for the CSV file only
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="succeeded") | models.Q(result__isnull=True),
                name="network_result_only_when_done",
            )
        ]

    def __str__(self) -> str:
        return f"network {self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def progress_pct(self) -> float:
        return round(100 * self.progress, 1)


class SynergyContact(models.Model):
    """A message from one organisation to another that Maillage found could work together."""

    sender = models.ForeignKey("directory.Organisation", on_delete=models.CASCADE, related_name="synergy_messages_sent")
    recipient = models.ForeignKey(
        "directory.Organisation", on_delete=models.CASCADE, related_name="synergy_messages_received"
    )
    author = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    message = models.TextField(_("message"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["sender", "recipient", "created_at"])]

    def __str__(self) -> str:
        return f"{self.sender} → {self.recipient}"
