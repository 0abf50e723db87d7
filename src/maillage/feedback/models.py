"""What the feedback app stores, and how it keeps answers unlinkable from who gave them.

Participation and answers live apart:

- :class:`Invitation` says who was invited to rate which support actor, and whether they answered;
- :class:`Response` holds the ratings and :class:`Comment` the open comments, each with a random
  identifier, no timestamp, no link to the organisation or to its invitation, and only coarse facts
  about the respondent (its kind of organisation and borough) to slice the results;
- when a cycle closes, its responses and comments are written again in a random order with new
  identifiers, so that not even the order of the rows in the database follows the order of answering.

Results are read only from closed cycles: a figure that moved while the cycle was open would tell,
by difference, what the last organisation to answer said.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from maillage.common.i18n import Localized


class Cycle(models.Model):
    """A survey cycle: the field actors that received support in ``year`` rate each support actor."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("in preparation")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    slug = models.SlugField(_("identifier"), max_length=60, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(
        _("year of the support"), help_text=_("Support received this year (accepted requests and funding).")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    closes_on = models.DateField(_("planned closing date"), null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    is_demo = models.BooleanField(_("fictional (demo)"), default=False)

    class Meta:
        ordering = ["-year", "-created_at", "-id"]
        verbose_name = _("survey cycle")
        verbose_name_plural = _("survey cycles")

    name = Localized("name")

    def __str__(self) -> str:
        return self.name_fr


class Question(models.Model):
    """A question a steward added to one cycle, after the twelve common ones."""

    class Kind(models.TextChoices):
        SCALE = "scale", _("a rating from 1 to 7")
        TEXT = "text", _("an open comment")

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="questions")
    code = models.SlugField(max_length=40)
    kind = models.CharField(_("kind of answer"), max_length=10, choices=Kind.choices, default=Kind.SCALE)
    text_fr = models.CharField(_("question (French)"), max_length=300)
    text_en = models.CharField(_("question (English)"), max_length=300)
    low_fr = models.CharField(_("what 1 means (French)"), max_length=80, blank=True)
    low_en = models.CharField(_("what 1 means (English)"), max_length=80, blank=True)
    high_fr = models.CharField(_("what 7 means (French)"), max_length=80, blank=True)
    high_en = models.CharField(_("what 7 means (English)"), max_length=80, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["cycle", "code"], name="feedback_question_code_unique")]

    text = Localized("text")
    low = Localized("low")
    high = Localized("high")

    def __str__(self) -> str:
        return self.text_fr


class Invitation(models.Model):
    """Participation: an organisation is invited to rate a support actor it received support from.

    ``answered`` is all it records of the answer: not when, not which."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="invitations")
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.CASCADE, related_name="feedback_invitations"
    )
    subject = models.ForeignKey(
        "directory.Organisation", on_delete=models.CASCADE, related_name="feedback_invitations_about"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    basis = models.CharField(max_length=300, blank=True)  # what support: offers or funding, in French
    basis_en = models.CharField(max_length=300, blank=True)
    invited_at = models.DateTimeField(auto_now_add=True)
    answered = models.BooleanField(default=False)

    class Meta:
        ordering = ["cycle", "subject", "organisation"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "organisation", "subject"], name="feedback_invitation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.subject} ({self.cycle})"

    @property
    def support(self) -> str:
        """What support the invitation is about, in the active language."""
        from maillage.common.i18n import current_language

        return (self.basis_en or self.basis) if current_language() == "en" else self.basis


GROUPS = {  # kind of organisation → the broad group stored with an answer
    "community": "community",
    "collective": "community",
    "table": "community",
    "social_enterprise": "enterprise",
}
OTHER_GROUP = "other"


class Response(models.Model):
    """One organisation's ratings of one support actor: no link to who gave them, no time, no order."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="responses")
    subject = models.ForeignKey("directory.Organisation", on_delete=models.CASCADE, related_name="+")
    # The only thing known of who answered, to slice the results: a broad group of kinds of
    # organisation (GROUPS), never the kind itself, the territory or the amount received.
    respondent_group = models.CharField(max_length=20)
    answers = models.JSONField(default=dict)  # {question code: 1–7, or hours}

    class Meta:
        ordering = ["id"]  # random
        indexes = [models.Index(fields=["cycle", "subject"])]

    def __str__(self) -> str:
        return f"response about {self.subject_id}"


class Result(models.Model):
    """Participation in a closed cycle, per support actor, counted once when the cycle closes: how many
    organisations were invited and answered (never which), so that later changes to the directory
    cannot move the counts and tell, by difference, who had answered."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="results")
    subject = models.ForeignKey("directory.Organisation", on_delete=models.CASCADE, related_name="+")
    invited = models.PositiveIntegerField()
    answered = models.PositiveIntegerField()
    # Median hours applying and reporting of its respondents per $1,000 of its median grant that year
    # (from five answers), fixed at closing like the counts.
    hours_per_thousand = models.FloatField(null=True, blank=True)
    # How many organisations of each broad group were invited: a group of respondents is offered only
    # when every group counts five organisations invited or none, so that a refusal never points to one.
    groups_invited = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cycle", "subject"], name="feedback_result_unique")]

    def __str__(self) -> str:
        return f"{self.subject_id} in {self.cycle_id}: {self.answered}/{self.invited}"


class Comment(models.Model):
    """An open comment, kept apart from the ratings given with it; shown only once a steward has
    removed what could identify its author (the steward does not know who wrote it either)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("to review")
        PUBLISHED = "published", _("published")
        REJECTED = "rejected", _("not published")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="comments")
    subject = models.ForeignKey("directory.Organisation", on_delete=models.CASCADE, related_name="+")
    question = models.CharField(max_length=40)
    text = models.TextField(max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)

    class Meta:
        ordering = ["id"]  # random
        indexes = [models.Index(fields=["cycle", "subject", "status"])]

    def __str__(self) -> str:
        return f"comment about {self.subject_id}"


class PublicSummary(models.Model):
    """A support actor's choice to show its ratings on its offers' pages, and its public response."""

    organisation = models.OneToOneField(
        "directory.Organisation", on_delete=models.CASCADE, related_name="feedback_summary"
    )
    is_published = models.BooleanField(_("show a summary of our ratings on our offers' pages"), default=False)
    response_fr = models.TextField(_("our response (French)"), blank=True, max_length=2000)
    response_en = models.TextField(_("our response (English)"), blank=True, max_length=2000)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    response = Localized("response")

    def __str__(self) -> str:
        return f"summary of {self.organisation}"
