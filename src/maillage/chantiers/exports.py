"""Chantiers as tables, for CSV files: each function returns ``(header, rows)``, the header in stable
English snake_case, the rows as plain values (text, numbers, dates, ``None`` for nothing) that
:func:`maillage.common.tables.csv_response` writes.

- :func:`chantiers_table`: one row per chantier, with its balance between sectors and the status of each
  of the five conditions;
- :func:`plan_table`: one row per action of a chantier's plan;
- :func:`commitments_table`: one row per commitment of a chantier's participants (a participant without
  commitment has one row with empty commitment columns).

Names (titles, organisations, territories, framework elements) are in the language asked, or in the other
one where that one is empty. Money is in dollars, with cents (``Decimal``); staff time in hours.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import prefetch_related_objects

from maillage.common.i18n import localized
from maillage.core import chantiers as core
from maillage.diagnostics import selectors as diagnostic_selectors

from . import selectors
from .models import Chantier, Participant

__all__ = ["chantiers_table", "commitments_table", "plan_table"]

Table = tuple[list[str], list[list[Any]]]

CHANTIER_COLUMNS = [
    "slug",
    "title",
    "whom",
    "territory",
    "territory_name",
    "due_on",
    "status",
    "visibility",
    "participants",
    *(f"participants_{s}" for s in core.SECTORS),
    "money",
    *(f"money_{s}" for s in core.SECTORS),
    "hours",
    *(f"seats_{s}" for s in core.SECTORS),
    "evenness",
    *(f"condition_{c}" for c in core.CONDITIONS),
    "is_demo",
]
PLAN_COLUMNS = [
    "id",
    "title",
    "owner",
    "owner_name",
    "owner_sector",
    "elements",
    "element_names",
    "starts_on",
    "due_on",
    "status",
    "budget",
]
COMMITMENT_COLUMNS = [
    "organisation",
    "organisation_name",
    "sector",
    "role",
    "decides",
    "kind",
    "amount",
    "hours",
    "description",
]


def _money(value: float) -> Decimal:
    """Dollars with cents (the core sums amounts as floats; cents are exact well beyond any budget)."""
    return Decimal(f"{value:.2f}")


def _hours(value: float) -> int:
    return round(value)


def chantiers_table(chantiers: Iterable[Chantier], language: str, *, today: date | None = None) -> Table:
    """One row per chantier: the change, who takes part by sector, what they commit, the seats, the
    evenness of participation across the sectors, and each condition's status (``in_place``, ``partial``,
    ``missing``). Give the chantiers a person may see (``selectors.visible``)."""
    found = list(chantiers)
    facts = selectors.facts_by_chantier(found, today)  # a few queries of plain values for all of them
    rows: list[list[Any]] = []
    for chantier in found:
        figures = core.balance(facts[chantier.pk].participants)
        checks = {c.condition: c.status for c in core.check_conditions(facts[chantier.pk])}
        sectors = figures.sectors
        rows.append(
            [
                chantier.slug,
                localized(chantier, "title", language),
                localized(chantier, "whom", language),
                chantier.territory.slug,
                localized(chantier.territory, "name", language),
                chantier.due_on,
                chantier.status,
                chantier.visibility,
                figures.participants,
                *(sectors[s].participants for s in core.SECTORS),
                _money(figures.money),
                *(_money(sectors[s].money) for s in core.SECTORS),
                _hours(figures.hours),
                *(sectors[s].seats for s in core.SECTORS),
                figures.evenness,
                *(checks[c] for c in core.CONDITIONS),
                int(chantier.is_demo),
            ]
        )
    return list(CHANTIER_COLUMNS), rows


def plan_table(chantier: Chantier, language: str) -> Table:
    """One row per action, by due date: its owner (organisation and sector), the framework elements it acts
    on (identifiers separated by spaces, and their names separated by semicolons), dates, status, budget."""
    names = diagnostic_selectors.element_names(language)
    rows: list[list[Any]] = []
    for action in selectors.actions(chantier):
        owner = action.owner
        elements = [str(e) for e in action.elements]
        rows.append(
            [
                action.pk,
                localized(action, "title", language),
                owner.organisation.slug if owner else None,
                localized(owner.organisation, "name", language) if owner else None,
                owner.sector if owner else None,
                " ".join(elements),
                "; ".join(names.get(e) or e for e in elements),
                action.starts_on,
                action.due_on,
                action.status,
                action.budget,
            ]
        )
    return list(PLAN_COLUMNS), rows


def commitments_table(chantier: Chantier, language: str) -> Table:
    """One row per commitment, participants in the page's order (by role, then name); a participant that
    commits nothing yet has one row with empty ``kind``, ``amount``, ``hours`` and ``description``."""
    prefetch_related_objects([chantier], "participants__organisation", "participants__commitments")
    rows: list[list[Any]] = []
    participant: Participant
    for participant in selectors.participants(chantier):
        who = [
            participant.organisation.slug,
            localized(participant.organisation, "name", language),
            participant.sector,
            participant.role,
            int(participant.decides),
        ]
        commitments = list(participant.commitments.all())
        if not commitments:
            rows.append([*who, None, None, None, None])
        for commitment in commitments:
            rows.append(
                [
                    *who,
                    commitment.kind,
                    commitment.amount,
                    commitment.hours,
                    localized(commitment, "description", language) or None,
                ]
            )
    return list(COMMITMENT_COLUMNS), rows
