"""Directory endpoints: organisations, initiatives, offers, territories, vocabularies, relations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.db.models import Model, Prefetch, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status

from maillage.accounts.api import read_auth, token_auth
from maillage.common.api_schemas import ERRORS, InputSchema, amount, choices
from maillage.common.pagination import MAX_PAGE

from . import selectors, services
from .models import (
    Initiative,
    InitiativeCarrier,
    Language,
    Organisation,
    Population,
    Relation,
    Sector,
    SupportOffer,
    SupportType,
    Territory,
)

router = Router(tags=["directory"])

Role = Literal["", "field", "support", "policy"]

OfferAmount = amount()  # negative amounts are refused by the offer's rules (400, amount_negative)
RelationAmount = amount(digits=14, minimum=0)
OrganisationKind = choices(Organisation.Kind, "OrganisationKind")
RelationKind = choices(Relation.Kind, "RelationKind")


# --- schemas -----------------------------------------------------------------------------------


class TermOut(Schema):
    code: str
    name_fr: str
    name_en: str


class VocabulariesOut(Schema):
    sectors: list[TermOut]
    populations: list[TermOut]
    support_types: list[TermOut]
    languages: list[TermOut]


class EquityOut(Schema):
    population_2021: int
    low_income_pct: float
    material_deprivation_pct: float
    social_deprivation_pct: float
    priority_zone_pct: float


class TerritoryOut(Schema):
    slug: str
    kind: str
    name_fr: str
    name_en: str
    code: str
    within: list[str]
    table_name: str
    table_organisation: str | None
    equity: EquityOut | None
    url: str


class TerritoryDetailOut(TerritoryOut):
    contains: list[str]
    geometry: dict[str, Any]


class OrganisationPrivateOut(Schema):
    annual_budget: str
    staff_count: int | None
    contact_name: str
    contact_email: str
    internal_notes: str


class OrganisationOut(Schema):
    slug: str
    name_fr: str
    name_en: str
    acronym: str
    kind: str
    is_field_actor: bool
    is_support_actor: bool
    is_policy_actor: bool
    description_fr: str
    description_en: str
    legal_status: str
    neq: str | None
    cra_charity_number: str | None
    founded_year: int | None
    website: str
    email: str
    phone: str
    address: str
    territories: list[str]
    sectors: list[str]
    populations: list[str]
    is_demo: bool
    data_source: str
    url: str
    private: OrganisationPrivateOut | None = Field(
        None, description="Only for members of the organisation and stewards."
    )


class InitiativePrivateOut(Schema):
    annual_budget: int | None
    internal_notes: str


class CarrierOut(Schema):
    organisation: str
    is_lead: bool


class InitiativeOut(Schema):
    slug: str
    name_fr: str
    name_en: str
    description_fr: str
    description_en: str
    carriers: list[CarrierOut]
    stage: str
    sector: str | None
    territories: list[str]
    populations: list[str]
    started_year: int | None
    is_demo: bool
    url: str
    private: InitiativePrivateOut | None = None


class PeriodSchema(InputSchema):
    opens_on: date
    closes_on: date


class OfferOut(Schema):
    slug: str
    name_fr: str
    name_en: str
    description_fr: str
    description_en: str
    providers: list[str]
    support_type: str
    amount_min: Decimal | None
    amount_max: Decimal | None
    capacity: int | None
    cycle: str
    flexibility: str
    is_multi_year: bool
    reporting_hours: int
    application_hours: int
    decision_days: int | None
    is_rolling: bool
    open_periods: list[PeriodSchema]
    languages: list[str]
    territories: list[str]
    sectors: list[str]
    populations: list[str]
    url: str
    is_demo: bool


class RelationIn(InputSchema):
    source: str = Field(..., description="Organisation the relation starts from (funder, member, referrer…).")
    target: str
    kind: RelationKind
    year: int | None = Field(None, ge=1900, le=2100)
    amount: RelationAmount | None = None
    is_multi_year: bool = False
    is_flexible: bool = False
    note: str = Field("", max_length=300)


class RelationOut(Schema):
    source: str
    target: str
    kind: str
    year: int | None
    amount: Decimal | None
    is_multi_year: bool
    is_flexible: bool
    is_demo: bool


def page_schema(name: str, item: type[Schema]) -> type[Schema]:
    return type(
        name, (Schema,), {"__annotations__": {"count": int, "page": int, "page_size": int, "results": list[item]}}
    )  # type: ignore[valid-type]


OrganisationPage = page_schema("OrganisationPage", OrganisationOut)
InitiativePage = page_schema("InitiativePage", InitiativeOut)
OfferPage = page_schema("OfferPage", OfferOut)


class SearchQuery(Schema):
    q: str = Field("", description="Words to find, ignoring case and accents.", max_length=200)
    role: Role = ""
    territory: str = Field("", description="Territory identifier; includes the territories within it.")
    sector: str = ""
    population: str = ""
    support_type: str = ""
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(25, ge=1, le=200)


class OrganisationIn(InputSchema):
    name_fr: str = Field(..., min_length=1, max_length=200)
    name_en: str = Field("", max_length=200)
    acronym: str = Field("", max_length=30)
    kind: OrganisationKind = Organisation.Kind.COMMUNITY
    is_field_actor: bool = False
    is_support_actor: bool = False
    is_policy_actor: bool = False
    description_fr: str = ""
    description_en: str = ""
    legal_status: Organisation.LegalStatus | Literal[""] = ""
    neq: str | None = None
    cra_charity_number: str | None = None
    founded_year: int | None = None
    website: str = ""
    email: str = ""
    phone: str = Field("", max_length=40)
    address: str = Field("", max_length=300)
    territories: list[str] = []
    sectors: list[str] = []
    populations: list[str] = []
    annual_budget: Organisation.BudgetRange | Literal[""] = ""
    staff_count: int | None = Field(None, ge=0)
    contact_name: str = ""
    contact_email: str = ""
    internal_notes: str = ""


class OrganisationPatch(InputSchema):
    name_fr: str | None = Field(None, min_length=1, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    acronym: str | None = Field(None, max_length=30)
    kind: OrganisationKind | None = None
    is_field_actor: bool | None = None
    is_support_actor: bool | None = None
    is_policy_actor: bool | None = None
    description_fr: str | None = None
    description_en: str | None = None
    legal_status: Organisation.LegalStatus | Literal[""] | None = None
    neq: str | None = None
    cra_charity_number: str | None = None
    founded_year: int | None = None
    website: str | None = None
    email: str | None = None
    phone: str | None = Field(None, max_length=40)
    address: str | None = Field(None, max_length=300)
    territories: list[str] | None = None
    sectors: list[str] | None = None
    populations: list[str] | None = None
    annual_budget: Organisation.BudgetRange | Literal[""] | None = None
    staff_count: int | None = Field(None, ge=0)
    contact_name: str | None = None
    contact_email: str | None = None
    internal_notes: str | None = None


class InitiativeIn(InputSchema):
    organisation: str = Field(..., description="The carrying organisation (you must be one of its members).")
    name_fr: str = Field(..., min_length=1, max_length=200)
    name_en: str = Field("", max_length=200)
    description_fr: str = ""
    description_en: str = ""
    stage: Initiative.Stage = Initiative.Stage.PILOT
    sector: str | None = None
    territories: list[str] = []
    populations: list[str] = []
    started_year: int | None = None
    annual_budget: int | None = Field(None, ge=0)
    internal_notes: str = ""


class InitiativePatch(InputSchema):
    name_fr: str | None = Field(None, min_length=1, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    description_fr: str | None = None
    description_en: str | None = None
    stage: Initiative.Stage | None = None
    sector: str | None = None
    territories: list[str] | None = None
    populations: list[str] | None = None
    started_year: int | None = None
    annual_budget: int | None = Field(None, ge=0)
    internal_notes: str | None = None


class OfferIn(InputSchema):
    provider: str = Field(..., description="The providing support actor (you must be one of its members).")
    name_fr: str = Field(..., min_length=1, max_length=200)
    name_en: str = Field("", max_length=200)
    description_fr: str = ""
    description_en: str = ""
    support_type: str
    amount_min: OfferAmount | None = None
    amount_max: OfferAmount | None = None
    capacity: int | None = None
    cycle: str = Field("", max_length=40)
    flexibility: SupportOffer.Flexibility = SupportOffer.Flexibility.PROJECT
    is_multi_year: bool = False
    reporting_hours: int = 0
    application_hours: int = 0
    decision_days: int | None = Field(None, ge=0, le=3650)
    is_rolling: bool = False
    open_periods: list[PeriodSchema] = []
    languages: list[str] = []
    territories: list[str] = []
    sectors: list[str] = []
    populations: list[str] = []
    url: str = ""


class OfferPatch(InputSchema):
    name_fr: str | None = Field(None, min_length=1, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    description_fr: str | None = None
    description_en: str | None = None
    support_type: str | None = None
    amount_min: OfferAmount | None = None
    amount_max: OfferAmount | None = None
    capacity: int | None = None
    cycle: str | None = Field(None, max_length=40)
    flexibility: SupportOffer.Flexibility | None = None
    is_multi_year: bool | None = None
    reporting_hours: int | None = None
    application_hours: int | None = None
    decision_days: int | None = Field(None, ge=0, le=3650)
    is_rolling: bool | None = None
    open_periods: list[PeriodSchema] | None = None
    languages: list[str] | None = None
    territories: list[str] | None = None
    sectors: list[str] | None = None
    populations: list[str] | None = None
    url: str | None = None


# --- serialisation -----------------------------------------------------------------------------


def _codes(items: Any, attr: str = "code") -> list[str]:
    return [getattr(item, attr) for item in items.all()]


def _abs(request: HttpRequest, name: str, slug: str) -> str:
    return request.build_absolute_uri(reverse(name, args=[slug]))


def territory_out(request: HttpRequest, t: Territory, *, detail: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": t.slug,
        "kind": t.kind,
        "name_fr": t.name_fr,
        "name_en": t.name_en,
        "code": t.code,
        "within": _codes(t.within, "slug"),
        "table_name": t.table_name,
        "table_organisation": t.table_organisation.slug if t.table_organisation else None,
        "equity": None
        if not t.has_equity_figures
        else {
            "population_2021": t.population_2021,
            "low_income_pct": t.low_income_pct,
            "material_deprivation_pct": t.material_deprivation_pct,
            "social_deprivation_pct": t.social_deprivation_pct,
            "priority_zone_pct": t.priority_zone_pct,
        },
        "url": _abs(request, "directory:territory", t.slug),
    }
    if detail:
        data["contains"] = _codes(t.contains, "slug")
        data["geometry"] = t.geometry
    return data


def organisation_out(request: HttpRequest, org: Organisation) -> dict[str, Any]:
    data = {
        field: getattr(org, field)
        for field in (
            "slug",
            "name_fr",
            "name_en",
            "acronym",
            "kind",
            "is_field_actor",
            "is_support_actor",
            "is_policy_actor",
            "description_fr",
            "description_en",
            "legal_status",
            "neq",
            "cra_charity_number",
            "founded_year",
            "website",
            "email",
            "phone",
            "address",
            "is_demo",
            "data_source",
        )
    }
    data["territories"] = _codes(org.territories, "slug")
    data["sectors"] = _codes(org.sectors)
    data["populations"] = _codes(org.populations)
    data["url"] = _abs(request, "directory:organisation", org.slug)
    if request.user.has_perm("directory.view_organisation_private", org):
        data["private"] = {field: getattr(org, field) for field in Organisation.PRIVATE_FIELDS}
    return data


def initiative_out(request: HttpRequest, initiative: Initiative) -> dict[str, Any]:
    data = {
        field: getattr(initiative, field)
        for field in (
            "slug",
            "name_fr",
            "name_en",
            "description_fr",
            "description_en",
            "stage",
            "started_year",
            "is_demo",
        )
    }
    data["carriers"] = [{"organisation": c.organisation.slug, "is_lead": c.is_lead} for c in initiative.carriers.all()]
    data["sector"] = initiative.sector.code if initiative.sector else None
    data["territories"] = _codes(initiative.territories, "slug")
    data["populations"] = _codes(initiative.populations)
    data["url"] = _abs(request, "directory:initiative", initiative.slug)
    if request.user.has_perm("directory.view_initiative_private", initiative):
        data["private"] = {field: getattr(initiative, field) for field in Initiative.PRIVATE_FIELDS}
    return data


def offer_out(request: HttpRequest, offer: SupportOffer) -> dict[str, Any]:
    data = {
        field: getattr(offer, field)
        for field in (
            "slug",
            "name_fr",
            "name_en",
            "description_fr",
            "description_en",
            "amount_min",
            "amount_max",
            "capacity",
            "cycle",
            "flexibility",
            "is_multi_year",
            "reporting_hours",
            "application_hours",
            "decision_days",
            "is_rolling",
            "is_demo",
        )
    }
    data["support_type"] = offer.support_type.code
    data["providers"] = _codes(offer.providers, "slug")
    data["open_periods"] = [{"opens_on": p.opens_on, "closes_on": p.closes_on} for p in offer.open_periods.all()]
    data["languages"] = _codes(offer.languages)
    data["territories"] = _codes(offer.territories, "slug")
    data["sectors"] = _codes(offer.sectors)
    data["populations"] = _codes(offer.populations)
    data["url"] = _abs(request, "directory:offer", offer.slug)
    return data


def _slug_only(model: type[Model], field: str = "slug") -> QuerySet[Any]:
    return model._default_manager.only("id", field)


def _paged(
    request: HttpRequest, results: selectors.SearchResults[Any], params: SearchQuery, out: Any
) -> dict[str, Any]:
    """The requested page, serialised by ``out``, and the total counted in the same query (an empty
    list past the end)."""
    page = results.page(params.page, params.page_size, clamp=False)
    return {
        "count": page.paginator.count,
        "page": params.page,
        "page_size": params.page_size,
        "results": [out(request, row) for row in page.object_list],
    }


def _filters(params: SearchQuery) -> selectors.DirectoryFilters:
    return selectors.DirectoryFilters(
        query=params.q,
        role=params.role,
        territory=selectors.term_by_code(Territory, params.territory, field="territory") if params.territory else None,
        sector=selectors.term_by_code(Sector, params.sector, field="sector") if params.sector else None,
        population=selectors.term_by_code(Population, params.population, field="population")
        if params.population
        else None,
        support_type=selectors.term_by_code(SupportType, params.support_type, field="support_type")
        if params.support_type
        else None,
    )


def _resolve(data: dict[str, Any]) -> dict[str, Any]:
    """Replace identifiers by records, with an error naming each unknown one."""
    resolvers = {
        "territories": (Territory, True),
        "sectors": (Sector, True),
        "populations": (Population, True),
        "languages": (Language, True),
        "sector": (Sector, False),
        "support_type": (SupportType, False),
    }
    for name, (model, many) in resolvers.items():
        if name not in data:
            continue
        value = data[name]
        if many:
            data[name] = selectors.terms_by_code(model, value or [], field=name)
        else:
            data[name] = selectors.term_by_code(model, value, field=name) if value else None
    if "open_periods" in data:  # null, as for the other lists, leaves none
        data["open_periods"] = [(p["opens_on"], p["closes_on"]) for p in data["open_periods"] or []]
    return data


# --- endpoints ---------------------------------------------------------------------------------


@router.get(
    "/vocabularies",
    response={200: VocabulariesOut, **ERRORS},
    auth=read_auth,
    summary="Sectors, populations, support types and languages",
)
def vocabularies(request: HttpRequest) -> dict[str, Any]:
    return {
        "sectors": list(Sector.objects.all()),
        "populations": list(Population.objects.all()),
        "support_types": list(SupportType.objects.all()),
        "languages": list(Language.objects.all()),
    }


@router.get(
    "/territories", response={200: list[TerritoryOut], **ERRORS}, auth=read_auth, summary="Montréal's territories"
)
def territory_list(request: HttpRequest) -> list[dict[str, Any]]:
    territories = selectors.territory_list().prefetch_related(Prefetch("within", queryset=_slug_only(Territory)))
    return [territory_out(request, t) for t in territories]


@router.get("/territories/{slug}", response={200: TerritoryDetailOut, **ERRORS}, auth=read_auth)
def territory_get(request: HttpRequest, slug: str) -> dict[str, Any]:
    return territory_out(request, selectors.territory_detail(slug), detail=True)


ORG_PREFETCH = (
    Prefetch("territories", queryset=_slug_only(Territory)),
    Prefetch("sectors", queryset=_slug_only(Sector, "code")),
    Prefetch("populations", queryset=_slug_only(Population, "code")),
)


@router.get(
    "/organisations", response={200: OrganisationPage, **ERRORS}, auth=read_auth, summary="Search organisations"
)
def organisation_list(request: HttpRequest, params: Query[SearchQuery]) -> dict[str, Any]:
    results = selectors.organisation_search(_filters(params), prepare=lambda qs: qs.prefetch_related(*ORG_PREFETCH))
    return _paged(request, results, params, organisation_out)


@router.get("/organisations/{slug}", response={200: OrganisationOut, **ERRORS}, auth=read_auth)
def organisation_get(request: HttpRequest, slug: str) -> dict[str, Any]:
    return organisation_out(request, selectors.organisation_detail(slug))


@router.post(
    "/organisations",
    response={201: OrganisationOut, **ERRORS},
    auth=token_auth,
    summary="Create an organisation (you become its administrator)",
)
def organisation_create(request: HttpRequest, payload: OrganisationIn) -> Status[dict[str, Any]]:
    org = services.organisation_create(actor=request.user, data=_resolve(payload.dict()))  # type: ignore[arg-type]
    return Status(201, organisation_out(request, selectors.organisation_detail(org.slug)))


@router.patch("/organisations/{slug}", response={200: OrganisationOut, **ERRORS}, auth=token_auth)
def organisation_update(request: HttpRequest, slug: str, payload: OrganisationPatch) -> dict[str, Any]:
    org = selectors.organisation_detail(slug)
    services.organisation_update(
        actor=request.user,
        organisation=org,  # type: ignore[arg-type]
        data=_resolve(payload.dict(exclude_unset=True)),
    )
    return organisation_out(request, selectors.organisation_detail(slug))


def relation_out(r: Relation) -> dict[str, Any]:
    return {
        "source": r.source.slug,
        "target": r.target.slug,
        "kind": r.kind,
        "year": r.year,
        "amount": r.amount,
        "is_multi_year": r.is_multi_year,
        "is_flexible": r.is_flexible,
        "is_demo": r.is_demo,
    }


@router.post(
    "/relations",
    response={201: RelationOut, **ERRORS},
    auth=token_auth,
    summary="Declare a relation (you administer one of the two organisations)",
)
def relation_create(request: HttpRequest, payload: RelationIn) -> Status[dict[str, Any]]:
    data = payload.dict()
    data["source"] = selectors.term_by_code(Organisation, data["source"], field="source")
    data["target"] = selectors.term_by_code(Organisation, data["target"], field="target")
    return Status(201, relation_out(services.relation_create(actor=request.user, data=data)))  # type: ignore[arg-type]


@router.get("/organisations/{slug}/relations", response={200: list[RelationOut], **ERRORS}, auth=read_auth)
def organisation_relations(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    org = selectors.organisation_detail(slug)
    relations: list[Relation] = [r for group in selectors.organisation_relations_grouped(org).values() for r in group]
    return [relation_out(r) for r in relations]


INITIATIVE_PREFETCH = (
    Prefetch("territories", queryset=_slug_only(Territory)),
    Prefetch("populations", queryset=_slug_only(Population, "code")),
    Prefetch(
        "carriers",
        queryset=InitiativeCarrier.objects.select_related("organisation").only(
            "id", "initiative_id", "is_lead", "organisation__id", "organisation__slug"
        ),
    ),
)


@router.get("/initiatives", response={200: InitiativePage, **ERRORS}, auth=read_auth, summary="Search initiatives")
def initiative_list(request: HttpRequest, params: Query[SearchQuery]) -> dict[str, Any]:
    results = selectors.initiative_search(
        _filters(params), prepare=lambda qs: qs.select_related("sector").prefetch_related(*INITIATIVE_PREFETCH)
    )
    return _paged(request, results, params, initiative_out)


@router.get("/initiatives/{slug}", response={200: InitiativeOut, **ERRORS}, auth=read_auth)
def initiative_get(request: HttpRequest, slug: str) -> dict[str, Any]:
    return initiative_out(request, selectors.initiative_detail(slug))


@router.post("/initiatives", response={201: InitiativeOut, **ERRORS}, auth=token_auth)
def initiative_create(request: HttpRequest, payload: InitiativeIn) -> Status[dict[str, Any]]:
    data = payload.dict()
    organisation = selectors.term_by_code(Organisation, data.pop("organisation"), field="organisation")
    initiative = services.initiative_create(
        actor=request.user,
        organisation=organisation,  # type: ignore[arg-type]
        data=_resolve(data),
    )
    return Status(201, initiative_out(request, selectors.initiative_detail(initiative.slug)))


@router.patch("/initiatives/{slug}", response={200: InitiativeOut, **ERRORS}, auth=token_auth)
def initiative_update(request: HttpRequest, slug: str, payload: InitiativePatch) -> dict[str, Any]:
    initiative = selectors.initiative_detail(slug)
    services.initiative_update(
        actor=request.user,
        initiative=initiative,  # type: ignore[arg-type]
        data=_resolve(payload.dict(exclude_unset=True)),
    )
    return initiative_out(request, selectors.initiative_detail(slug))


OFFER_PREFETCH = (
    Prefetch("providers", queryset=_slug_only(Organisation)),
    Prefetch("territories", queryset=_slug_only(Territory)),
    Prefetch("sectors", queryset=_slug_only(Sector, "code")),
    Prefetch("populations", queryset=_slug_only(Population, "code")),
    Prefetch("languages", queryset=_slug_only(Language, "code")),
    "open_periods",
)


@router.get("/offers", response={200: OfferPage, **ERRORS}, auth=read_auth, summary="Search support offers")
def offer_list(request: HttpRequest, params: Query[SearchQuery]) -> dict[str, Any]:
    results = selectors.offer_search(
        _filters(params), prepare=lambda qs: qs.select_related("support_type").prefetch_related(*OFFER_PREFETCH)
    )
    return _paged(request, results, params, offer_out)


@router.get("/offers/{slug}", response={200: OfferOut, **ERRORS}, auth=read_auth)
def offer_get(request: HttpRequest, slug: str) -> dict[str, Any]:
    return offer_out(request, selectors.offer_detail(slug))


@router.post("/offers", response={201: OfferOut, **ERRORS}, auth=token_auth)
def offer_create(request: HttpRequest, payload: OfferIn) -> Status[dict[str, Any]]:
    data = payload.dict()
    provider = selectors.term_by_code(Organisation, data.pop("provider"), field="provider")
    offer = services.offer_create(actor=request.user, provider=provider, data=_resolve(data))  # type: ignore[arg-type]
    return Status(201, offer_out(request, selectors.offer_detail(offer.slug)))


@router.patch("/offers/{slug}", response={200: OfferOut, **ERRORS}, auth=token_auth)
def offer_update(request: HttpRequest, slug: str, payload: OfferPatch) -> dict[str, Any]:
    offer = selectors.offer_detail(slug)
    services.offer_update(
        actor=request.user,
        offer=offer,  # type: ignore[arg-type]
        data=_resolve(payload.dict(exclude_unset=True)),
    )
    return offer_out(request, selectors.offer_detail(slug))
