"""What the open data app stores: where each imported record comes from, and the imports themselves.

A :class:`SourceRecord` keeps the identifiers a standard's file gave a record (its HSDS UUID, its 360Giving
identifier, its row in a CSV file) and the address its publisher gave it. Re-importing the same file finds the
same records through them, and exports give them back unchanged, so that a record keeps its identity from
one system to the next.

An :class:`ImportRun` is one upload by a steward: the file kept until the import ends, its dry run's report,
its progress while the worker reads it, and the outcome.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Standard(models.TextChoices):
    HSDS = "hsds", _("Open Referral HSDS 3")
    GIVING = "360giving", _("360Giving")
    CSV = "csv", _("Maillage CSV template")


class ImportRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting for a worker")
        RUNNING = "running", _("running")
        CHECKED = "checked", _("checked, ready to import")
        REJECTED = "rejected", _("rejected: nothing was written")
        IMPORTED = "imported", _("imported")
        FAILED = "failed", _("failed: nothing was written")

    standard = models.CharField(_("standard"), max_length=12, choices=Standard.choices)
    file_name = models.CharField(_("file"), max_length=255)
    stored_path = models.CharField(max_length=500, blank=True, help_text="The upload, under MEDIA_ROOT/imports.")
    source_label = models.CharField(_("source"), max_length=200)
    language = models.CharField(max_length=8, default="fr")
    dry_run = models.BooleanField(default=True)
    demo = models.BooleanField(_("fictional demo data"), default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    task_id = models.CharField(max_length=64, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    report = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"import {self.pk} {self.file_name} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class SourceRecord(models.Model):
    """The identifier a standard's file gave one of Maillage's records, and where that file came from."""

    class Kind(models.TextChoices):
        ORGANISATION = "organisation", _("organisation")
        OFFER = "offer", _("support offer")
        GRANT = "grant", _("grant")

    standard = models.CharField(max_length=12, choices=Standard.choices)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    identifier = models.CharField(max_length=255)
    uri = models.CharField(max_length=500, blank=True, help_text="The record's address, as its publisher gave it.")
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="source_records"
    )
    offer = models.ForeignKey(
        "directory.SupportOffer", on_delete=models.CASCADE, null=True, blank=True, related_name="source_records"
    )
    relation = models.ForeignKey(
        "directory.Relation", on_delete=models.CASCADE, null=True, blank=True, related_name="source_records"
    )
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, help_text="A grant's amount, as its file gave it."
    )
    file_name = models.CharField(max_length=255)
    source_label = models.CharField(max_length=200)
    run = models.ForeignKey(ImportRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("source of an imported record")
        verbose_name_plural = _("sources of imported records")
        constraints = [
            models.UniqueConstraint(fields=["standard", "kind", "identifier"], name="source_record_unique"),
            models.CheckConstraint(
                condition=(
                    Q(kind="organisation", organisation__isnull=False, offer__isnull=True, relation__isnull=True)
                    | Q(kind="offer", offer__isnull=False, organisation__isnull=True, relation__isnull=True)
                    | Q(kind="grant", relation__isnull=False, organisation__isnull=True, offer__isnull=True)
                ),
                name="source_record_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.standard} {self.kind} {self.identifier}"
