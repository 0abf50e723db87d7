"""Reading the audit log: filters, and each entry as the page and the CSV show it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from . import registry

ACTIONS = {
    LogEntry.Action.CREATE: "create",
    LogEntry.Action.UPDATE: "update",
    LogEntry.Action.DELETE: "delete",
}


def action_names() -> dict[str, str]:
    return {
        "create": pgettext("audit action", "created"),
        "update": pgettext("audit action", "changed"),
        "delete": pgettext("audit action", "deleted"),
    }


@dataclass(frozen=True)
class Filters:
    kind: str = ""
    action: str = ""
    actor: str = ""
    since: date | None = None
    until: date | None = None


def _content_types(kind: str) -> list[int]:
    labels = next((k.models for k in registry.KINDS if k.code == kind), ())
    found = []
    for label in labels:
        app_label, model = label.split(".")
        found.append(ContentType.objects.get_by_natural_key(app_label, model.lower()).pk)
    return found


def entries(filters: Filters) -> QuerySet[LogEntry]:
    """The entries that match, newest first."""
    qs = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-id")
    if filters.kind:
        qs = qs.filter(content_type_id__in=_content_types(filters.kind))
    else:
        qs = qs.filter(content_type_id__in=[pk for kind in registry.KINDS for pk in _content_types(kind.code)])
    reverse_actions = {code: value for value, code in ACTIONS.items()}
    if filters.action in reverse_actions:
        qs = qs.filter(action=reverse_actions[filters.action])
    if filters.actor:
        qs = qs.filter(actor_email__icontains=filters.actor)
    zone = timezone.get_current_timezone()
    if filters.since:
        qs = qs.filter(timestamp__gte=datetime.combine(filters.since, time.min, tzinfo=zone))
    if filters.until:
        qs = qs.filter(timestamp__lte=datetime.combine(filters.until, time.max, tzinfo=zone))
    return qs


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class Row:
    entry: LogEntry
    kind: str
    model: str
    action: str
    actor: str
    url: str
    changes: list[Change]


_LINKS = {
    "directory.supportoffer": ("directory:offer", "slug"),
    "scenarios.scenario": ("scenarios:detail", "slug"),
    "collective.indicator": ("collective:indicator", "slug"),
}


def _url(entry: LogEntry, slugs: dict[tuple[int, str], str]) -> str:
    label = f"{entry.content_type.app_label}.{entry.content_type.model}"
    link = _LINKS.get(label)
    slug = slugs.get((entry.content_type_id, entry.object_pk))
    if link is None or slug is None or entry.action == LogEntry.Action.DELETE:
        return ""
    try:
        return reverse(link[0], args=[slug])
    except NoReverseMatch:
        return ""


def _slugs(page: list[LogEntry]) -> dict[tuple[int, str], str]:
    """The current address of each record on the page that still exists (one query per kind of record)."""
    wanted: dict[int, set[str]] = {}
    for entry in page:
        label = f"{entry.content_type.app_label}.{entry.content_type.model}"
        if label in _LINKS:
            wanted.setdefault(entry.content_type_id, set()).add(entry.object_pk)
    found = {}
    for content_type_id, pks in wanted.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None:
            continue
        for pk, slug in model._default_manager.filter(pk__in=pks).values_list("pk", "slug"):
            found[(content_type_id, str(pk))] = slug
    return found


def _text(value: Any) -> str:
    if value in (None, "None", ""):
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


def _changes(entry: LogEntry) -> list[Change]:
    found = []
    for field, values in (entry.changes_display_dict or {}).items():
        if str(field) in ("ID", "id"):
            continue  # the record's number says nothing to a person
        if isinstance(values, dict):  # many-to-many: {"type": "m2m", "operation": "add", "objects": [...]}
            objects = ", ".join(str(o) for o in values.get("objects", []))
            if values.get("operation") == "delete":
                found.append(Change(str(field), objects, "—"))
            else:
                found.append(Change(str(field), "—", objects))
            continue
        old, new = [*values, "", ""][:2]
        found.append(Change(str(field), _text(old), _text(new)))
    return found


def rows(page: list[LogEntry]) -> list[Row]:
    slugs = _slugs(page)
    names = action_names()
    kinds = {}
    for kind in registry.KINDS:
        for label in kind.models:
            kinds[label.lower()] = str(kind.name)
    found = []
    for entry in page:
        label = f"{entry.content_type.app_label}.{entry.content_type.model}"
        model_class = entry.content_type.model_class()
        found.append(
            Row(
                entry=entry,
                kind=kinds.get(label, ""),
                model=str(model_class._meta.verbose_name) if model_class else entry.content_type.model,
                action=names[ACTIONS[entry.action]] if entry.action in ACTIONS else str(entry.action),
                actor=entry.actor_email or (entry.actor.email if entry.actor else _("Maillage (command or import)")),
                url=_url(entry, slugs),
                changes=_changes(entry),
            )
        )
    return found
