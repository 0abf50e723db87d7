"""What an offer covers and whom it accepts: declarative data that support actors edit.

``OfferCover`` says how much of a framework element's need one unit of an offer covers (the
allocation format's ``covers``). ``EligibilityRule`` is one condition of an offer (see
:mod:`maillage.core.eligibility`); an offer's rules must all hold.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from maillage.directory.models import SupportOffer


class OfferCover(models.Model):
    offer = models.ForeignKey(SupportOffer, on_delete=models.CASCADE, related_name="covers")
    element = models.CharField(_("success condition"), max_length=80)
    strength = models.FloatField(
        _("how much of the need it covers (0–1)"),
        validators=[MinValueValidator(0.01), MaxValueValidator(1.0)],
        help_text=_("1: one unit of the offer covers the whole need; 0.5: half of it."),
    )

    class Meta:
        verbose_name = _("need covered")
        verbose_name_plural = _("needs covered")
        constraints = [
            models.UniqueConstraint(
                fields=["offer", "element"],
                name="offer_cover_unique",
                violation_error_message=_("This condition is already listed for the offer."),
                violation_error_code="cover_exists",
            ),
            models.CheckConstraint(
                condition=Q(strength__gt=0, strength__lte=1),
                name="offer_cover_strength_range",
                violation_error_message=_("The share covered is above 0 and at most 1."),
                violation_error_code="strength_invalid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offer} → {self.element} ({self.strength:g})"


class EligibilityRule(models.Model):
    class Kind(models.TextChoices):
        TERRITORY = "territory", _("Territory")
        SECTOR = "sector", _("Sector")
        POPULATION = "population", _("Population served")
        STAGE = "stage", _("Stage of the initiative")
        LEGAL_STATUS = "legal_status", _("Legal status")
        BUDGET_RANGE = "budget_range", _("Annual budget")
        LANGUAGE = "language", _("Language")
        ORGANISATION_AGE = "organisation_age", _("Age of the organisation")

    offer = models.ForeignKey(SupportOffer, on_delete=models.CASCADE, related_name="eligibility_rules")
    kind = models.CharField(_("the rule looks at"), max_length=20, choices=Kind.choices)
    values = models.JSONField(_("values"), default=list, blank=True)
    negate = models.BooleanField(
        _("excludes these values"), default=False, help_text=_("Ticked: the offer is for everyone except these.")
    )
    minimum_years = models.PositiveSmallIntegerField(_("at least (years)"), null=True, blank=True)
    maximum_years = models.PositiveSmallIntegerField(_("at most (years)"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    source = models.CharField(
        _("where the official text says it"),
        max_length=300,
        blank=True,
        help_text=_("A section of the programme's guide, or the address of its page."),
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_demo = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("eligibility rule")
        verbose_name_plural = _("eligibility rules")
        ordering = ["offer_id", "position", "id"]

    def __str__(self) -> str:
        return f"{self.offer} · {self.get_kind_display()}"


class SupportRequest(models.Model):
    """An initiative asks a support actor for one of its offers; the support actor answers."""

    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        REFERRED = "referred", _("Referred to another offer")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    initiative = models.ForeignKey(
        "directory.Initiative", on_delete=models.CASCADE, related_name="support_requests", verbose_name=_("initiative")
    )
    offer = models.ForeignKey(SupportOffer, on_delete=models.CASCADE, related_name="requests", verbose_name=_("offer"))
    diagnostic = models.ForeignKey(
        "diagnostics.Diagnostic",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="support_requests",
        verbose_name=_("diagnostic shared"),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SENT)
    message = models.TextField(_("message"), blank=True, max_length=3000)
    answer = models.TextField(_("answer"), blank=True, max_length=3000)
    referred_offer = models.ForeignKey(
        SupportOffer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("offer referred to"),
    )
    amount = models.DecimalField(_("amount granted ($)"), max_digits=12, decimal_places=2, null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    answered_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    is_demo = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("request for support")
        verbose_name_plural = _("requests for support")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "offer"],
                condition=Q(status="sent"),
                name="request_one_open_per_offer",
                violation_error_message=_("This initiative already has a request waiting for this offer."),
                violation_error_code="request_exists",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative} → {self.offer} ({self.get_status_display()})"


class Notification(models.Model):
    """Something that happened for a person, shown in the app (and sent by e-mail)."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="notifications")
    text_fr = models.TextField()
    text_en = models.TextField()
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.text_en
