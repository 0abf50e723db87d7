"""Writes of the analytics app: network metrics computed and stored (inline when the graph is small, by
the background worker otherwise)."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.core import network as core_network
from maillage.core.errors import MaillageError, Problem
from maillage.directory.models import Organisation
from maillage.directory.rules import is_member
from maillage.matching.services import members_of, notify

from . import selectors
from .models import NetworkRun, SynergyContact

log = logging.getLogger(__name__)

INLINE_RELATIONS = 50_000  # beyond (or beyond INLINE_ORGANISATIONS), the worker computes the metrics
INLINE_ORGANISATIONS = 10_000
KEEP_RESULTS = timedelta(days=7)
STALE_SECONDS = 120  # a running computation silent that long has lost its worker
TOP_BROKERS = 20
TOP_COMMUNITIES = 15
LISTED = 500  # isolated or unsupported field actors listed by name (all are counted)


def runs_recover() -> None:
    """Mark failed the computations whose worker went silent, so that the page can start another."""
    limit = timezone.now() - timedelta(seconds=STALE_SECONDS)
    NetworkRun.objects.filter(status=NetworkRun.Status.RUNNING, heartbeat_at__lt=limit).update(
        status=NetworkRun.Status.FAILED, finished_at=timezone.now(), error="worker lost"
    )
    NetworkRun.objects.filter(status=NetworkRun.Status.QUEUED, created_at__lt=limit - timedelta(hours=1)).update(
        status=NetworkRun.Status.FAILED, finished_at=timezone.now(), error="never started"
    )


def network_for(filters: selectors.NetworkFilters, *, retry: bool = False) -> NetworkRun:
    """The stored metrics for these filters and the data as it is now: found, computed now (small
    graph) or queued for the worker (large graph). A failed computation is shown as failed until
    ``retry``."""
    key = filters.key()
    found = NetworkRun.objects.defer("nodes").filter(key=key).first()
    if found is not None and found.is_active:
        runs_recover()
        found.refresh_from_db(fields=["status", "error", "finished_at"])
    if found is not None and not (retry and found.status == NetworkRun.Status.FAILED):
        return found
    if found is not None:
        found.delete()  # failed: a new computation takes its place
    _prune()
    small = (
        selectors.relations_for(filters).count() <= INLINE_RELATIONS
        and selectors.organisations_for(filters).count() <= INLINE_ORGANISATIONS
    )
    try:
        with transaction.atomic():
            run = NetworkRun.objects.create(
                key=key,
                filters=filters.as_dict(),
                status=NetworkRun.Status.RUNNING if small else NetworkRun.Status.QUEUED,
            )
            if not small:
                from .tasks import compute_network

                run.task_id = str(compute_network.enqueue(run.pk).id)
                run.save(update_fields=["task_id"])
    except IntegrityError:  # someone else started it a moment ago
        return NetworkRun.objects.defer("nodes").get(key=key)
    if small:
        return network_execute(run.pk) or run
    return run


def _prune() -> None:
    """Forget the results older than a week (the data has changed since, or nobody looked)."""
    NetworkRun.objects.filter(created_at__lt=timezone.now() - KEEP_RESULTS).exclude(
        status__in=[NetworkRun.Status.QUEUED, NetworkRun.Status.RUNNING]
    ).delete()


def network_execute(run_id: int) -> NetworkRun | None:
    """Compute and store the metrics of a run (in the worker, or inline for a small graph)."""
    claimed = NetworkRun.objects.filter(
        pk=run_id, status__in=[NetworkRun.Status.QUEUED, NetworkRun.Status.RUNNING], result__isnull=True
    ).update(status=NetworkRun.Status.RUNNING, heartbeat_at=timezone.now())
    if not claimed:
        return None
    run = NetworkRun.objects.get(pk=run_id)
    filters = selectors.NetworkFilters(
        kinds=tuple(run.filters.get("kinds") or ()),
        year=run.filters.get("year"),
        territory=run.filters.get("territory"),
    )

    def progress(stage: str, fraction: float) -> None:
        NetworkRun.objects.filter(pk=run_id).update(stage=stage, progress=fraction, heartbeat_at=timezone.now())

    try:
        graph = selectors.network_graph(filters)
        progress("read", 0.1)
        metrics = core_network.network_metrics(
            graph.slugs,
            graph.sources,
            graph.targets,
            support=graph.support,
            field=graph.field,
            on_progress=lambda stage, fraction: progress(stage, 0.1 + 0.8 * fraction),
        )
        result = summarise(graph, metrics)
    except Exception as error:  # stored for the page; the traceback goes to the log
        log.exception("network metrics failed (run %s)", run_id)
        NetworkRun.objects.filter(pk=run_id).update(
            status=NetworkRun.Status.FAILED, finished_at=timezone.now(), error=str(error)[:2000]
        )
        return NetworkRun.objects.get(pk=run_id)
    nodes = result.pop("per_node")
    NetworkRun.objects.filter(pk=run_id).update(
        status=NetworkRun.Status.SUCCEEDED,
        finished_at=timezone.now(),
        progress=1.0,
        stage="summary",
        result=result,
        nodes=nodes,
    )
    return NetworkRun.objects.defer("nodes").get(pk=run_id)


def summarise(graph: selectors.Graph, metrics: core_network.NetworkMetrics) -> dict[str, Any]:
    """What the page and the CSV file show, as JSON."""
    n = len(graph.slugs)
    degree = metrics.degree
    community = metrics.community
    sizes = Counter(int(c) for c in community)
    groups = [c for c, size in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])) if size >= 2]
    top_groups = groups[:TOP_COMMUNITIES]
    members: dict[int, list[int]] = {c: [] for c in top_groups}
    for i in range(n):
        c = int(community[i])
        if c in members:
            members[c].append(i)
    boroughs = selectors.boroughs_of_organisations([graph.ids[i] for m in members.values() for i in m])
    communities = []
    for c in top_groups:
        nodes = members[c]
        places = Counter(b for i in nodes for b in boroughs.get(graph.ids[i], ()))
        main = [slug for slug, _ in places.most_common(2)]
        central = sorted(nodes, key=lambda i: (-int(degree[i]), graph.slugs[i]))[:5]
        communities.append(
            {
                "label": c + 1,
                "size": len(nodes),
                "support": int(sum(bool(graph.support[i]) for i in nodes)),
                "field": int(sum(bool(graph.field[i]) for i in nodes)),
                "central": [graph.slugs[i] for i in central],
                "places": main,
            }
        )
    # Ties between the communities listed (each tie once, whatever its direction).
    between: Counter[tuple[int, int]] = Counter()
    u, v = core_network.simple_edges(n, graph.sources, graph.targets)
    listed = set(top_groups)
    for a, b in zip(community[u].tolist(), community[v].tolist(), strict=True):
        if a != b and a in listed and b in listed:
            between[(min(a, b), max(a, b))] += 1
    return {
        "between": [[a + 1, b + 1, count] for (a, b), count in sorted(between.items())],
        "nodes": n,
        "relations": graph.relations,
        "ties": int(degree.sum() // 2),
        "density": core_network.graph_density(n, graph.sources, graph.targets),
        "support_actors": int(graph.support.sum()),
        "support_ties": metrics.support_ties,
        "support_density": metrics.support_density,
        "field_actors": int(graph.field.sum()),
        "components": metrics.components,
        "communities": len(groups),
        "modularity": metrics.modularity,
        "exact": metrics.betweenness_exact,
        "samples": metrics.betweenness_samples,
        "seconds": metrics.seconds,
        "brokers": [
            {"slug": graph.slugs[i], "betweenness": value, "degree": int(degree[i]), "community": int(community[i]) + 1}
            for i, value in core_network.brokers(metrics, top=TOP_BROKERS)
        ],
        "groups": communities,
        "isolated_count": len(metrics.isolated_field),
        "isolated": [graph.slugs[i] for i in metrics.isolated_field[:LISTED]],
        "unsupported_count": len(metrics.unsupported_field),
        "per_node": {
            "slug": graph.slugs,
            "degree": [int(d) for d in degree],
            "betweenness": [float(f"{b:.6g}") for b in metrics.betweenness],
            "community": [int(c) + 1 for c in community],
        },
    }


# --- synergies ------------------------------------------------------------------------------------

CONTACT_INTERVAL = timedelta(days=1)  # one message a day from one organisation to another
DAILY_RECIPIENTS = 10  # organisations one organisation may write to in a day
NOTIFICATION_LENGTH = 280  # of the message, in the in-app notification (the e-mail has it all)


def synergy_partners(organisation: Organisation) -> set[str]:
    """The organisations a synergy links this one with (as a pair or in a group)."""
    pairs, groups = selectors.synergies(selectors.quartiers_of([organisation]))
    partners = {p.b if p.a == organisation.slug else p.a for p in pairs if p.involves(organisation.slug)}
    for group in groups:
        if organisation.slug in group.members:
            partners |= set(group.members)
    partners.discard(organisation.slug)
    return partners


def synergy_contact(*, user: Any, sender: Organisation, recipient: Organisation, message: str) -> SynergyContact:
    """Send a message from one of the user's organisations to an organisation a synergy links it with:
    an in-app notification and an e-mail to each of its members, with the sender's name and e-mail."""
    if not is_member(user, sender):
        raise PermissionDenied
    message = message.strip()
    if not message:
        raise MaillageError(
            "message_empty", _("Write a message."), [Problem("required", _("Write a message."), field="message")]
        )
    if recipient.slug not in synergy_partners(sender):
        raise MaillageError("not_a_synergy", _("Maillage found no synergy between these two organisations."))
    since = timezone.now() - CONTACT_INTERVAL
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=sender.pk).first()
        if SynergyContact.objects.filter(sender=sender, recipient=recipient, created_at__gte=since).exists():
            raise MaillageError(
                "already_contacted",
                _("Your organisation already wrote to this one today: wait for its answer."),
            )
        if SynergyContact.objects.filter(sender=sender, created_at__gte=since).count() >= DAILY_RECIPIENTS:
            raise MaillageError(
                "too_many_contacts",
                _("Your organisation wrote to %(count)s organisations today: write again tomorrow.")
                % {"count": DAILY_RECIPIENTS},
            )
        contact = SynergyContact.objects.create(sender=sender, recipient=recipient, author=user, message=message)
        reply = user.email
        english = sender.name_en or sender.name_fr
        short = message if len(message) <= NOTIFICATION_LENGTH else message[:NOTIFICATION_LENGTH].rstrip() + "…"
        fr = f"{sender.name_fr} (via Maillage, {reply}) vous écrit au sujet d'une synergie\u00a0:\n\n"
        en = f"{english} (via Maillage, {reply}) writes about a possible synergy:\n\n"
        notify(
            members_of([recipient]),
            fr=fr + short,
            en=en + short,
            mail_fr=fr + message,
            mail_en=en + message,
            url=reverse("directory:organisation", args=[sender.slug]),
        )
    return contact
