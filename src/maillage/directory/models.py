"""The ecosystem's directory: territories, vocabularies, organisations, initiatives, offers, relations.

Models are thin: rules that data must always obey are database constraints (with the
message a user sees when a form breaks them); workflows live in ``services``; reads in
``selectors``. Content that users write is bilingual (``*_fr`` and ``*_en``) and read with
a fallback through :class:`maillage.common.i18n.Localized`.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from maillage.common.i18n import Localized


class Provenance(models.Model):
    """Where a record comes from: fictional demo data, or a named real source."""

    is_demo = models.BooleanField(
        _("fictional demo data"),
        default=False,
        db_index=True,
        help_text=_("Fictional records generated for demonstration; the interface labels them."),
    )
    data_source = models.CharField(_("data source"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class Sortable(models.Model):
    """A key that sorts names alphabetically whatever their accents and case (``maillage.core.text``)."""

    sort_key = models.CharField(max_length=200, editable=False, default="", db_index=True)

    class Meta:
        abstract = True


# --- vocabularies ---------------------------------------------------------------------------


class Term(models.Model):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    name = Localized("name")

    class Meta:
        abstract = True
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class Sector(Term):
    class Meta(Term.Meta):
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")


class Population(Term):
    class Meta(Term.Meta):
        verbose_name = _("population served")
        verbose_name_plural = _("populations served")


class SupportType(Term):
    class Meta(Term.Meta):
        verbose_name = _("support type")
        verbose_name_plural = _("support types")


class Language(Term):
    class Meta(Term.Meta):
        verbose_name = _("language")
        verbose_name_plural = _("languages")


class Resource(Term):
    """Something an organisation can share with others, or is looking for (a kitchen, a van, a room…)."""

    class Meta(Term.Meta):
        verbose_name = _("shareable resource")
        verbose_name_plural = _("shareable resources")


# --- territories ----------------------------------------------------------------------------


class TerritoryManager(models.Manager["Territory"]):
    """Boundaries are large JSON documents that only maps and the API detail read: load them on demand."""

    def get_queryset(self) -> models.QuerySet[Territory]:
        return super().get_queryset().defer("geometry", "map_geometry")


class Territory(models.Model):
    class Kind(models.TextChoices):
        REGION = "region", _("Agglomeration")
        BOROUGH = "borough", _("Borough")
        LINKED_CITY = "linked_city", _("Linked city")
        QUARTIER = "quartier", _("Neighbourhood")

    slug = models.SlugField(_("identifier"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    code = models.CharField(_("official code"), max_length=20, blank=True)
    within = models.ManyToManyField(
        "self",
        symmetrical=False,
        related_name="contains",
        blank=True,
        verbose_name=_("within"),
    )
    geometry = models.JSONField(_("boundary (GeoJSON)"), help_text=_("WGS 84, as published."))
    map_geometry = models.JSONField(_("simplified boundary for maps"), editable=False)
    label_lon = models.FloatField(editable=False, default=0)
    label_lat = models.FloatField(editable=False, default=0)
    table_name = models.CharField(_("table de quartier"), max_length=200, blank=True)
    table_organisation = models.ForeignKey(
        "Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="table_territories",
        verbose_name=_("table de quartier (organisation)"),
    )
    # Equity figures of the table de quartier territory (see data/montreal/README.md).
    population_2021 = models.PositiveIntegerField(_("population (2021)"), null=True, blank=True)
    low_income_pct = models.FloatField(
        _("people with low income (%, 2021)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    material_deprivation_pct = models.FloatField(
        _("population in the most materially deprived quintiles (%, 2021)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    social_deprivation_pct = models.FloatField(
        _("population in the most socially deprived quintiles (%, 2021)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    priority_zone_pct = models.FloatField(
        _("population in vulnerable and priority zones (%, IEMV 2026)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    rui_count = models.PositiveSmallIntegerField(
        _("integrated urban revitalisation zones (RUI)"),
        null=True,
        blank=True,
    )

    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = TerritoryManager()

    name = Localized("name")

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        ordering = ["kind", "slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(low_income_pct__isnull=True) | Q(low_income_pct__gte=0, low_income_pct__lte=100),
                name="territory_low_income_pct_range",
            ),
            models.CheckConstraint(
                condition=Q(priority_zone_pct__isnull=True) | Q(priority_zone_pct__gte=0, priority_zone_pct__lte=100),
                name="territory_priority_zone_pct_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_equity_figures(self) -> bool:
        return self.population_2021 is not None


# --- organisations --------------------------------------------------------------------------


class Organisation(Provenance, Sortable):
    class Kind(models.TextChoices):
        COMMUNITY = "community", _("Community organisation")
        SOCIAL_ENTERPRISE = "social_enterprise", _("Social economy enterprise")
        COLLECTIVE = "collective", _("Citizen collective")
        TABLE = "table", _("Table de quartier")
        FOUNDATION = "foundation", _("Foundation")
        FEDERATED_FUNDER = "federated_funder", _("Federated funder")
        PUBLIC_BODY = "public_body", _("Public body")
        INCUBATOR = "incubator", _("Incubator or accelerator")
        NETWORK = "network", _("Network or capacity-building organisation")
        LENDER = "lender", _("Lender or impact investor")
        RESEARCH = "research", _("University or research centre")
        OTHER = "other", _("Other")

    class LegalStatus(models.TextChoices):
        NPO = "npo", _("Non-profit organisation (OBNL)")
        COOP = "coop", _("Cooperative")
        BUSINESS = "business", _("Business corporation")
        PUBLIC = "public", _("Public body")
        UNINCORPORATED = "unincorporated", _("Unincorporated group")
        OTHER = "other", _("Other")

    class BudgetRange(models.TextChoices):
        UNDER_100K = "lt100k", _("Under $100,000")
        FROM_100K = "100k-500k", _("$100,000 to $500,000")
        FROM_500K = "500k-1m", _("$500,000 to $1 million")
        FROM_1M = "1m-5m", _("$1 million to $5 million")
        OVER_5M = "gt5m", _("Over $5 million")

    slug = models.SlugField(_("identifier"), max_length=120, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    kind = models.CharField(_("kind of organisation"), max_length=30, choices=Kind.choices, default=Kind.COMMUNITY)
    is_field_actor = models.BooleanField(
        _("field actor"),
        default=False,
        help_text=_("Runs social or environmental impact initiatives."),
    )
    is_support_actor = models.BooleanField(
        _("support actor"),
        default=False,
        help_text=_("Supports initiatives: funding, coaching, spaces, networks…"),
    )
    is_policy_actor = models.BooleanField(
        _("policy maker"),
        default=False,
        help_text=_("Sets public policy or stewards the ecosystem."),
    )
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    legal_status = models.CharField(_("legal status"), max_length=20, choices=LegalStatus.choices, blank=True)
    neq = models.CharField(
        _("Québec enterprise number (NEQ)"),
        max_length=10,
        null=True,
        blank=True,
        help_text=_("10 digits, from the Registraire des entreprises."),
    )
    cra_charity_number = models.CharField(
        _("CRA charity registration number"),
        max_length=15,
        null=True,
        blank=True,
        help_text=_("For example 123456782RR0001."),
    )
    founded_year = models.PositiveSmallIntegerField(
        _("year founded"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1800), MaxValueValidator(2100)],
    )
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("public e-mail"), blank=True)
    phone = models.CharField(_("public phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    territories = models.ManyToManyField(
        Territory,
        related_name="organisations",
        blank=True,
        verbose_name=_("territories served"),
    )
    sectors = models.ManyToManyField(Sector, related_name="organisations", blank=True, verbose_name=_("sectors"))
    populations = models.ManyToManyField(
        Population,
        related_name="organisations",
        blank=True,
        verbose_name=_("populations served"),
    )
    # Public: what the organisation can share, and what it looks for (synergies).
    shares_resources = models.ManyToManyField(
        Resource,
        related_name="shared_by",
        blank=True,
        verbose_name=_("resources we can share"),
        help_text=_("Public: other organisations of your quartiers may ask to use them."),
    )
    seeks_resources = models.ManyToManyField(
        Resource,
        related_name="sought_by",
        blank=True,
        verbose_name=_("resources we are looking for"),
        help_text=_("Public: organisations that can share them may get in touch."),
    )
    # Private: visible to the organisation's members and to stewards only.
    annual_budget = models.CharField(
        _("annual budget"),
        max_length=20,
        choices=BudgetRange.choices,
        blank=True,
    )
    staff_count = models.PositiveIntegerField(_("paid staff"), null=True, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact person's e-mail"), blank=True)
    internal_notes = models.TextField(_("internal notes"), blank=True)

    name = Localized("name")
    description = Localized("description")

    PRIVATE_FIELDS = ("annual_budget", "staff_count", "contact_name", "contact_email", "internal_notes")

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["sort_key", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["neq"],
                name="organisation_neq_unique",
                violation_error_message=_("Another organisation already has this NEQ."),
                violation_error_code="neq_taken",
            ),
            models.UniqueConstraint(
                fields=["cra_charity_number"],
                name="organisation_cra_unique",
                violation_error_message=_("Another organisation already has this charity number."),
                violation_error_code="cra_charity_number_taken",
            ),
            models.CheckConstraint(
                condition=Q(is_field_actor=True) | Q(is_support_actor=True) | Q(is_policy_actor=True),
                name="organisation_has_a_role",
                violation_error_message=_("Choose at least one role: field actor, support actor or policy maker."),
                violation_error_code="role_missing",
            ),
            models.CheckConstraint(condition=~Q(name_fr=""), name="organisation_name_fr_required"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def roles(self) -> list[str]:
        labels = []
        if self.is_field_actor:
            labels.append(str(pgettext_lazy("role", "Field actor")))
        if self.is_support_actor:
            labels.append(str(pgettext_lazy("role", "Support actor")))
        if self.is_policy_actor:
            labels.append(str(pgettext_lazy("role", "Policy maker")))
        return labels


# --- initiatives ----------------------------------------------------------------------------


class Initiative(Provenance, Sortable):
    class Stage(models.TextChoices):
        IDEA = "idea", _("Idea")
        PILOT = "pilot", _("Pilot")
        ESTABLISHED = "established", _("Established")
        SCALING = "scaling", _("Scaling up")

    slug = models.SlugField(_("identifier"), max_length=140, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    organisations = models.ManyToManyField(
        Organisation,
        through="InitiativeCarrier",
        related_name="initiatives",
        verbose_name=_("carrying organisations"),
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.PILOT)
    sector = models.ForeignKey(
        Sector,
        on_delete=models.PROTECT,
        related_name="initiatives",
        null=True,
        blank=True,
        verbose_name=_("sector"),
    )
    territories = models.ManyToManyField(
        Territory,
        related_name="initiatives",
        blank=True,
        verbose_name=_("territories"),
    )
    populations = models.ManyToManyField(
        Population,
        related_name="initiatives",
        blank=True,
        verbose_name=_("populations served"),
    )
    started_year = models.PositiveSmallIntegerField(
        _("year started"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1800), MaxValueValidator(2100)],
    )
    # Private: visible to members of a carrying organisation and to stewards only.
    annual_budget = models.PositiveIntegerField(_("annual budget ($)"), null=True, blank=True)
    internal_notes = models.TextField(_("internal notes"), blank=True)

    name = Localized("name")
    description = Localized("description")

    PRIVATE_FIELDS = ("annual_budget", "internal_notes")

    class Meta:
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        ordering = ["sort_key", "id"]
        constraints = [models.CheckConstraint(condition=~Q(name_fr=""), name="initiative_name_fr_required")]

    def __str__(self) -> str:
        return self.name


class InitiativeCarrier(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="carriers")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="carried")
    is_lead = models.BooleanField(_("lead organisation"), default=False)

    class Meta:
        verbose_name = _("carrying organisation")
        verbose_name_plural = _("carrying organisations")
        constraints = [
            models.UniqueConstraint(fields=["initiative", "organisation"], name="carrier_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.initiative}"


# --- support offers ---------------------------------------------------------------------------


class SupportOffer(Provenance, Sortable):
    class Flexibility(models.TextChoices):
        UNRESTRICTED = "unrestricted", _("Unrestricted (core funding)")
        RESTRICTED = "restricted", _("Restricted to set expenses")
        PROJECT = "project", _("Tied to a project")

    slug = models.SlugField(_("identifier"), max_length=140, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    providers = models.ManyToManyField(
        Organisation,
        related_name="offers",
        verbose_name=_("providers"),
    )
    support_type = models.ForeignKey(
        SupportType,
        on_delete=models.PROTECT,
        related_name="offers",
        verbose_name=_("support type"),
    )
    amount_min = models.DecimalField(
        _("minimum amount ($)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
    )
    amount_max = models.DecimalField(
        _("maximum amount ($)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
    )
    capacity = models.IntegerField(
        _("capacity per cycle"),
        null=True,
        blank=True,
        help_text=_("How many initiatives this offer can support in one cycle."),
    )
    cycle = models.CharField(_("cycle"), max_length=40, blank=True, help_text=_("For example 2026–2027."))
    flexibility = models.CharField(
        _("flexibility"),
        max_length=20,
        choices=Flexibility.choices,
        default=Flexibility.PROJECT,
    )
    is_multi_year = models.BooleanField(_("multi-year"), default=False)
    reporting_hours = models.IntegerField(
        _("reporting burden (hours a year)"),
        default=0,
        help_text=_("Hours a supported organisation spends reporting, each year."),
    )
    application_hours = models.IntegerField(
        _("application effort (hours)"),
        default=0,
        help_text=_("Hours it takes to apply."),
    )
    decision_days = models.PositiveSmallIntegerField(
        _("decision delay (days)"),
        null=True,
        blank=True,
        help_text=_("How long it usually takes to answer an application."),
    )
    is_rolling = models.BooleanField(_("open all year"), default=False)
    languages = models.ManyToManyField(Language, related_name="offers", blank=True, verbose_name=_("languages"))
    territories = models.ManyToManyField(
        Territory,
        related_name="offers",
        blank=True,
        verbose_name=_("territories served"),
    )
    sectors = models.ManyToManyField(Sector, related_name="offers", blank=True, verbose_name=_("sectors"))
    populations = models.ManyToManyField(
        Population,
        related_name="offers",
        blank=True,
        verbose_name=_("populations served"),
    )
    url = models.URLField(_("official page"), blank=True)
    # Eligibility rules arrive with the basket (a model of their own, linked to the offer).

    name = Localized("name")
    description = Localized("description")

    class Meta:
        verbose_name = _("support offer")
        verbose_name_plural = _("support offers")
        ordering = ["sort_key", "id"]
        # Baskets ask for the latest change before each computation (matching.selectors.catalogue_stamp).
        indexes = [models.Index(fields=["updated_at"], name="offer_updated_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_min__isnull=True) | Q(amount_max__isnull=True) | Q(amount_min__lte=F("amount_max")),
                name="offer_amount_range",
                violation_error_message=_("The minimum amount cannot be larger than the maximum amount."),
                violation_error_code="amount_range_invalid",
            ),
            models.CheckConstraint(
                condition=Q(amount_min__isnull=True) | Q(amount_min__gte=0),
                name="offer_amount_min_positive",
                violation_error_message=_("Amounts cannot be negative."),
                violation_error_code="amount_negative",
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=0),
                name="offer_capacity_positive",
                violation_error_message=_("The capacity cannot be negative: enter 0 if the offer is full."),
                violation_error_code="capacity_negative",
            ),
            models.CheckConstraint(
                condition=Q(reporting_hours__gte=0) & Q(application_hours__gte=0),
                name="offer_hours_positive",
                violation_error_message=_("Hours cannot be negative."),
                violation_error_code="hours_negative",
            ),
            models.CheckConstraint(condition=~Q(name_fr=""), name="offer_name_fr_required"),
        ]

    def __str__(self) -> str:
        return self.name


class OpenPeriod(models.Model):
    offer = models.ForeignKey(SupportOffer, on_delete=models.CASCADE, related_name="open_periods")
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))

    class Meta:
        verbose_name = _("open period")
        verbose_name_plural = _("open periods")
        ordering = ["opens_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")),
                name="open_period_order",
                violation_error_message=_("A period cannot close before it opens."),
                violation_error_code="period_order_invalid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.opens_on} – {self.closes_on}"


# --- relations --------------------------------------------------------------------------------


class Relation(Provenance):
    class Kind(models.TextChoices):
        FUNDS = "funds", _("funds")
        PARTNERS = "partners", _("partners with")
        MEMBER_OF = "member_of", _("is a member of")
        REFERS_TO = "refers_to", _("refers people to")
        SUPPORTS = "supports", _("supports")

    source = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="relations_out",
        verbose_name=_("from"),
    )
    target = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="relations_in",
        verbose_name=_("to"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(
        _("year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    amount = models.DecimalField(_("amount ($)"), max_digits=14, decimal_places=2, null=True, blank=True)
    is_multi_year = models.BooleanField(_("multi-year"), default=False)
    is_flexible = models.BooleanField(_("unrestricted"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("relation")
        verbose_name_plural = _("relations")
        ordering = ["-year", "kind", "id"]
        indexes = [models.Index(fields=["kind", "year"], name="relation_kind_year")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "kind", "year"],
                condition=Q(year__isnull=False),
                name="relation_unique_per_year",
                violation_error_message=_("This relation is already declared for this year."),
                violation_error_code="relation_exists",
            ),
            models.UniqueConstraint(
                fields=["source", "target", "kind"],
                condition=Q(year__isnull=True),
                name="relation_unique_undated",
                violation_error_message=_("This relation is already declared."),
                violation_error_code="relation_exists",
            ),
            models.CheckConstraint(
                condition=~Q(source=F("target")),
                name="relation_not_self",
                violation_error_message=_("An organisation cannot be related to itself."),
                violation_error_code="relation_self",
            ),
            models.CheckConstraint(
                condition=~Q(kind="funds") | (Q(amount__isnull=False) & Q(year__isnull=False) & Q(amount__gte=0)),
                name="relation_funding_has_amount_and_year",
                violation_error_message=_("A funding relation needs a year and an amount of zero or more."),
                violation_error_code="funding_incomplete",
            ),
            models.CheckConstraint(
                condition=Q(kind="funds") | Q(amount__isnull=True),
                name="relation_amount_only_for_funding",
                violation_error_message=_("Only a funding relation has an amount."),
                violation_error_code="amount_not_funding",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.get_kind_display()} → {self.target}"


# --- search index -----------------------------------------------------------------------------
#
# Searching reads these narrow tables, one row per record: the record's normalised words, its sort
# key and the attributes that filters test most. Counting and ordering thousands of matches then
# touch a few megabytes instead of the wide record tables; only the page shown is read from them.
# Services and loaders keep them in step (``services.reindex_saved``).


class SearchEntry(models.Model):
    search_text = models.TextField(default="")
    facets = models.TextField(default="", help_text="Filter tokens: t<territory>, s<sector>, p<population>…")
    sort_key = models.CharField(max_length=200, default="", db_index=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.sort_key


class OrganisationSearch(SearchEntry):
    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, primary_key=True, related_name="search_entry"
    )
    is_field_actor = models.BooleanField(default=False)
    is_support_actor = models.BooleanField(default=False)
    is_policy_actor = models.BooleanField(default=False)


class InitiativeSearch(SearchEntry):
    initiative = models.OneToOneField(
        Initiative, on_delete=models.CASCADE, primary_key=True, related_name="search_entry"
    )


class OfferSearch(SearchEntry):
    offer = models.OneToOneField(SupportOffer, on_delete=models.CASCADE, primary_key=True, related_name="search_entry")
