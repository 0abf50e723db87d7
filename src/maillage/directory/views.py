"""Pages of the directory. Thin: parse, call a selector or a service, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from maillage.common.i18n import current_language
from maillage.common.pagination import page_number
from maillage.common.views import get_allowed, get_or_404, save_form

from . import maps, selectors, services
from .forms import DirectoryFilterForm, InitiativeForm, OfferForm, OrganisationForm, RelationForm
from .models import Initiative, Organisation, Relation, SupportOffer, Territory

INDICATORS = {
    "low_income_pct": Territory._meta.get_field("low_income_pct").verbose_name,
    "material_deprivation_pct": Territory._meta.get_field("material_deprivation_pct").verbose_name,
    "social_deprivation_pct": Territory._meta.get_field("social_deprivation_pct").verbose_name,
    "priority_zone_pct": Territory._meta.get_field("priority_zone_pct").verbose_name,
}


_get = get_or_404
_get_allowed = get_allowed


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# --- home and search ---------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    indicator = "low_income_pct"
    values = dict(Territory.objects.filter(kind=Territory.Kind.QUARTIER).values_list("slug", indicator))
    return render(
        request,
        "directory/home.html",
        {
            "counts": selectors.directory_counts(),
            "map": maps.territory_map(
                language=current_language(), value=values.get, value_label=str(INDICATORS[indicator])
            ),
            "filter_form": DirectoryFilterForm(fields=("q",)),
        },
    )


def search(request: HttpRequest) -> HttpResponse:
    """One box, every kind of record: the first results of each, with links to see them all."""
    form = DirectoryFilterForm(request.GET or None, fields=("q",))
    filters = form.filters() if form.is_bound else selectors.DirectoryFilters()
    sections = []
    if filters.query:
        for key, title, results, url_name in (
            ("organisations", _("Organisations"), selectors.organisation_search(filters), "directory:organisations"),
            ("initiatives", _("Initiatives"), selectors.initiative_search(filters), "directory:initiatives"),
            ("offers", _("Support offers"), selectors.offer_search(filters), "directory:offers"),
        ):
            first = results.page(1, 5)
            sections.append(
                {
                    "key": key,
                    "title": title,
                    "count": first.paginator.count,
                    "items": first.object_list,
                    "url_name": url_name,
                }
            )
        territories = selectors.territory_search(filters.query)
        sections.append(
            {
                "key": "territories",
                "title": _("Territories"),
                "count": len(territories),
                "items": territories[:5],
                "url_name": "directory:territories",
            }
        )
    return render(
        request,
        "directory/search.html",
        {"form": form, "sections": sections, "query": filters.query, "query_string": _query_without_page(request)},
    )


# --- lists -------------------------------------------------------------------------------------

LISTS: dict[str, dict[str, Any]] = {
    "organisations": {
        "selector": selectors.organisation_search,
        "fields": ("q", "role", "territory", "sector", "population", "support_type"),
    },
    "initiatives": {
        "selector": selectors.initiative_search,
        "fields": ("q", "role", "territory", "sector", "population"),
    },
    "offers": {
        "selector": selectors.offer_search,
        "fields": ("q", "territory", "sector", "population", "support_type"),
    },
}


def directory_list(request: HttpRequest, kind: str) -> HttpResponse:
    config = LISTS[kind]
    form = DirectoryFilterForm(request.GET, fields=config["fields"])
    results = config["selector"](form.filters())
    page = results.page(page_number(request.GET.get("page")), settings.MAILLAGE_PAGE_SIZE)
    context = {
        "kind": kind,
        "form": form,
        "page": page,
        "query_string": _query_without_page(request),
        "title": {"organisations": _("Organisations"), "initiatives": _("Initiatives"), "offers": _("Support offers")}[
            kind
        ],
    }
    template = "directory/_results.html" if request.htmx and request.htmx.target == "results" else "directory/list.html"
    response = render(request, template, context)
    # The same address answers a whole page or, to htmx, the results alone: caches must keep both apart.
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def organisation_list(request: HttpRequest) -> HttpResponse:
    return directory_list(request, "organisations")


def initiative_list(request: HttpRequest) -> HttpResponse:
    return directory_list(request, "initiatives")


def offer_list(request: HttpRequest) -> HttpResponse:
    return directory_list(request, "offers")


# --- detail pages ------------------------------------------------------------------------------


def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    org: Organisation = _get(selectors.organisation_detail, slug)
    user = request.user
    return render(
        request,
        "directory/organisation_detail.html",
        {
            "org": org,
            "initiatives": selectors.organisation_initiatives(org),
            "offers": selectors.organisation_offers(org),
            "relations": selectors.organisation_relations_grouped(org),
            "can_view_private": user.has_perm("directory.view_organisation_private", org),
            "can_edit": user.has_perm("directory.edit_organisation", org),
            "can_manage_members": user.has_perm("directory.manage_organisation_members", org),
            "can_add_initiative": user.has_perm("directory.create_initiative_for", org),
            "can_add_offer": user.has_perm("directory.create_offer_for", org),
            "table_territories": org.table_territories.all(),
        },
    )


def initiative_detail(request: HttpRequest, slug: str) -> HttpResponse:
    initiative: Initiative = _get(selectors.initiative_detail, slug)
    can_diagnose = request.user.has_perm("diagnostics.start_diagnostic", initiative)
    return render(
        request,
        "directory/initiative_detail.html",
        {
            "initiative": initiative,
            "can_view_private": request.user.has_perm("directory.view_initiative_private", initiative),
            "can_edit": request.user.has_perm("directory.edit_initiative", initiative),
            "can_diagnose": can_diagnose,
            "has_draft_diagnostic": can_diagnose and initiative.diagnostics.filter(status="draft").exists(),
        },
    )


def offer_detail(request: HttpRequest, slug: str) -> HttpResponse:
    offer: SupportOffer = _get(selectors.offer_detail, slug)
    return render(
        request,
        "directory/offer_detail.html",
        {
            "offer": offer,
            "can_edit": request.user.has_perm("directory.edit_offer", offer),
        },
    )


def territory_list(request: HttpRequest) -> HttpResponse:
    indicator = request.GET.get("indicator", "low_income_pct")
    if indicator not in INDICATORS:
        indicator = "low_income_pct"
    territories = list(selectors.territory_list())
    quartiers = [t for t in territories if t.kind == Territory.Kind.QUARTIER]
    values = {t.slug: getattr(t, indicator) for t in quartiers}
    return render(
        request,
        "directory/territory_list.html",
        {
            "map": maps.territory_map(
                language=current_language(), value=values.get, value_label=str(INDICATORS[indicator])
            ),
            "indicator": indicator,
            "indicators": INDICATORS,
            "quartiers": sorted(quartiers, key=lambda t: t.name_fr),
            "boroughs": [t for t in territories if t.kind == Territory.Kind.BOROUGH],
            "linked_cities": [t for t in territories if t.kind == Territory.Kind.LINKED_CITY],
        },
    )


def territory_detail(request: HttpRequest, slug: str) -> HttpResponse:
    territory: Territory = _get(selectors.territory_detail, slug)
    actors = selectors.territory_actors(territory)
    sections = []
    for key, title, url_name in (
        ("organisations", _("Organisations"), "directory:organisations"),
        ("initiatives", _("Initiatives"), "directory:initiatives"),
        ("offers", _("Support offers"), "directory:offers"),
    ):
        first = actors[key].page(1, 8)
        sections.append(
            {
                "key": key,
                "title": title,
                "count": first.paginator.count,
                "items": first.object_list,
                "url_name": url_name,
            }
        )
    contains = list(territory.contains.all().order_by("name_fr"))
    return render(
        request,
        "directory/territory_detail.html",
        {
            "territory": territory,
            "map": maps.territory_map(
                highlight=territory, language=current_language(), zoom=territory.kind != Territory.Kind.REGION
            ),
            "sections": sections,
            "within": [t for t in territory.within.all() if t.kind != Territory.Kind.REGION],
            "contains": contains,
            "contains_quartiers": [t for t in contains if t.kind == Territory.Kind.QUARTIER],
        },
    )


# --- editing -----------------------------------------------------------------------------------


def _form_page(
    request: HttpRequest,
    *,
    form: Any,
    action: Callable[[], Any],
    success: str,
    then: str,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """A create or edit page: on a successful POST, go to the record's page (``then``); else show the form."""
    if request.method == "POST":
        record = save_form(request, form, action, success)
        if record is not None:
            return redirect(then, slug=record.slug)
    return render(request, template, {"form": form, **context})


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None, initial={"is_field_actor": True})
    return _form_page(
        request,
        form=form,
        action=lambda: services.organisation_create(actor=request.user, data=form.cleaned_data),
        success=_("The organisation is created; you are its administrator."),
        then="directory:organisation",
        template="directory/organisation_form.html",
        context={"creating": True},
    )


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, slug: str) -> HttpResponse:
    org: Organisation = _get_allowed(request, selectors.organisation_detail, slug, "directory.edit_organisation")
    form = OrganisationForm(request.POST or None, instance=org)
    return _form_page(
        request,
        form=form,
        action=lambda: services.organisation_update(actor=request.user, organisation=org, data=form.cleaned_data),
        success=_("Changes saved."),
        then="directory:organisation",
        template="directory/organisation_form.html",
        context={"org": org},
    )


@login_required
@require_http_methods(["GET", "POST"])
def initiative_create(request: HttpRequest, slug: str) -> HttpResponse:
    org: Organisation = _get_allowed(request, selectors.organisation_detail, slug, "directory.create_initiative_for")
    form = InitiativeForm(request.POST or None, initial={"territories": list(org.territories.all())})
    return _form_page(
        request,
        form=form,
        action=lambda: services.initiative_create(actor=request.user, organisation=org, data=form.cleaned_data),
        success=_("The initiative is created."),
        then="directory:initiative",
        template="directory/initiative_form.html",
        context={"org": org, "creating": True},
    )


@login_required
@require_http_methods(["GET", "POST"])
def initiative_edit(request: HttpRequest, slug: str) -> HttpResponse:
    initiative: Initiative = _get_allowed(request, selectors.initiative_detail, slug, "directory.edit_initiative")
    form = InitiativeForm(request.POST or None, instance=initiative)
    return _form_page(
        request,
        form=form,
        action=lambda: services.initiative_update(actor=request.user, initiative=initiative, data=form.cleaned_data),
        success=_("Changes saved."),
        then="directory:initiative",
        template="directory/initiative_form.html",
        context={"initiative": initiative},
    )


@login_required
@require_http_methods(["GET", "POST"])
def offer_create(request: HttpRequest, slug: str) -> HttpResponse:
    org: Organisation = _get(selectors.organisation_detail, slug)
    if not org.is_support_actor and request.user.has_perm("directory.create_initiative_for", org):
        messages.error(request, services.not_a_support_actor().message)
        return redirect("directory:organisation", slug=org.slug)
    if not request.user.has_perm("directory.create_offer_for", org):
        raise PermissionDenied
    form = OfferForm(request.POST or None, initial={"territories": list(org.territories.all())})
    return _form_page(
        request,
        form=form,
        action=lambda: services.offer_create(actor=request.user, provider=org, data=form.service_data()),
        success=_("The offer is published."),
        then="directory:offer",
        template="directory/offer_form.html",
        context={"org": org, "creating": True},
    )


@login_required
@require_http_methods(["GET", "POST"])
def offer_edit(request: HttpRequest, slug: str) -> HttpResponse:
    offer: SupportOffer = _get_allowed(request, selectors.offer_detail, slug, "directory.edit_offer")
    form = OfferForm(request.POST or None, instance=offer)
    return _form_page(
        request,
        form=form,
        action=lambda: services.offer_update(actor=request.user, offer=offer, data=form.service_data()),
        success=_("Changes saved."),
        then="directory:offer",
        template="directory/offer_form.html",
        context={"offer": offer},
    )


def about(request: HttpRequest) -> HttpResponse:
    return render(request, "directory/about.html")


@login_required
@require_http_methods(["GET", "POST"])
def relation_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Declare a relation: find the other organisation by name, then say how the two are related."""
    org: Organisation = _get_allowed(request, selectors.organisation_detail, slug, "directory.edit_organisation")
    find = (request.POST.get("find") or request.GET.get("find") or "").strip()[:200]
    chosen = request.POST.get("target", "")
    candidates = selectors.relation_candidates(org, find, also=chosen)
    form = RelationForm(request.POST or None, candidates=candidates)
    if request.method == "POST":
        relation = save_form(
            request,
            form,
            lambda: services.relation_create(actor=request.user, data=form.service_data(org)),
            _("The relation is declared."),
        )
        if relation is not None:
            return redirect("directory:organisation", slug=org.slug)
    # Finding nothing but one's own organisation deserves its own explanation.
    only_itself = (
        bool(find)
        and not candidates
        and any(o.pk == org.pk for o in selectors.organisation_search(selectors.DirectoryFilters(query=find)).first(3))
    )
    return render(
        request,
        "directory/relation_form.html",
        {"form": form, "org": org, "find": find, "candidates": candidates, "only_itself": only_itself},
    )


@login_required
@require_POST
def relation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    relation = Relation.objects.select_related("source", "target").filter(pk=pk).first()
    if relation is None:
        raise Http404
    back = request.POST.get("organisation", relation.source.slug)
    services.relation_delete(actor=request.user, relation=relation)
    messages.success(request, _("The relation is removed."))
    return redirect(
        "directory:organisation",
        slug=back if back in (relation.source.slug, relation.target.slug) else relation.source.slug,
    )
