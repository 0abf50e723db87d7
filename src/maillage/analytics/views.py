"""Analytics pages: the whole ecosystem, the same picture for every signed-in actor. Thin: read a
selector, shape rows for the template (or a CSV file), render.

Every chart has its data as a table on the page and as a CSV file (``?format=csv&table=…``)."""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from maillage.accounts.selectors import memberships_by_organisation
from maillage.common.errors import add_to_form
from maillage.common.i18n import current_language
from maillage.common.replica import reads_from_replica
from maillage.common.tables import csv_response
from maillage.common.views import NotFound, get_or_404
from maillage.core import analytics as core
from maillage.core import synergies as core_synergies
from maillage.core.errors import MaillageError
from maillage.core.sankey import sankey
from maillage.diagnostics import selectors as diagnostic_selectors
from maillage.directory import maps
from maillage.directory.models import Organisation, Relation, Territory
from maillage.directory.rules import is_member

from . import selectors, services
from .forms import ContactForm
from .models import NetworkRun, SynergyContact

TOP = 5  # funders counted in the top share
SANKEY_FUNDERS = 12  # the largest funders drawn; the others are grouped


def _wants_csv(request: HttpRequest) -> str | None:
    return request.GET.get("table") if request.GET.get("format") == "csv" else None


def _pct(part: float | None, whole: float | None) -> float | None:
    return 100 * part / whole if part is not None and whole else None


# --- overview --------------------------------------------------------------------------------


@login_required
@reads_from_replica
def overview(request: HttpRequest) -> HttpResponse:
    supply = selectors.demand_supply("quartier")
    need = sum(c.need for c in supply.cells)
    reachable = sum(c.reachable for c in supply.cells)
    flows = selectors.funding_flows()
    year = selectors.latest_year()
    of_year = [f for f in flows if f.year == year]
    amounts: dict[str, float] = defaultdict(float)
    for flow in of_year:
        amounts[flow.funder] += flow.amount
    return render(
        request,
        "analytics/overview.html",
        {
            "demo": selectors.uses_demo(),
            "reachable_pct": _pct(reachable, need),
            "gaps": len(supply.gaps()),
            "overlaps": len(supply.overlaps()),
            "cells": len(supply.cells),
            "year": year,
            "shares": core.money_shares(of_year),
            "concentration": core.concentration(amounts, top=TOP),
            "territory_groups": _territory_groups(current_language()),
        },
    )


# --- demand against supply ---------------------------------------------------------------------


def _place_name(slug: str, language: str, where: selectors.Places) -> str:
    """A territory's name, with its kind when it is not a quartier (Anjou the borough, Anjou the quartier)."""
    name = where.name(slug, language)
    kind = where.kinds.get(slug)
    if kind in (None, "quartier"):
        return name
    return _("%(name)s (%(kind)s)") % {"name": name, "kind": Territory.Kind(kind).label.lower()}


def _territory_groups(language: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Territories for a select, by kind (so that Verdun the borough and Verdun the quartier differ)."""
    where = selectors.places()
    groups = []
    for kinds, label in (
        (("borough", "linked_city"), _("Boroughs and linked cities")),
        (("quartier",), _("Quartiers")),
    ):
        members = sorted(
            ((slug, where.name(slug, language)) for slug, kind in where.kinds.items() if kind in kinds),
            key=lambda pair: pair[1].lower(),
        )
        groups.append((str(label), members))
    return groups


def group_name(group: str, language: str, where: selectors.Places) -> str:
    if group == core.OTHER:
        return _("Elsewhere: the whole island, small territories together, or no territory")
    if group.startswith(core.REST):
        return _("%(borough)s, other places: its small quartiers together, or the borough as a whole") % {
            "borough": where.name(group.removeprefix(core.REST), language)
        }
    return where.name(group, language)


@login_required
@reads_from_replica
def needs(request: HttpRequest) -> HttpResponse:
    level = request.GET.get("level", "quartier")
    if level not in selectors.LEVELS:
        level = "quartier"
    language = current_language()
    supply = selectors.demand_supply(level)
    where = selectors.places()
    elements = diagnostic_selectors.element_names(language)
    providers = sorted({p for c in supply.cells for p in c.providers})
    org_names = selectors.organisation_names(providers, language)
    offers = selectors.offer_names(sorted({o for c in supply.cells for o in c.offers}), language)

    def describe(cell: core.Cell) -> dict[str, Any]:
        return {
            "cell": cell,
            "element": elements.get(cell.element, cell.element),
            "group": group_name(cell.group, language, where),
            "group_link": cell.group if cell.group in where.names else None,
            "reachable_pct": _pct(cell.reachable, cell.need),
            "offers": [(o, offers.get(o, o)) for o in cell.offers],
            "providers": [org_names.get(p, p) for p in cell.providers],
        }

    table = _wants_csv(request)
    if table in ("gaps", "overlaps", "cells"):
        chosen = {"gaps": supply.gaps(), "overlaps": supply.overlaps(), "cells": list(supply.cells)}[table]
        return csv_response(
            f"maillage-{table}-{level}.csv",
            [
                "element",
                "element_name",
                "territory",
                "territory_name",
                "initiatives",
                "initiatives_in_need",
                "reachable_pct",
                "initiatives_out_of_reach",
                "places_in_reaching_offers",
                "initiatives_reached_by_several_providers",
                "places_to_spare",
                "is_gap",
                "is_overlap",
                "offers",
                "providers",
            ],
            (
                [
                    c.element,
                    elements.get(c.element, c.element),
                    c.group,
                    group_name(c.group, language, where),
                    c.initiatives,
                    c.in_need,
                    _pct(c.reachable, c.need),
                    c.unreachable_initiatives,
                    c.capacity,
                    c.contested,
                    c.spare,
                    int(c.is_gap),
                    int(c.is_overlap),
                    " ".join(c.offers),
                    " ".join(c.providers),
                ]
                for c in chosen
            ),
        )
    if table is not None:
        raise NotFound(_("There is no such table."))

    by_group = supply.by_group()
    by_element = supply.by_element()
    gaps, overlaps = supply.gaps(), supply.overlaps()

    def reachable_of(slug: str) -> float | None:
        if level != "quartier" or slug not in by_group:
            return None
        need, reachable = by_group[slug]
        return _pct(reachable, need)

    group_rows = sorted(
        (
            {
                "name": group_name(g, language, where),
                "slug": g if g in where.names else None,
                "initiatives": supply.sizes.get(g, 0),
                "reachable_pct": _pct(by_group[g][1], by_group[g][0]),
            }
            for g in supply.groups
            if g in by_group
        ),
        key=lambda r: (r["reachable_pct"] is None, r["reachable_pct"] or 0),
    )
    element_rows = sorted(
        (
            {"id": e, "name": elements.get(e, e), "reachable_pct": _pct(r, n), "need": n}
            for e, (n, r) in by_element.items()
        ),
        key=lambda r: r["reachable_pct"] or 0,
    )
    return render(
        request,
        "analytics/needs.html",
        {
            "demo": selectors.uses_demo(),
            "level": level,
            "supply": supply,
            "gaps": [describe(c) for c in gaps[:20]],
            "gap_count": len(gaps),
            "reachable_pct": _pct(sum(r for _n, r in by_group.values()), sum(n for n, _r in by_group.values())),
            "overlaps": [describe(c) for c in overlaps[:20]],
            "overlap_count": len(overlaps),
            "groups": group_rows,
            "elements": element_rows,
            "merged": [_place_name(g, language, where) for g in supply.merged],
            "withheld": [_place_name(g, language, where) for g in supply.withheld],
            "threshold": supply.threshold,
            "map": maps.territory_map(
                language=language, value=reachable_of, value_label=_("Share of the need that an offer can reach (%)")
            )
            if level == "quartier"
            else None,
        },
    )


# --- money and power ---------------------------------------------------------------------------


@login_required
@reads_from_replica
def money(request: HttpRequest) -> HttpResponse:
    language = current_language()
    flows = selectors.funding_flows()
    years = sorted({f.year for f in flows})
    latest = selectors.latest_year()
    try:
        year = int(request.GET.get("year") or latest or 0)
    except ValueError:
        year = latest or 0
    if year not in years and years:
        year = latest or years[-1]
    chosen = [f for f in flows if f.year == year]
    where = selectors.places()

    totals: dict[str, float] = defaultdict(float)
    for flow in chosen:
        totals[flow.funder] += flow.amount
    funders = sorted(totals, key=lambda k: (-totals[k], k))
    names = selectors.organisation_names(set(funders) | {f.recipient for f in chosen}, language)
    others = _("Other funders")
    shown = set(funders[:SANKEY_FUNDERS])
    sector_names = selectors.sector_names(language)
    to = "sectors" if request.GET.get("to") == "sectors" else "territories"

    def destination(key: str) -> str:
        return sector_names.get(key, key) if to == "sectors" else where.name(key, language)

    nowhere = _("No sector declared") if to == "sectors" else _("No territory declared")
    links = [
        (
            names.get(f.funder, f.funder) if f.funder in shown else others,
            destination(key) if key else nowhere,
            f.amount / max(1, len(getattr(f, to))),
        )
        for f in chosen
        for key in (getattr(f, to) or ("",))
    ]
    chart = sankey(links, width=960, height=max(360, 26 * len({t for _, t, _ in links})))

    def concentration_rows(dimension: str) -> list[dict[str, Any]]:
        rows = []
        for key, by_funder in core.amounts_by(chosen, dimension, none="").items():
            result = core.concentration(by_funder, top=TOP)
            if not key or result.total <= 0:
                continue
            rows.append({"key": key, "result": result})
        return sorted(rows, key=lambda r: -(r["result"].hhi or 0))

    by_territory = concentration_rows("territories")
    for row in by_territory:
        row["name"] = where.name(row["key"], language)
    by_sector = concentration_rows("sectors")
    for row in by_sector:
        row["name"] = sector_names.get(row["key"], row["key"])
    dependence = core.dependence(f for f in chosen if f.field_actor)
    bands = [
        (1.0, _("one funder gives everything")),
        (0.8, _("80 % or more from one funder")),
        (0.5, _("50 % or more from one funder")),
    ]
    dependence_counts = [(label, sum(1 for d in dependence if d.main_share >= floor - 1e-9)) for floor, label in bands]
    trend = core.by_year(flows, top=TOP)

    table = _wants_csv(request)
    if table == "flows":
        return csv_response(
            f"maillage-funding-{year}.csv",
            [
                "year",
                "funder",
                "funder_name",
                "recipient",
                "recipient_name",
                "amount",
                "unrestricted",
                "multi_year",
                "territories",
                "sectors",
            ],
            (
                [
                    f.year,
                    f.funder,
                    names.get(f.funder, f.funder),
                    f.recipient,
                    names.get(f.recipient, f.recipient),
                    f.amount,
                    int(f.flexible),
                    int(f.multi_year),
                    " ".join(f.territories),
                    " ".join(f.sectors),
                ]
                for f in chosen
            ),
        )
    if table in ("territories", "sectors"):
        rows = by_territory if table == "territories" else by_sector
        return csv_response(
            f"maillage-concentration-{table}-{year}.csv",
            ["key", "name", "amount", "funders", "top5_share_pct", "hhi"],
            (
                [
                    r["key"],
                    r["name"],
                    r["result"].total,
                    r["result"].funders,
                    _pct(r["result"].top_share, 1),
                    r["result"].hhi,
                ]
                for r in rows
            ),
        )
    if table == "dependence":
        return csv_response(
            f"maillage-dependence-{year}.csv",
            [
                "recipient",
                "recipient_name",
                "amount",
                "main_funder",
                "main_funder_name",
                "main_funder_share_pct",
                "funders",
            ],
            (
                [
                    d.recipient,
                    names.get(d.recipient, d.recipient),
                    d.total,
                    d.main_funder,
                    names.get(d.main_funder, d.main_funder),
                    100 * d.main_share,
                    d.funders,
                ]
                for d in dependence
            ),
        )
    if table == "years":
        return csv_response(
            "maillage-funding-by-year.csv",
            ["year", "amount", "flows", "unrestricted_pct", "multi_year_pct", "funders", "top5_share_pct", "hhi"],
            (
                [
                    r.year,
                    r.shares.total,
                    r.shares.flows,
                    _pct(r.shares.flexible_share, 1),
                    _pct(r.shares.multi_year_share, 1),
                    r.concentration.funders,
                    _pct(r.concentration.top_share, 1),
                    r.concentration.hhi,
                ]
                for r in trend
            ),
        )
    if table is not None:
        raise NotFound(_("There is no such table."))

    largest = max((r.shares.total for r in trend), default=0.0)
    return render(
        request,
        "analytics/money.html",
        {
            "demo": selectors.uses_demo(),
            "year": year,
            "years": years,
            "shares": core.money_shares(chosen),
            "concentration": core.concentration(totals, top=TOP),
            "top": TOP,
            "chart": chart,
            "to": to,
            "links": sorted(chart.links, key=lambda link: -link.value),
            "by_territory": by_territory,
            "no_territory": sum(f.amount for f in chosen if not f.territories),
            "no_sector": sum(f.amount for f in chosen if not f.sectors),
            "by_sector": by_sector,
            "dependence": dependence_counts,
            "recipients": len(dependence),
            "most_dependent": [
                (d, names.get(d.recipient, d.recipient), names.get(d.main_funder, d.main_funder))
                for d in dependence[:10]
            ],
            "trend": [(r, 100 * r.shares.total / largest if largest else 0) for r in trend],
        },
    )


# --- equity ------------------------------------------------------------------------------------


FIGURE_LABELS = {
    "low_income": gettext_lazy("people with low income"),
    "material_deprivation": gettext_lazy("material deprivation"),
    "social_deprivation": gettext_lazy("social deprivation"),
    "priority_zone": gettext_lazy("population in priority zones"),
}


@login_required
@reads_from_replica
def equity(request: HttpRequest) -> HttpResponse:
    figure = request.GET.get("figure", "low_income")
    if figure not in selectors.FIGURES:
        figure = "low_income"
    language = current_language()
    where = selectors.places()
    supply = selectors.demand_supply("quartier")
    money = selectors.quartier_flows()
    actors = selectors.field_actor_counts()
    quartiers = where.quartiers()
    values = {q: where.figures[q][figure] for q in quartiers if figure in where.figures.get(q, {})}
    groups = core.equity_groups(values, classes=5)

    rows: dict[str, dict[str, float]] = {q: {} for q in quartiers}
    for cell in supply.cells:
        if cell.group in rows:
            rows[cell.group]["need"] = rows[cell.group].get("need", 0.0) + cell.need
            rows[cell.group]["reachable"] = rows[cell.group].get("reachable", 0.0) + cell.reachable
            rows[cell.group]["in_need"] = rows[cell.group].get("in_need", 0.0) + cell.in_need
            rows[cell.group]["out_of_reach"] = rows[cell.group].get("out_of_reach", 0.0) + cell.unreachable_initiatives
    for q in quartiers:
        rows[q]["money"] = money.get(q, {}).get("money", 0.0)
        rows[q]["flexible"] = money.get(q, {}).get("flexible", 0.0)
        rows[q]["population"] = float(where.population.get(q, 0))
        rows[q]["field_actors"] = float(actors.get(q, 0))
    sums = core.sum_by_group(groups, rows)
    indicators = [
        (
            "reachable",
            _("Share of the need that an offer can reach"),
            "pct",
            lambda s: s.ratio("reachable", "need", 100),
        ),
        (
            "out_of_reach",
            _("Needs out of reach of every offer (share of needs)"),
            "pct",
            lambda s: s.ratio("out_of_reach", "in_need", 100),
        ),
        ("money", _("Funding declared per inhabitant ($)"), "money", lambda s: s.ratio("money", "population")),
        ("flexible", _("Unrestricted share of that funding"), "pct", lambda s: s.ratio("flexible", "money", 100)),
        (
            "field_actors",
            _("Field actors per 10,000 inhabitants"),
            "number",
            lambda s: s.ratio("field_actors", "population", 10_000),
        ),
    ]
    table = [
        {"key": key, "label": label, "kind": kind, "values": [compute(s) for s in sums]}
        for key, label, kind, compute in indicators
    ]
    chosen = request.GET.get("indicator", "reachable")
    if chosen not in {key for key, *_ in indicators}:
        chosen = "reachable"

    formula = {key: compute for key, _label, _kind, compute in indicators}

    def map_value(slug: str, indicator: str | None = None) -> float | None:
        """An indicator of one quartier: the same formula as for a quintile, over that quartier alone."""
        return formula[indicator or chosen](core.GroupSum(1, dict(rows.get(slug, {}))))

    if _wants_csv(request) == "groups":
        return csv_response(
            f"maillage-equity-{figure}.csv",
            ["indicator", "indicator_name", *[f"quintile_{i + 1}" for i in range(groups.classes)]],
            ([row["key"], str(row["label"]), *row["values"]] for row in table),
        )
    if _wants_csv(request) == "quartiers":
        return csv_response(
            f"maillage-equity-quartiers-{figure}.csv",
            [
                "quartier",
                "name",
                figure,
                "quintile",
                "reachable_pct",
                "out_of_reach_pct",
                "funding_per_inhabitant",
                "unrestricted_pct",
                "field_actors_per_10000",
            ],
            (
                [
                    q,
                    where.name(q, language),
                    values.get(q),
                    groups.group_of[q] + 1 if q in groups.group_of else None,
                    *[map_value(q, key) for key in ("reachable", "out_of_reach", "money", "flexible", "field_actors")],
                ]
                for q in quartiers
            ),
        )
    if _wants_csv(request) is not None:
        raise NotFound(_("There is no such table."))
    return render(
        request,
        "analytics/equity.html",
        {
            "demo": selectors.uses_demo(),
            "figure": figure,
            "figures": FIGURE_LABELS,
            "figure_label": FIGURE_LABELS[figure],
            "groups": groups,
            "sums": sums,
            "table": table,
            "indicator": chosen,
            "indicators": [(key, label) for key, label, *_ in indicators],
            "map": maps.territory_map(
                language=language,
                value=map_value,
                value_label=dict((k, label) for k, label, *_ in indicators)[chosen],
                unit="%" if chosen in ("reachable", "out_of_reach", "flexible") else "",
            ),
            "threshold": supply.threshold,
            "year": selectors.latest_year(),
            "map_rows": sorted(
                (
                    {
                        "slug": q,
                        "name": where.name(q, language),
                        "figure": values.get(q),
                        "quintile": groups.group_of[q] + 1 if q in groups.group_of else None,
                        "value": map_value(q),
                    }
                    for q in quartiers
                ),
                key=lambda row: row["name"].lower(),
            ),
            "indicator_kind": next(kind for key, _label, kind, _f in indicators if key == chosen),
        },
    )


# --- the network of relations ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def network(request: HttpRequest) -> HttpResponse:
    language = current_language()
    filters = selectors.NetworkFilters.parse(
        request.GET.getlist("kind"), request.GET.get("year"), request.GET.get("territory")
    )
    run = services.network_for(filters, retry=request.method == "POST")
    if request.method == "POST":
        return redirect(request.get_full_path())
    if request.headers.get("HX-Request"):
        if run.is_active:
            return render(request, "analytics/network_progress.html", {"run": run})
        done = HttpResponse("")
        done["HX-Refresh"] = "true"  # the whole page, now with the results
        return done
    result = run.result or {}
    table = _wants_csv(request)
    if table == "organisations" and result:
        nodes = NetworkRun.objects.values_list("nodes", flat=True).get(pk=run.pk) or {}
        names = selectors.all_organisation_names(current_language())
        return csv_response(
            "maillage-network-organisations.csv",
            ["organisation", "name", "ties", "betweenness", "community"],
            (
                (slug, names.get(slug, slug), degree, betweenness, community)
                for slug, degree, betweenness, community in zip(
                    nodes.get("slug", []),
                    nodes.get("degree", []),
                    nodes.get("betweenness", []),
                    nodes.get("community", []),
                    strict=True,
                )
            ),
        )
    if table is not None:
        raise NotFound(_("There is no such table."))
    slugs = set()
    for broker in result.get("brokers", []):
        slugs.add(broker["slug"])
    for group in result.get("groups", []):
        slugs.update(group["central"])
    slugs.update(result.get("isolated", []))
    names = selectors.organisation_names(slugs, language)
    where = selectors.places()
    largest = max((g["size"] for g in result.get("groups", [])), default=0)
    drawing = _community_drawing(result)
    years = sorted(
        {y for y in selectors.relations_for(selectors.NetworkFilters()).values_list("year", flat=True).distinct() if y},
        reverse=True,
    )
    return render(
        request,
        "analytics/network.html",
        {
            "demo": selectors.demo_relations(),
            "run": run,
            "result": result,
            "filters": filters,
            "kinds": [(value, label) for value, label in Relation.Kind.choices],
            "years": years,
            "territory_groups": _territory_groups(language),
            "territory_name": where.name(filters.territory, language) if filters.territory else "",
            "names": names,
            "groups": [
                {
                    **g,
                    "central_names": [names.get(s, s) for s in g["central"]],
                    "place_names": [where.name(p, language) for p in g["places"]],
                    "width": 100 * g["size"] / largest if largest else 0,
                }
                for g in result.get("groups", [])
            ],
            "brokers": [{**b, "name": names.get(b["slug"], b["slug"])} for b in result.get("brokers", [])],
            "isolated": sorted(((s, names.get(s, s)) for s in result.get("isolated", [])), key=lambda p: p[1].lower()),
            "query": request.GET.urlencode(),
            "drawing": drawing,
        },
    )


def _community_drawing(result: dict[str, Any]) -> dict[str, Any] | None:
    """The communities on a circle, as large as their membership, joined by lines as thick as the ties
    between them (the page also prints the ties as a table)."""
    groups = result.get("groups") or []
    if len(groups) < 2:
        return None
    size, centre, ring = 420.0, 210.0, 150.0
    largest = max(g["size"] for g in groups)
    places = {}
    nodes = []
    for i, group in enumerate(groups):
        angle = 2 * math.pi * i / len(groups) - math.pi / 2
        x, y = centre + ring * math.cos(angle), centre + ring * math.sin(angle)
        places[group["label"]] = (x, y)
        nodes.append({"label": group["label"], "x": x, "y": y, "r": 6 + 26 * math.sqrt(group["size"] / largest)})
    between = result.get("between") or []
    most = max((count for _, _, count in between), default=1)
    lines = [
        {
            "a": a,
            "b": b,
            "ties": count,
            "x1": places[a][0],
            "y1": places[a][1],
            "x2": places[b][0],
            "y2": places[b][1],
            "width": 0.5 + 7.5 * count / most,
        }
        for a, b, count in between
        if a in places and b in places
    ]
    return {"size": size, "nodes": nodes, "lines": sorted(lines, key=lambda line: -line["ties"])}


# --- the printable report ----------------------------------------------------------------------


REPORT_ROWS = 10


@login_required
def report(request: HttpRequest) -> HttpResponse:
    """The ecosystem of a territory (or the whole agglomeration) on a few printable pages, as a PDF made
    on the server (``?format=html`` shows the same page in the browser)."""
    language = current_language()
    where = selectors.places()
    slug = request.GET.get("territory") or None
    if slug is not None and slug not in where.names:
        raise NotFound(_("There is no such territory."))
    if slug is not None and where.kinds[slug] == "region":
        slug = None  # the agglomeration: the whole picture
    kind = where.kinds.get(slug or "", "")
    scope = set(where.boroughs_of.get(slug, ())) if slug else set()
    borough = where.borough_of(slug) if slug else None
    elements = diagnostic_selectors.element_names(language)

    # Needs and offers: the territory's own cells (when it has enough initiatives to be shown).
    level = "quartier" if kind == "quartier" else "borough"
    supply = selectors.demand_supply(level)
    cells = [c for c in supply.cells if slug is None or c.group == slug]
    shown = slug is None or slug in supply.groups
    need = sum(c.need for c in cells)
    providers = {p for c in cells for p in c.providers}
    names = selectors.organisation_names(providers, language)

    def gap_row(cell: core.Cell) -> dict[str, Any]:
        return {
            "element": elements.get(cell.element, cell.element),
            "group": group_name(cell.group, language, where),
            "cell": cell,
            "reachable_pct": _pct(cell.reachable, cell.need),
            "providers": [names.get(p, p) for p in cell.providers],
        }

    gaps = [c for c in supply.gaps() if slug is None or c.group == slug][:REPORT_ROWS]
    overlaps = [c for c in supply.overlaps() if slug is None or c.group == slug][:REPORT_ROWS]

    # Money: the latest year, to organisations working in the territory's boroughs (or anywhere); a
    # grant to an organisation of several territories counts for its share there.
    year = selectors.latest_year()
    flows = [
        dataclasses.replace(f, amount=f.amount * len(scope & set(f.territories)) / len(f.territories)) if scope else f
        for f in selectors.funding_flows()
        if f.year == year and (not scope or scope & set(f.territories))
    ]
    totals: dict[str, float] = defaultdict(float)
    for flow in flows:
        totals[flow.funder] += flow.amount
    funder_names = selectors.organisation_names(set(totals), language)
    top_funders = [
        (funder_names.get(f, f), amount) for f, amount in sorted(totals.items(), key=lambda kv: -kv[1])[:REPORT_ROWS]
    ]

    # Networks: ties touching the territory.
    network_run = services.network_for(selectors.NetworkFilters(territory=slug))
    brokers = (network_run.result or {}).get("brokers", [])[:REPORT_ROWS]
    broker_names = selectors.organisation_names({b["slug"] for b in brokers}, language)

    figures = where.figures.get(slug or "", {})
    context = {
        "demo": selectors.uses_demo(),
        "territory": _place_name(slug, language, where) if slug else _("Agglomeration of Montréal"),
        "territory_slug": slug,
        "borough": where.name(borough, language) if borough and borough != slug else "",
        "boroughs": [where.name(b, language) for b in sorted(scope)] if scope and not borough else [],
        "figures": [(FIGURE_LABELS[key], value) for key, value in figures.items()],
        "population": where.population.get(slug or ""),
        "shown": shown,
        "threshold": supply.threshold,
        "reachable_pct": _pct(sum(c.reachable for c in cells), need),
        "initiatives": max((c.initiatives for c in cells), default=0) if slug else None,
        "gaps": [gap_row(c) for c in gaps],
        "overlaps": [gap_row(c) for c in overlaps],
        "year": year,
        "shares": core.money_shares(flows),
        "concentration": core.concentration(totals, top=TOP),
        "top": TOP,
        "top_funders": top_funders,
        "network": network_run,
        "brokers": [{**b, "name": broker_names.get(b["slug"], b["slug"])} for b in brokers],
        "today": timezone.localdate(),
    }
    if request.GET.get("format") == "html":
        return render(request, "analytics/report.html", {**context, "printing": False})
    from django.template.loader import render_to_string
    from weasyprint import HTML  # imported here: about half a second, only for PDFs

    from maillage.diagnostics.views import _no_fetching, _report_css

    html = render_to_string(
        "analytics/report.html", {**context, "printing": True, "report_css": _report_css()}, request=request
    )
    document = HTML(string=html, base_url=request.build_absolute_uri("/"), url_fetcher=_no_fetching()).write_pdf()
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="maillage-{slug or "montreal"}.pdf"'
    return response


# --- synergies among field actors ----------------------------------------------------------------------


SYNERGIES_SHOWN = 60


def _describe_pair(
    pair: Any, names: dict[str, str], resources: dict[str, str], populations: dict[str, str]
) -> list[str]:
    """The reasons of a pair, in words."""
    reasons = []
    for reason in pair.reasons:
        if reason.kind == "shares":
            other = pair.b if reason.giver == pair.a else pair.a
            reasons.append(
                _("%(giver)s can share: %(resource)s; %(other)s is looking for it.")
                % {
                    "giver": names.get(reason.giver, reason.giver),
                    "resource": resources.get(reason.code, reason.code).lower(),
                    "other": names.get(other, other),
                }
            )
        else:
            reasons.append(
                _("Both serve: %(population)s.") % {"population": populations.get(reason.code, reason.code).lower()}
            )
    return reasons


CITY_WIDE_ACTORS = 3_000  # beyond, every synergy is listed one quartier at a time


@login_required
@reads_from_replica
def synergies(request: HttpRequest) -> HttpResponse:
    language = current_language()
    where = selectors.places()
    quartier = request.GET.get("quartier") or ""
    if quartier and where.kinds.get(quartier) != "quartier":
        quartier = ""
    city_wide = selectors.declared_synergy_actors() <= CITY_WIDE_ACTORS
    mine = {
        org.slug: org for org in Organisation.objects.filter(pk__in=list(memberships_by_organisation(request.user)))
    }
    my_pairs_all, my_groups_all = selectors.synergies(selectors.quartiers_of(list(mine.values()))) if mine else ([], [])
    if quartier:
        pairs, groups = selectors.synergies(frozenset([quartier]))
    elif city_wide:
        pairs, groups = selectors.synergies()
    else:
        pairs, groups = [], []
    slugs = (
        {p.a for p in [*pairs, *my_pairs_all]}
        | {p.b for p in [*pairs, *my_pairs_all]}
        | {m for g in [*groups, *my_groups_all] for m in g.members}
    )
    names = selectors.organisation_names(slugs, language)
    resources = selectors.resource_names(language)
    populations = selectors.population_names(language)

    def pair_row(pair: Any, me: str | None = None) -> dict[str, Any]:
        other = (pair.b if pair.a == me else pair.a) if me else None
        return {
            "pair": pair,
            "a": (pair.a, names.get(pair.a, pair.a)),
            "b": (pair.b, names.get(pair.b, pair.b)),
            "places": [where.name(p, language) for p in pair.places],
            "reasons": _describe_pair(pair, names, resources, populations),
            "me": me,
            "other": (other, names.get(other, other)) if other else None,
        }

    def group_row(group: Any, me: str | None = None) -> dict[str, Any]:
        return {
            "place": where.name(group.place, language),
            "resource": resources.get(group.resource, group.resource),
            "members": [(m, names.get(m, m)) for m in group.members],
            "me": me,
        }

    table = _wants_csv(request)
    if table == "pairs":
        return csv_response(
            f"maillage-synergies-pairs{'-' + quartier if quartier else ''}.csv",
            ["organisation_a", "name_a", "organisation_b", "name_b", "quartiers", "score", "reasons"],
            (
                [
                    p.a,
                    names.get(p.a, p.a),
                    p.b,
                    names.get(p.b, p.b),
                    " ".join(p.places),
                    p.score,
                    " | ".join(_describe_pair(p, names, resources, populations)),
                ]
                for p in pairs
            ),
        )
    if table == "groups":
        return csv_response(
            f"maillage-synergies-groups{'-' + quartier if quartier else ''}.csv",
            ["quartier", "resource", "resource_name", "organisations", "names"],
            (
                [
                    g.place,
                    g.resource,
                    resources.get(g.resource, g.resource),
                    " ".join(g.members),
                    " | ".join(names.get(m, m) for m in g.members),
                ]
                for g in groups
            ),
        )
    if table is not None:
        raise NotFound(_("There is no such table."))
    yours = []
    written: dict[str, set[str]] = defaultdict(set)
    for sender, recipient in SynergyContact.objects.filter(
        sender__in=list(mine.values()), created_at__gte=timezone.now() - services.CONTACT_INTERVAL
    ).values_list("sender__slug", "recipient__slug"):
        written[sender].add(recipient)
    for slug in sorted(mine):
        my_pairs, my_groups = core_synergies.concerning(my_pairs_all, my_groups_all, slug)
        if my_pairs or my_groups:
            yours.append(
                {
                    "written": written[slug],
                    "org": mine[slug],
                    "pairs": [pair_row(p, slug) for p in my_pairs],
                    "groups": [group_row(g, slug) for g in my_groups],
                }
            )
    return render(
        request,
        "analytics/synergies.html",
        {
            "demo": selectors.demo_relations(),
            "yours": yours,
            "has_organisation": bool(mine),
            "pairs": [pair_row(p) for p in pairs[:SYNERGIES_SHOWN]],
            "pair_count": len(pairs),
            "groups": [group_row(g) for g in groups[:SYNERGIES_SHOWN]],
            "group_count": len(groups),
            "quartier": quartier,
            "listed": bool(quartier) or city_wide,
            "max_places": selectors.MAX_PLACES,
            "quartiers": sorted(((q, where.name(q, language)) for q in where.quartiers()), key=lambda p: p[1].lower()),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def synergy_contact(request: HttpRequest) -> HttpResponse:
    """Write to an organisation a synergy links one of yours with."""
    sender = get_or_404(_organisation, request.GET.get("from") or request.POST.get("from") or "")
    recipient = get_or_404(_organisation, request.GET.get("to") or request.POST.get("to") or "")
    if not is_member(request.user, sender):
        raise PermissionDenied
    if recipient.slug not in services.synergy_partners(sender):
        raise NotFound(_("Maillage found no synergy between these two organisations."))
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.synergy_contact(
                user=request.user, sender=sender, recipient=recipient, message=form.cleaned_data["message"]
            )
        except MaillageError as error:
            add_to_form(form, error)
        else:
            messages.success(
                request,
                _("Your message was sent to %(name)s. They will answer you by e-mail.") % {"name": recipient.name},
            )
            return redirect("analytics:synergies")
    pairs, groups = selectors.synergies()
    language = current_language()
    names = selectors.organisation_names({sender.slug, recipient.slug}, language)
    pair = next((p for p in pairs if {p.a, p.b} == {sender.slug, recipient.slug}), None)
    reasons = (
        _describe_pair(pair, names, selectors.resource_names(language), selectors.population_names(language))
        if pair
        else []
    )
    shared_groups = [
        selectors.resource_names(language).get(g.resource, g.resource)
        for g in groups
        if sender.slug in g.members and recipient.slug in g.members
    ]
    return render(
        request,
        "analytics/synergy_contact.html",
        {"form": form, "sender": sender, "recipient": recipient, "reasons": reasons, "shared_groups": shared_groups},
    )


def _organisation(slug: str) -> Organisation:
    found = Organisation.objects.filter(slug=slug).first() if selectors.is_slug(slug) else None
    if found is None:
        raise MaillageError("not_found", _("There is no such organisation."))
    return found
