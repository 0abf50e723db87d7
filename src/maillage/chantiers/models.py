"""What a chantier stores: a precise change to achieve, together.

- :class:`Chantier`: the change (what, for whom, where, by when), public or private.
- :class:`Participant`: an organisation taking part, with its sector, its role and whether it holds a seat
  in the chantier's decisions; :class:`Commitment`: what it commits (money, staff time, spaces, data,
  decisions).
- :class:`Invitation`: a participant invites another organisation; one of its administrators accepts.
- :class:`ChantierIndicator` and :class:`Measurement`: the indicators that will tell, with baseline and
  target, chosen from the adopted collective indicators or defined for the chantier, and their values.
- :class:`Action`: the shared action plan; :class:`JournalEntry`: meetings and decisions.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from maillage.common.i18n import Localized, localized


class Sector(models.TextChoices):
    PUBLIC = "public", pgettext_lazy("sector", "Public")
    PHILANTHROPIC = "philanthropic", pgettext_lazy("sector", "Philanthropic and private")
    COMMUNITY = "community", pgettext_lazy("sector", "Community")


#: The sector an organisation belongs to by default, from its kind (a participant may say otherwise).
SECTOR_OF_KIND = {
    "public_body": Sector.PUBLIC,
    "research": Sector.PUBLIC,
    "foundation": Sector.PHILANTHROPIC,
    "federated_funder": Sector.PHILANTHROPIC,
    "lender": Sector.PHILANTHROPIC,
    "incubator": Sector.PHILANTHROPIC,
    "community": Sector.COMMUNITY,
    "social_enterprise": Sector.COMMUNITY,
    "collective": Sector.COMMUNITY,
    "table": Sector.COMMUNITY,
    "network": Sector.COMMUNITY,
    "other": Sector.COMMUNITY,
}


class Chantier(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public: everyone sees it")
        PRIVATE = "private", _("Private: its participants only")

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("chantier", "under way")
        ACHIEVED = "achieved", pgettext_lazy("chantier", "achieved")
        STOPPED = "stopped", pgettext_lazy("chantier", "stopped")

    slug = models.SlugField(_("identifier"), max_length=80, unique=True)
    title_fr = models.CharField(_("the change to achieve (French)"), max_length=200)
    title_en = models.CharField(_("the change to achieve (English)"), max_length=200, blank=True)
    whom_fr = models.CharField(_("for whom (French)"), max_length=300, blank=True)
    whom_en = models.CharField(_("for whom (English)"), max_length=300, blank=True)
    description_fr = models.TextField(_("why, and how (French)"), blank=True, max_length=4000)
    description_en = models.TextField(_("why, and how (English)"), blank=True, max_length=4000)
    territory = models.ForeignKey(
        "directory.Territory", on_delete=models.PROTECT, related_name="chantiers", verbose_name=_("where")
    )
    due_on = models.DateField(_("by when"), null=True, blank=True)
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    scenario = models.ForeignKey(
        "scenarios.Scenario",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="chantiers",
        verbose_name=_("pooled-fund scenario"),
    )
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    is_demo = models.BooleanField(_("fictional (demo)"), default=False)

    title = Localized("title")
    whom = Localized("whom")
    description = Localized("description")

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("chantier")
        verbose_name_plural = _("chantiers")
        constraints = [models.CheckConstraint(condition=~Q(title_fr=""), name="chantier_title_fr_required")]

    def __str__(self) -> str:
        return str(self.title)

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC


class Participant(models.Model):
    class Role(models.TextChoices):
        BACKBONE = "backbone", pgettext_lazy("chantier", "Backbone")
        FUNDER = "funder", pgettext_lazy("chantier", "Funder")
        LEAD = "lead", pgettext_lazy("chantier", "Lead")
        PARTNER = "partner", pgettext_lazy("chantier", "Partner")
        CONTRIBUTOR = "contributor", pgettext_lazy("chantier", "Contributor")

    chantier = models.ForeignKey(Chantier, on_delete=models.CASCADE, related_name="participants")
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.CASCADE, related_name="chantier_participations"
    )
    sector = models.CharField(_("sector"), max_length=15, choices=Sector.choices)
    role = models.CharField(_("role"), max_length=15, choices=Role.choices)
    decides = models.BooleanField(
        _("holds a decision seat"),
        default=False,
        help_text=_("Takes part in the chantier's decisions (a vote or a seat where they are made)."),
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["chantier", "id"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(
                fields=["chantier", "organisation"],
                name="participant_once",
                violation_error_message=_("This organisation already takes part."),
                violation_error_code="participant_exists",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.get_role_display()}"

    @property
    def coordinates(self) -> bool:
        """Backbones and leads edit the chantier, its indicators and its plan."""
        return self.role in (self.Role.BACKBONE, self.Role.LEAD)


class Commitment(models.Model):
    class Kind(models.TextChoices):
        MONEY = "money", _("Money")
        STAFF_TIME = "staff_time", _("Staff time")
        SPACE = "space", _("Spaces")
        DATA = "data", _("Data")
        DECISIONS = "decisions", _("Decisions")

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="commitments")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    amount = models.DecimalField(_("amount ($)"), max_digits=12, decimal_places=2, null=True, blank=True)
    hours = models.PositiveIntegerField(_("staff hours"), null=True, blank=True)
    description_fr = models.CharField(_("what (French)"), max_length=300, blank=True)
    description_en = models.CharField(_("what (English)"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    description = Localized("description")

    class Meta:
        ordering = ["participant", "kind", "id"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="money") | Q(amount__isnull=False, amount__gt=0),
                name="commitment_money_has_amount",
                violation_error_message=_("A commitment of money needs an amount above zero."),
                violation_error_code="amount_missing",
            ),
            models.CheckConstraint(
                condition=~Q(kind="staff_time") | Q(hours__isnull=False, hours__gt=0),
                name="commitment_time_has_hours",
                violation_error_message=_("A commitment of staff time needs a number of hours."),
                violation_error_code="hours_missing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} · {self.get_kind_display()}"


class Invitation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for an answer")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        CANCELLED = "cancelled", _("withdrawn")

    chantier = models.ForeignKey(Chantier, on_delete=models.CASCADE, related_name="invitations")
    organisation = models.ForeignKey("directory.Organisation", on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("proposed role"), max_length=15, choices=Participant.Role.choices)
    message = models.CharField(_("message"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    invited_by = models.ForeignKey(
        "directory.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["chantier", "organisation"],
                condition=Q(status="pending"),
                name="invitation_pending_once",
                violation_error_message=_("This organisation is already invited."),
                violation_error_code="invitation_exists",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.chantier}"


class ChantierIndicator(models.Model):
    """An indicator that will tell whether the change happens: an adopted collective indicator, or one
    defined for the chantier; with its baseline and target."""

    chantier = models.ForeignKey(Chantier, on_delete=models.CASCADE, related_name="indicators")
    indicator = models.ForeignKey(
        "collective.Indicator",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="chantiers",
        verbose_name=_("collective indicator"),
    )
    name_fr = models.CharField(_("name (French)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    unit_fr = models.CharField(_("unit (French)"), max_length=60, blank=True)
    unit_en = models.CharField(_("unit (English)"), max_length=60, blank=True)
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    baseline = models.FloatField(_("baseline"), null=True, blank=True)
    baseline_on = models.DateField(_("baseline measured on"), null=True, blank=True)
    target = models.FloatField(_("target"), null=True, blank=True)
    target_on = models.DateField(_("target date"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["chantier", "position", "id"]
        verbose_name = _("chantier indicator")
        verbose_name_plural = _("chantier indicators")
        constraints = [
            models.CheckConstraint(
                condition=Q(indicator__isnull=False) | ~Q(name_fr=""),
                name="chantier_indicator_named",
                violation_error_message=_("Choose a collective indicator or name a new one."),
                violation_error_code="indicator_missing",
            ),
        ]

    def __str__(self) -> str:
        return str(self.name)

    @property
    def name(self) -> str:
        """The collective indicator's name while it exists (the copy taken when it was chosen otherwise)."""
        if self.indicator_id:
            return str(self.indicator.name)  # type: ignore[union-attr]
        return localized(self, "name")

    @property
    def unit(self) -> str:
        if self.indicator_id:
            from maillage.collective.measures import unit_of

            return str(unit_of(self.indicator))
        return localized(self, "unit")


class Measurement(models.Model):
    indicator = models.ForeignKey(ChantierIndicator, on_delete=models.CASCADE, related_name="measurements")
    measured_on = models.DateField(_("date"))
    value = models.FloatField(_("value"))
    source = models.CharField(_("source"), max_length=300)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["indicator", "measured_on"]
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "measured_on"],
                name="measurement_once_a_day",
                violation_error_message=_("This indicator already has a value on this date."),
                violation_error_code="measurement_exists",
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.measured_on}: {self.value}"


class Action(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", pgettext_lazy("action", "planned")
        UNDER_WAY = "under_way", pgettext_lazy("action", "under way")
        DONE = "done", pgettext_lazy("action", "done")
        BLOCKED = "blocked", pgettext_lazy("action", "blocked")

    chantier = models.ForeignKey(Chantier, on_delete=models.CASCADE, related_name="actions")
    title_fr = models.CharField(_("action (French)"), max_length=200)
    title_en = models.CharField(_("action (English)"), max_length=200, blank=True)
    owner = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions", verbose_name=_("owner")
    )
    elements = models.JSONField(_("conditions of success it acts on"), default=list, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    budget = models.DecimalField(_("budget ($)"), max_digits=12, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    title = Localized("title")

    class Meta:
        ordering = ["chantier", F("due_on").asc(nulls_last=True), "id"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        constraints = [
            models.CheckConstraint(condition=~Q(title_fr=""), name="action_title_fr_required"),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True) | Q(due_on__isnull=True) | Q(due_on__gte=F("starts_on")),
                name="action_dates_order",
                violation_error_message=_("An action cannot be due before it starts."),
                violation_error_code="dates_order_invalid",
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0),
                name="action_budget_positive",
                violation_error_message=_("A budget cannot be negative."),
                violation_error_code="budget_negative",
            ),
        ]

    def __str__(self) -> str:
        return str(self.title)


class JournalEntry(models.Model):
    class Kind(models.TextChoices):
        MEETING = "meeting", _("Meeting")
        DECISION = "decision", _("Decision")
        NOTE = "note", _("News")

    chantier = models.ForeignKey(Chantier, on_delete=models.CASCADE, related_name="journal")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    happened_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("what was said or decided"), blank=True, max_length=4000)
    author = models.ForeignKey(
        "directory.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-happened_on", "-id"]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        constraints = [models.CheckConstraint(condition=~Q(title=""), name="journal_title_required")]

    def __str__(self) -> str:
        return self.title
