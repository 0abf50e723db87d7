"""What the collective definition of success stores.

- :class:`Indicator`: an indicator of ecosystem success proposed by a member organisation, in French and
  English, linked to framework elements and to a standard indicator code, measured by Maillage from its
  own data or entered periodically with its source; stewards adopt it, with a target.
- :class:`IndicatorValue`: one value of an indicator for a year, with its source.
- :class:`Round`: a deliberation round run by stewards: organisations rank candidate indicators
  (:class:`Ballot`) and react to short statements (:class:`Statement`, :class:`Reaction`).

Ballots and reactions belong to an organisation (one each per round: any of its members may change it
while the round is open). Results are computed only once the round is closed, from the rows as they were
then: each row's kind of actor is fixed at closing, and deleting an organisation afterwards keeps its rows
without it (``organisation`` becomes empty), so that published figures never move and no difference
between two readings tells what one organisation said.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from maillage.common.i18n import Localized


class ActorKind(models.TextChoices):
    """The kind of actor an organisation counts as when visions are compared: each organisation in one
    kind only (policy maker before support actor before field actor), so that the kinds do not overlap."""

    FIELD = "field", pgettext_lazy("role", "Field actors")
    SUPPORT = "support", pgettext_lazy("role", "Support actors")
    POLICY = "policy", pgettext_lazy("role", "Policy makers")


def actor_kind_of(organisation: object) -> str:
    if getattr(organisation, "is_policy_actor", False):
        return ActorKind.POLICY
    if getattr(organisation, "is_support_actor", False):
        return ActorKind.SUPPORT
    return ActorKind.FIELD


class Indicator(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        ADOPTED = "adopted", _("adopted")
        SET_ASIDE = "set_aside", _("set aside")

    class Method(models.TextChoices):
        COMPUTED = "computed", _("computed by Maillage from its data")
        ENTERED = "entered", _("entered periodically, with its source")

    class Measure(models.TextChoices):
        NEEDS_COVERED = "needs_covered", _("Needs covered by the support granted")
        NEEDS_REACHABLE = "needs_reachable", _("Needs within reach of an offer")
        EQUITY_COVERAGE = "equity_coverage", _("Needs within reach in the most low-income quartiers")
        FEEDBACK_RATING = "feedback_rating", _("Mean rating of the support (feedback)")
        FLEXIBLE_SHARE = "flexible_share", _("Unrestricted share of funding")
        SYNERGIES_REALISED = "synergies_realised", _("Synergies realised")

    slug = models.SlugField(_("identifier"), max_length=80, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description_fr = models.TextField(_("what it tells, and why (French)"), blank=True)
    description_en = models.TextField(_("what it tells, and why (English)"), blank=True)
    elements = models.JSONField(_("framework elements"), default=list, blank=True)
    standard_code = models.CharField(
        _("standard indicator"),
        max_length=200,
        blank=True,
        help_text=_("The code or address of a Common Impact Data Standard indicator (for example an IRIS+ code)."),
    )
    method = models.CharField(_("how it is measured"), max_length=10, choices=Method.choices)
    measure = models.CharField(_("measure"), max_length=30, choices=Measure.choices, blank=True)
    question = models.CharField(_("feedback question"), max_length=40, blank=True)
    unit_fr = models.CharField(_("unit (French)"), max_length=60, blank=True)
    unit_en = models.CharField(_("unit (English)"), max_length=60, blank=True)
    source_fr = models.CharField(_("source of the values (French)"), max_length=300, blank=True)
    source_en = models.CharField(_("source of the values (English)"), max_length=300, blank=True)
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    target = models.FloatField(_("target"), null=True, blank=True)
    target_year = models.PositiveSmallIntegerField(_("target year"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="indicators_proposed",
        verbose_name=_("proposed by"),
    )
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    adopted_at = models.DateTimeField(null=True, blank=True)
    is_demo = models.BooleanField(_("fictional (demo)"), default=False)

    class Meta:
        ordering = ["name_fr", "id"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.CheckConstraint(
                condition=Q(method="entered", measure="") | Q(method="computed") & ~Q(measure=""),
                name="indicator_measure_matches_method",
                violation_error_message=_("A computed indicator needs a measure; an entered one has none."),
                violation_error_code="measure_invalid",
            ),
        ]

    name = Localized("name")
    description = Localized("description")
    unit = Localized("unit")
    source = Localized("source")

    def __str__(self) -> str:
        return str(self.name)  # in the active language


class IndicatorValue(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.FloatField(_("value"))
    source_fr = models.CharField(_("source (French)"), max_length=300)
    source_en = models.CharField(_("source (English)"), max_length=300, blank=True)
    computed = models.BooleanField(default=False)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["indicator", "year"]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "year"],
                name="indicator_value_once_a_year",
                violation_error_message=_("This indicator already has a value for this year."),
                violation_error_code="value_exists",
            )
        ]

    source = Localized("source")

    def __str__(self) -> str:
        return f"{self.indicator} {self.year}: {self.value}"


class Round(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("round", "in preparation")
        OPEN = "open", pgettext_lazy("round", "open")
        CLOSED = "closed", pgettext_lazy("round", "finished")

    slug = models.SlugField(_("identifier"), max_length=60, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    question_fr = models.CharField(
        _("question asked (French)"),
        max_length=300,
        default="Quels indicateurs disent le mieux si l'écosystème réussit ?",
    )
    question_en = models.CharField(
        _("question asked (English)"),
        max_length=300,
        default="Which indicators best tell whether the ecosystem succeeds?",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    candidates = models.ManyToManyField(Indicator, related_name="rounds", blank=True, verbose_name=_("indicators"))
    closes_on = models.DateField(_("planned closing date"), null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    is_demo = models.BooleanField(_("fictional (demo)"), default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("deliberation round")
        verbose_name_plural = _("deliberation rounds")

    name = Localized("name")
    question = Localized("question")

    def __str__(self) -> str:
        return str(self.name)


class Statement(models.Model):
    """A short statement organisations agree with, disagree with or pass, as in Pol.is. Organisations
    may suggest some while the round is open; stewards accept them or moderate them out."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for moderation")
        ACCEPTED = "accepted", _("accepted")
        MODERATED_OUT = "out", _("moderated out")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="statements")
    number = models.PositiveIntegerField()
    text_fr = models.CharField(_("statement (French)"), max_length=400, blank=True)
    text_en = models.CharField(_("statement (English)"), max_length=400, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACCEPTED)
    suggested_by = models.ForeignKey(
        "directory.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["round", "number"]
        constraints = [
            models.UniqueConstraint(fields=["round", "number"], name="statement_number_unique"),
            models.CheckConstraint(
                condition=~Q(text_fr="") | ~Q(text_en=""),
                name="statement_has_text",
                violation_error_message=_("Write the statement in French or in English."),
                violation_error_code="text_missing",
            ),
        ]

    text = Localized("text")

    def __str__(self) -> str:
        return self.text


class Ballot(models.Model):
    """An organisation's ranking of a round's candidates: tiers of indicator ids, best first (those
    left out are ranked equal, after the others)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="ballots")
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ranking = models.JSONField(default=list)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "organisation"], name="ballot_once_per_round")]

    def __str__(self) -> str:
        return f"{self.round} #{self.pk}"


class Reaction(models.Model):
    class Vote(models.IntegerChoices):
        AGREE = 1, _("Agree")
        DISAGREE = -1, _("Disagree")
        PASS = 0, _("Pass / unsure")

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="reactions")
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    vote = models.SmallIntegerField(choices=Vote.choices)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    participant = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["statement", "organisation"], name="reaction_once_per_statement"),
            models.CheckConstraint(condition=Q(vote__in=[-1, 0, 1]), name="reaction_vote_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.statement} #{self.pk}"
