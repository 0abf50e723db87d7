"""Scenario pages: make a what-if, run it in the background, read what it advises. Thin: load, check,
call a service or a selector, render."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from collections import Counter
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from maillage.common.errors import add_to_form
from maillage.common.i18n import current_language
from maillage.common.views import NotFound, get_or_404
from maillage.core.allocation import Instance
from maillage.core.errors import MaillageError, Problem
from maillage.diagnostics import selectors as diagnostic_selectors
from maillage.diagnostics.models import Diagnostic
from maillage.directory import maps
from maillage.directory.models import Initiative, Organisation, SupportOffer, Territory
from maillage.directory.rules import is_member, is_steward
from maillage.matching import selectors as matching_selectors
from maillage.matching.allocation import ecosystem_instance
from maillage.matching.models import EligibilityRule

from . import selectors, services
from .changes import relax_of
from .forms import ImportForm, InviteForm, NewOfferForm, OfferChangesForm, PoolForm, ScenarioForm
from .models import Run, Scenario

STEWARDS = "stewards"


def _scenario(request: HttpRequest, slug: str, perm: str = "scenarios.view_scenario") -> Scenario:
    """The scenario, if this person may see it; else "not found", so that a private scenario's title
    (its identifier) cannot be probed."""
    scenario = get_or_404(selectors.scenario_get, slug)
    if not request.user.has_perm("scenarios.view_scenario", scenario):
        raise NotFound(_("There is no such scenario."))
    if perm != "scenarios.view_scenario" and not request.user.has_perm(perm, scenario):
        raise PermissionDenied
    return scenario


def _owners(user: Any) -> list[tuple[str, str]]:
    owners = [(STEWARDS, _("The stewards (every offer)"))] if is_steward(user) else []
    return owners + [(org.slug, org.name) for org in selectors.creatable_for(user)]


@login_required
def scenario_list(request: HttpRequest) -> HttpResponse:
    services.runs_recover()
    scenarios = list(selectors.visible_scenarios(request.user).prefetch_related("runs"))
    rows = [(s, next(iter(s.runs.all()), None)) for s in scenarios]
    return render(request, "scenarios/list.html", {"rows": rows, "can_create": bool(_owners(request.user))})


@login_required
@require_http_methods(["GET", "POST"])
def scenario_create(request: HttpRequest) -> HttpResponse:
    owners = _owners(request.user)
    if not owners:
        raise PermissionDenied
    form = ScenarioForm(request.POST or None, owners=owners, initial={"time_limit": 10})
    if request.method == "POST" and form.is_valid():
        owner = form.cleaned_data["owner"]
        organisation = None if owner == STEWARDS else Organisation.objects.filter(slug=owner).first()
        try:
            scenario = services.scenario_create(
                user=request.user,
                organisation=organisation,
                **form.settings(),
            )
        except MaillageError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("The scenario is created. Now say what would change."))
            return redirect("scenarios:changes", scenario.slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "scenarios/form.html", {"form": form, "creating": True}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def scenario_edit(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = _scenario(request, slug, "scenarios.edit_scenario")
    initial = {
        "title": scenario.title,
        "description": scenario.description,
        "equity_pct": round(scenario.equity_share * 100) if scenario.equity_share else None,
        "time_limit": scenario.time_limit,
        "is_shared": scenario.is_shared,
    }
    form = ScenarioForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.scenario_update(
                user=request.user,
                scenario=scenario,
                **form.settings(),
            )
        except MaillageError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("The scenario is saved."))
            return redirect("scenarios:detail", scenario.slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "scenarios/form.html", {"form": form, "scenario": scenario}, status=status)


@login_required
@require_POST
def scenario_delete(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = _scenario(request, slug, "scenarios.edit_scenario")
    try:
        services.scenario_delete(user=request.user, scenario=scenario)
    except MaillageError as exc:
        messages.error(request, exc.message)
        return redirect("scenarios:detail", scenario.slug)
    messages.success(request, _("The scenario is deleted."))
    return redirect("scenarios:list")


def _in_scope(scenario: Scenario, instance: Any) -> list[Any]:
    own = services.own_offer_ids(scenario.organisation)
    return [o for o in instance.offers if own is None or o.id in own]


def _offer_names(ids: list[str]) -> dict[str, str]:
    """Offers by name and provider (two providers may name an offer alike)."""
    return selectors.offer_labels(ids, current_language())


def _rule_kinds(ids: list[str]) -> dict[str, set[str]]:
    """The kinds of rule each offer applies (territories listed without a rule count as one)."""
    kinds: dict[str, set[str]] = {}
    for offer in SupportOffer.objects.filter(slug__in=ids).prefetch_related(
        "eligibility_rules", "territories", "sectors", "populations"
    ):
        kinds[offer.slug] = {rule.kind for rule in matching_selectors.rules_of(offer)}
    return kinds


def _save_changes(
    request: HttpRequest, scenario: Scenario, changes: dict[str, Any], instance: Instance | None = None
) -> MaillageError | None:
    try:
        services.changes_set(user=request.user, scenario=scenario, changes=changes, instance=instance)
    except MaillageError as exc:
        return exc
    return None


@login_required
@require_http_methods(["GET", "POST"])
def scenario_changes(request: HttpRequest, slug: str) -> HttpResponse:
    """Offer by offer: capacity, reporting hours, rules lifted, removal."""
    scenario = _scenario(request, slug, "scenarios.edit_scenario")
    instance = ecosystem_instance()
    offers = _in_scope(scenario, instance)
    ids = [o.id for o in offers]
    form = OfferChangesForm(request.POST or None, offers=offers, kinds=_rule_kinds(ids), changes=scenario.changes)
    error = None
    if request.method == "POST" and form.is_valid():
        error = _save_changes(request, scenario, form.apply(scenario.changes), instance)
        if error is None:
            messages.success(request, _("The changes are saved."))
            return redirect("scenarios:detail", scenario.slug)
        _show_on_rows(error, form)
    return render(
        request,
        "scenarios/changes.html",
        {"scenario": scenario, "form": form, "names": _offer_names(ids), "error": error},
        status=400 if request.method == "POST" else 200,
    )


def _show_on_rows(error: MaillageError, form: OfferChangesForm) -> None:
    """``capacity.o1`` → the field ``o1__capacity`` of the form."""
    fields = {"capacity": "capacity", "burden_hours": "hours", "relax": "relax", "remove_offers": "remove"}
    for problem in error.problems:
        key, _sep, offer = (problem.field or "").partition(".")
        name = f"{offer}__{fields.get(key, '')}"
        if name in form.fields:
            form.add_error(name, problem.message)


def _with_its_rules(scenario: Scenario) -> Instance:
    """The ecosystem as the scenario sees it (its lifted rules included): built once per request."""
    return ecosystem_instance(relax_of(scenario.changes))


def _offer_choices(scenario: Scenario, instance: Instance) -> list[tuple[str, str]]:
    ids = [o.id for o in _in_scope(scenario, instance)]
    names = _offer_names(ids)
    return sorted(((i, names.get(i, i)) for i in ids), key=lambda c: c[1].lower())


@login_required
@require_http_methods(["GET", "POST"])
def scenario_pool(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = _scenario(request, slug, "scenarios.edit_scenario")
    instance = _with_its_rules(scenario)
    form = PoolForm(request.POST or None, offers=_offer_choices(scenario, instance))
    if request.method == "POST" and form.is_valid():
        changes = dict(scenario.changes)
        pool_id = _new_id(changes, form.cleaned_data["name"])
        changes["pool"] = [
            *(changes.get("pool") or []),
            {"id": pool_id, "name": form.cleaned_data["name"], "offers": form.cleaned_data["offers"]},
        ]
        error = _save_changes(request, scenario, changes, instance)
        if error is None:
            messages.success(request, _("The pooled fund is added to the scenario."))
            return redirect("scenarios:detail", scenario.slug)
        add_to_form(form, error)
    status = 400 if request.method == "POST" else 200
    return render(request, "scenarios/pool.html", {"scenario": scenario, "form": form}, status=status)


def _new_id(changes: dict[str, Any], name: str) -> str:
    taken = {p.get("id") for p in changes.get("pool") or []} | {o.get("id") for o in changes.get("add_offers") or []}
    base = "scenario-" + (slugify(name)[:50] or "offre")
    found, number = base, 2
    while found in taken or SupportOffer.objects.filter(slug=found).exists():
        found, number = f"{base}-{number}", number + 1
    return found


@login_required
@require_http_methods(["GET", "POST"])
def scenario_new_offer(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = _scenario(request, slug, "scenarios.edit_scenario")
    instance = _with_its_rules(scenario)
    form = NewOfferForm(request.POST or None, offers=_offer_choices(scenario, instance))
    if request.method == "POST" and form.is_valid():
        changes = dict(scenario.changes)
        changes["add_offers"] = [
            *(changes.get("add_offers") or []),
            form.offer(_new_id(changes, form.cleaned_data["name"])),
        ]
        error = _save_changes(request, scenario, changes, instance)
        if error is None:
            messages.success(request, _("The new offer is added to the scenario."))
            return redirect("scenarios:detail", scenario.slug)
        add_to_form(form, error)
    status = 400 if request.method == "POST" else 200
    return render(request, "scenarios/new_offer.html", {"scenario": scenario, "form": form}, status=status)


@login_required
@require_POST
def scenario_undo(request: HttpRequest, slug: str) -> HttpResponse:
    """Take a pooled fund or a new offer out of the scenario."""
    scenario = _scenario(request, slug, "scenarios.edit_scenario")
    key, target = request.POST.get("kind"), request.POST.get("id")
    if key not in ("pool", "add_offers"):
        messages.error(request, _("Nothing to take out."))
        return redirect("scenarios:detail", scenario.slug)
    changes = dict(scenario.changes)
    before = list(changes.get(key) or [])
    changes[key] = [item for item in before if not isinstance(item, dict) or item.get("id") != target]
    if len(changes[key]) == len(before):
        messages.error(request, _("Nothing to take out."))
        return redirect("scenarios:detail", scenario.slug)
    if not changes[key]:
        changes.pop(key)
    error = _save_changes(request, scenario, changes)
    if error is not None:
        messages.error(request, error.message)
    else:
        messages.success(request, _("It is taken out of the scenario."))
    return redirect("scenarios:detail", scenario.slug)


def _no_constant(name: str) -> Any:
    raise ValueError(name)  # NaN and Infinity are not JSON


@login_required
@require_http_methods(["GET", "POST"])
def scenario_import(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = _scenario(request, slug, "scenarios.edit_scenario")
    form = ImportForm(request.POST or None, request.FILES or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            changes = json.loads(form.cleaned_data["file"].read().decode("utf-8"), parse_constant=_no_constant)
        except UnicodeDecodeError:
            error = MaillageError("scenario_invalid", _("The file is not in UTF-8: save it as UTF-8 JSON."))
        except json.JSONDecodeError as exc:
            where = _("line {line}, column {column}").format(line=exc.lineno, column=exc.colno)
            error = MaillageError(
                "scenario_invalid",
                _("The file is not valid JSON."),
                [Problem("json_invalid", _("The JSON stops making sense here."), field=where)],
            )
        except (ValueError, RecursionError):
            error = MaillageError("scenario_invalid", _("The file is not valid JSON."))
        else:
            error = _save_changes(request, scenario, changes)
        if error is None:
            messages.success(request, _("The changes of the file are the scenario's now."))
            return redirect("scenarios:detail", scenario.slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "scenarios/import.html", {"scenario": scenario, "form": form, "error": error}, status=status)


@login_required
def scenario_detail(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = _scenario(request, slug)
    services.runs_recover()
    changes = scenario.changes
    ids = sorted(
        set(changes.get("capacity") or {})
        | set(changes.get("burden_hours") or {})
        | set(relax_of(changes))
        | set(changes.get("remove_offers") or [])
        | {o for p in changes.get("pool") or [] for o in p.get("offers", [])}
        | {str(o.get("eligible_like")) for o in changes.get("add_offers") or []}
    )
    return render(
        request,
        "scenarios/detail.html",
        {
            "scenario": scenario,
            "changes": changes,
            "relax": relax_of(changes),
            "names": _offer_names(ids),
            "element_names": _element_names(),
            "run": selectors.latest_run(scenario),
            "result": (result := selectors.latest_result(scenario)),
            "stale": result is not None and result.finished_at is not None and scenario.updated_at > result.finished_at,
            "can_edit": request.user.has_perm("scenarios.edit_scenario", scenario),
            "rule_labels": dict(EligibilityRule.Kind.choices),
        },
    )


def _element_names() -> dict[str, str]:
    return diagnostic_selectors.element_names(current_language())


@login_required
@require_POST
def scenario_run(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = _scenario(request, slug, "scenarios.run_scenario")
    try:
        run = services.run_enqueue(user=request.user, scenario=scenario)
    except MaillageError as exc:
        messages.error(request, exc.message)
        return redirect("scenarios:detail", scenario.slug)
    return redirect("scenarios:progress", scenario.slug, run.pk)


@login_required
@require_POST
def run_cancel(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    scenario = _scenario(request, slug, "scenarios.run_scenario")
    run = scenario.runs.filter(pk=pk).first()
    if run is None:
        raise NotFound(_("There is no such run."))
    try:
        services.run_cancel(user=request.user, run=run)
    except MaillageError as exc:
        messages.error(request, exc.message)
        return redirect("scenarios:progress", scenario.slug, run.pk)
    messages.success(request, _("The run is cancelled."))
    return redirect("scenarios:detail", scenario.slug)


@login_required
def run_progress(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The run's progress: a page that refreshes itself, or (htmx) its panel alone."""
    scenario = _scenario(request, slug)
    services.runs_recover()
    run = scenario.runs.filter(pk=pk).first()
    if run is None:
        raise NotFound(_("There is no such run."))
    if request.headers.get("HX-Request") and not run.is_active:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = (
            reverse("scenarios:results", args=[scenario.slug]) + f"?run={run.pk}"
            if run.status == Run.Status.SUCCEEDED
            else reverse("scenarios:progress", args=[scenario.slug, run.pk])
        )
        return response
    template = "scenarios/progress_panel.html" if request.headers.get("HX-Request") else "scenarios/progress.html"
    can_cancel = run.status == Run.Status.QUEUED and request.user.has_perm("scenarios.run_scenario", scenario)
    return render(
        request, template, {"scenario": scenario, "run": run, "progress": _progress(run), "can_cancel": can_cancel}
    )


def _progress(run: Run) -> dict[str, Any]:
    progress = run.progress or {}
    elapsed = float(progress.get("elapsed") or 0)
    value, bound = progress.get("value"), progress.get("bound")
    gap = None
    if value is not None and bound:
        gap = max(0.0, (bound - value) / max(abs(bound), 1e-9))
    fraction = (
        1.0 if run.status == Run.Status.SUCCEEDED else min(0.99, elapsed / run.time_limit if run.time_limit else 0)
    )
    return {"elapsed": elapsed, "value": value, "bound": bound, "gap": gap, "percent": round(100 * fraction)}


def _result_run(request: HttpRequest, scenario: Scenario) -> Run:
    number = request.GET.get("run", "")
    runs = scenario.runs.filter(status=Run.Status.SUCCEEDED)
    if number.isascii() and number.isdigit() and len(number) < 19:
        run = runs.filter(pk=int(number)).first()
    else:
        run = runs.order_by("-finished_at", "-id").first()
    if run is None:
        raise NotFound(_("This scenario has no results yet: run it first."))
    return run


@login_required
def scenario_results(request: HttpRequest, slug: str) -> HttpResponse:
    scenario = _scenario(request, slug)
    run = _result_run(request, scenario)
    outcome = selectors.Outcome.of(run)
    language = current_language()
    _initiatives, offer_names = selectors.names(outcome, language)
    elements = _element_names()
    by_territory = outcome.by_territory

    def covered(slug: str) -> float | None:
        share = by_territory.get(slug)
        return share.pct if share is not None else None

    territory_names = {
        t.slug: t.name for t in Territory.objects.filter(slug__in=list(by_territory)).only("slug", "name_fr", "name_en")
    }
    user = request.user
    my_offers = [
        o
        for o in SupportOffer.objects.filter(slug__in=list(outcome.covers)).prefetch_related("providers")
        if is_member(user, o)
    ]
    my_initiatives = [
        i
        for i in Initiative.objects.filter(slug__in=list(outcome.needs)).prefetch_related("carriers")
        if is_member(user, i)
    ]
    advised = Counter(offer for offers in outcome.basket.values() for offer in offers)
    offers = sorted(((o, offer_names.get(o, o), advised[o]) for o in outcome.covers), key=lambda r: r[1].lower())
    others = (
        selectors.visible_scenarios(user).exclude(pk=scenario.pk).filter(runs__status=Run.Status.SUCCEEDED).distinct()
    )
    return render(
        request,
        "scenarios/results.html",
        {
            "scenario": scenario,
            "run": run,
            "summary": run.summary,
            "outcome": outcome,
            "elements": sorted(outcome.by_element.items(), key=lambda kv: elements.get(kv[0], kv[0])),
            "element_names": elements,
            "territories": sorted(by_territory.items(), key=lambda kv: territory_names.get(kv[0], kv[0])),
            "territory_names": territory_names,
            "groups": selectors.equity_groups(outcome),
            "map": maps.territory_map(language=language, value=covered, value_label=_("Share of the need covered (%)")),
            "my_offers": my_offers,
            "my_initiatives": my_initiatives,
            "offers": [row for row in offers if is_steward(user) or row[0] in {o.slug for o in my_offers}],
            "others": others,
            "threshold": selectors.AGGREGATE_THRESHOLD,
            "equity": (run.summary or {}).get("equity"),
            "short": _under_target(run, outcome, territory_names),
            "can_json": bool((run.summary or {}).get("demo")),
        },
    )


def _under_target(run: Run, outcome: selectors.Outcome, names: dict[str, str]) -> dict[str, Any]:
    """The territories an unmet equity guarantee leaves under its target, with their share covered: by
    name where at least the aggregate threshold of initiatives are, else only counted."""
    equity = (run.summary or {}).get("equity") or {}
    if not equity or equity.get("feasible"):
        return {"named": [], "others": 0}
    target = equity["share"]
    named, others = [], 0
    for slug, figures in (equity.get("territories") or {}).items():
        if figures["share"] < target - 1e-6:
            share = outcome.by_territory.get(slug)
            if share is not None and share.shown:
                named.append((names.get(slug, slug), 100 * figures["share"]))
            else:
                others += 1
    return {"named": sorted(named), "others": others}


@login_required
def compare(request: HttpRequest) -> HttpResponse:
    """Two scenarios' latest results side by side."""
    visible = selectors.visible_scenarios(request.user)
    chosen = []
    for key in ("a", "b"):
        scenario = visible.filter(slug=request.GET.get(key, "")).first()
        if scenario is None:
            raise NotFound(_("Choose two scenarios you can see, each with results."))
        run = selectors.latest_result(scenario)
        if run is None:
            raise NotFound(_("Choose two scenarios you can see, each with results."))
        chosen.append((scenario, run, selectors.Outcome.of(run)))
    elements = _element_names()
    (sa, ra, a), (sb, rb, b) = chosen
    keys = sorted(set(a.by_element) | set(b.by_element), key=lambda e: elements.get(e, e))
    rows = [(elements.get(e, e), a.by_element.get(e), b.by_element.get(e)) for e in keys]
    groups = list(zip(selectors.equity_groups(a), selectors.equity_groups(b), strict=True))
    return render(
        request,
        "scenarios/compare.html",
        {"a": (sa, ra, a), "b": (sb, rb, b), "rows": rows, "groups": groups},
    )


def _eligible_now(offer: SupportOffer, slugs: list[str]) -> set[str]:
    """The advised initiatives that the offer's rules accept as they are today: a what-if may have
    lifted them, but an invitation is about the real offer."""
    from maillage.core import eligibility as rules_core

    rules = matching_selectors.rules_of(offer)
    graph = matching_selectors.TerritoryGraph.load()
    initiatives = Initiative.objects.filter(slug__in=slugs).prefetch_related(
        "carriers__organisation", "territories", "populations"
    )
    latest = diagnostic_selectors.latest_submitted(i.pk for i in initiatives)
    return {
        i.slug
        for i in initiatives
        if rules_core.is_eligible(rules, matching_selectors.applicant_of(i, latest.get(i.pk), graph))
    }


def _shared_with(user: Any, initiative_slugs: list[str], offer: SupportOffer) -> set[str]:
    """The initiatives whose latest submitted diagnostic is shared with one of the offer's providers
    that this person is a member of: only their reasons are shown by name."""
    from maillage.accounts.selectors import memberships_by_organisation

    mine = set(memberships_by_organisation(user)) & {p.pk for p in offer.providers.all()}
    if not mine:
        return set()
    return set(
        Diagnostic.objects.filter(
            initiative__slug__in=initiative_slugs,
            status=Diagnostic.Status.SUBMITTED,
            shares__organisation_id__in=mine,
        ).values_list("initiative__slug", flat=True)
    )


@login_required
@require_http_methods(["GET", "POST"])
def offer_advice(request: HttpRequest, slug: str, offer: str) -> HttpResponse:
    """Whom the offer is advised to serve, and why. Providers see names (and the reasons, where the
    initiative shared its diagnostic with them); stewards see the aggregates only."""
    scenario = _scenario(request, slug)
    run = _result_run(request, scenario)
    outcome = selectors.Outcome.of(run)
    if offer not in outcome.covers:
        raise NotFound(_("This offer is not part of the run."))
    made_here = {
        item.get("id")
        for key in ("pool", "add_offers")
        for item in (scenario.changes.get(key) or [])
        if isinstance(item, dict)
    }
    # An offer the scenario made is nobody's offer in the directory, whatever its id.
    record = (
        None if offer in made_here else SupportOffer.objects.prefetch_related("providers").filter(slug=offer).first()
    )
    provider = record is not None and is_member(request.user, record)
    if not (provider or is_steward(request.user)):
        raise PermissionDenied
    advised = outcome.advised_for_offer(offer)
    language = current_language()
    initiative_names, offer_names = selectors.names(outcome, language)
    shared = _shared_with(request.user, [a.initiative for a in advised], record) if provider and record else set()
    form = None
    eligible_now: set[str] = set()
    if provider and record is not None:
        eligible_now = _eligible_now(record, [a.initiative for a in advised])
        form = InviteForm(
            request.POST or None,
            initiatives=[
                (a.initiative, initiative_names.get(a.initiative, a.initiative))
                for a in advised
                if a.initiative in eligible_now
            ],
        )
        if request.method == "POST" and form.is_valid():
            chosen = form.cleaned_data["initiatives"]
            if not chosen:
                form.add_error("initiatives", _("Choose at least one initiative."))
            else:
                count = services.invite(
                    user=request.user,
                    run=run,
                    offer=record,
                    initiatives=Initiative.objects.filter(slug__in=chosen).prefetch_related("carriers__organisation"),
                )
                messages.success(
                    request,
                    _("%(count)s invitation sent.") % {"count": count}
                    if count == 1
                    else _("%(count)s invitations sent.") % {"count": count},
                )
                return redirect(reverse("scenarios:offer_advice", args=[scenario.slug, offer]) + f"?run={run.pk}")
    elif request.method == "POST":
        raise PermissionDenied
    invited = set(run.invitations.filter(offer=record).values_list("initiative__slug", flat=True)) if record else set()
    summary = outcome.offer_summary(offer)
    return render(
        request,
        "scenarios/offer_advice.html",
        {
            "scenario": scenario,
            "run": run,
            "offer_id": offer,
            "offer": record,
            "offer_name": offer_names.get(offer, offer),
            "advised": advised,
            "provider": provider,
            "shared": shared,
            "invited": invited,
            "eligible_now": eligible_now,
            "not_eligible": sum(1 for a in advised if a.initiative not in eligible_now),
            "chosen": set(form["initiatives"].value() or []) if form is not None and form.is_bound else set(),
            "initiative_names": initiative_names,
            "element_names": _element_names(),
            "summary": summary,
            # Reasons by condition only over enough initiatives: an offer made for one initiative would
            # otherwise show its needs.
            "elements": sorted(
                ((e, share) for e, share in summary["elements"].items() if share.shown), key=lambda kv: -kv[1].covered
            ),
            "capacity": next(
                (o.get("capacity") for o in (run.instance or {}).get("offers", []) if o["id"] == offer), None
            ),
            "form": form,
            "threshold": selectors.AGGREGATE_THRESHOLD,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def initiative_advice(request: HttpRequest, slug: str, initiative: str) -> HttpResponse:
    """The initiative's advised basket in this run, for its own members."""
    scenario = _scenario(request, slug)
    run = _result_run(request, scenario)
    record = Initiative.objects.prefetch_related("carriers").filter(slug=initiative).first()
    if record is None:
        raise NotFound(_("There is no such initiative."))
    if not is_member(request.user, record):
        raise PermissionDenied
    outcome = selectors.Outcome.of(run)
    if initiative not in outcome.needs:
        raise NotFound(_("This initiative was not part of the run (no submitted diagnostic then)."))
    _names, offer_names = selectors.names(outcome, current_language())
    advised = outcome.advised_basket(initiative)
    coverage = outcome.coverage(initiative, outcome.basket.get(initiative, []))
    needs = outcome.needs[initiative]
    total = sum(needs.values())
    covered = sum(w * coverage.get(e, 0.0) for e, w in needs.items())
    return render(
        request,
        "scenarios/initiative_advice.html",
        {
            "scenario": scenario,
            "run": run,
            "initiative": record,
            "advised": advised,
            "offer_names": offer_names,
            "element_names": _element_names(),
            "share": 100 * covered / total if total else None,
            "offers_in_directory": set(
                SupportOffer.objects.filter(slug__in=[a.offer for a in advised]).values_list("slug", flat=True)
            ),
        },
    )


# --- downloads ---------------------------------------------------------------------------------------


def _anonymous(run: Run) -> tuple[dict[str, Any], dict[str, Any]]:
    """The run's files without naming initiatives (their needs come from private diagnostics): each is
    an alias drawn from a keyed hash of the run and its id, listed in the order of the aliases, so that
    neither alias nor order leads back to a name; a territory is kept only where at least the aggregate
    threshold of initiatives are."""
    instance, result = run.instance or {}, run.result or {}
    key = settings.SECRET_KEY.encode()

    def alias(initiative: str) -> str:
        return "i-" + hmac.new(key, f"{run.pk}:{initiative}".encode(), hashlib.sha256).hexdigest()[:12]

    counts: dict[str, int] = {}
    for item in instance.get("initiatives", []):
        if item.get("territory"):
            counts[item["territory"]] = counts.get(item["territory"], 0) + 1
    initiatives = []
    for item in instance.get("initiatives", []):
        territory = item.get("territory")
        clean = {"id": alias(item["id"]), **{k: item[k] for k in ("max_offers", "max_burden_hours", "needs")}}
        if territory and counts[territory] >= selectors.AGGREGATE_THRESHOLD:
            clean["territory"] = territory
        initiatives.append(clean)
    initiatives.sort(key=lambda i: i["id"])
    offers = [{**o, "eligible": sorted(alias(i) for i in o.get("eligible", []))} for o in instance.get("offers", [])]
    assignments = sorted(
        ({"initiative": alias(a["initiative"]), "offer": a["offer"]} for a in result.get("assignments", [])),
        key=lambda a: (a["initiative"], a["offer"]),
    )
    extra = {k: v for k, v in result.items() if k not in ("assignments", "equity")}
    return {**instance, "initiatives": initiatives, "offers": offers}, {**extra, "assignments": assignments}


@login_required
def download(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    scenario = _scenario(request, slug)
    if name == "changes.json":
        response = JsonResponse(scenario.changes, json_dumps_params={"ensure_ascii": False, "indent": 1})
        response["Content-Disposition"] = f'attachment; filename="{scenario.slug}-changes.json"'
        return response
    run = _result_run(request, scenario)
    if name in ("instance.json", "result.json"):
        # Even without names, these list each initiative's needs, and whom each offer accepts can single
        # one out: on real data they stay on the server (`maillage allocate --scenario NAME --output`);
        # the fictional demo's may be downloaded by everyone who sees the scenario.
        if not (run.summary or {}).get("demo"):
            raise PermissionDenied
        instance, result = _anonymous(run)
        response = JsonResponse(
            instance if name == "instance.json" else result, json_dumps_params={"ensure_ascii": False}
        )
        response["Content-Disposition"] = f'attachment; filename="{scenario.slug}-{name}"'
        return response
    if name != "coverage.csv":
        raise NotFound(_("There is no such file."))
    outcome = selectors.Outcome.of(run)
    elements = _element_names()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # Shares only, no weights of need: a withheld cell cannot be found back by subtracting the others
    # from the total.
    writer.writerow(["level", "key", "name", "initiatives", "covered_pct"])

    def row(level: str, key: str, label: str, share: selectors.Share) -> None:
        shown = share.shown
        pct = number_format(share.pct, 1, use_l10n=False) if share.pct is not None else ""
        writer.writerow([level, key, label, share.initiatives if shown else "", pct])

    row("all", "", "", outcome.total)
    for element, share in sorted(outcome.by_element.items()):
        row("element", element, elements.get(element, element), share)
    names = {t.slug: t.name for t in Territory.objects.filter(slug__in=list(outcome.by_territory))}
    for territory, share in sorted(outcome.by_territory.items()):
        row("territory", territory, names.get(territory, territory), share)
    for number, (label, share) in enumerate(selectors.equity_groups(outcome), start=1):
        row("equity_group", str(number), label, share)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{scenario.slug}-coverage.csv"'
    return response
