"""Exports of the collective app: adopted indicators and their values as Common Impact Data Standard
JSON-LD, and a closed round's reactions as a Pol.is export folder.

Only the statements whose reactions are published (accepted, five reactions or more) are written, and the
export is for stewards: its rows are every participant's reactions, under a random number.

The Pol.is files follow compdemocracy/openData's layout, so that ``maillage opinions --polis-export`` (and
any tool made for Pol.is's exports) reads them back:

- ``comments.csv``: ``timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body``;
- ``votes.csv``: ``timestamp,datetime,comment-id,voter-id,vote`` (1 agree, −1 disagree, 0 pass);
- ``participants-votes.csv``: ``participant,group-id,n-comments,n-votes,n-agree,n-disagree`` then one column
  per statement, with the opinion groups Maillage found.

Participants are the random numbers drawn when the round closed; there is no time of voting (every
timestamp is the closing time) and no author (suggested statements are not traced to an organisation).
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
from collections import Counter, defaultdict
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation

from maillage.core import cids
from maillage.core.text import formula_safe

from . import measures, selectors
from .models import Indicator, Round

STEWARD_NAME = {"fr": "Écosystème Maillage (intendance)", "en": "Maillage ecosystem (stewards)"}


def _absolute(request: HttpRequest | None, path: str, base: str = "") -> str:
    if request is not None:
        return request.build_absolute_uri(path)
    return base.rstrip("/") + path


def cids_document(
    request: HttpRequest | None, indicators: list[Indicator], language: str, *, base: str = "http://127.0.0.1:8000"
) -> dict[str, Any]:
    """The indicators (with their values) as one CIDS JSON-LD document, in ``language``."""
    elements = selectors.element_names(language)

    def path(name: str, *args: str) -> str:  # identifiers are the same in every language: the French pages
        with translation.override("fr"):
            return reverse(name, args=args)

    with translation.override(language):
        home = _absolute(request, path("collective:index"), base)
        found = []
        for indicator in indicators:
            uri = _absolute(request, path("collective:indicator", indicator.slug), base)
            values = list(indicator.values.all())
            found.append(
                cids.Indicator(
                    uri=uri,
                    name=indicator.name,
                    description=indicator.description,
                    unit=str(measures.unit_of(indicator)),
                    codes=(indicator.standard_code,) if indicator.standard_code else (),
                    themes=tuple((f"{home}#element-{e}", elements.get(e, e)) for e in indicator.elements),
                    baseline=values[0].value if values else None,
                    target=indicator.target,
                    target_date=datetime.date(indicator.target_year, 12, 31) if indicator.target_year else None,
                    reports=tuple(
                        cids.Report(
                            value=v.value,
                            start=datetime.date(v.year, 1, 1),
                            end=datetime.date(v.year, 12, 31),
                            source=v.source,
                        )
                        for v in values
                    ),
                )
            )
        return cids.document(
            organisation_uri=home,
            organisation_name=STEWARD_NAME.get(language, STEWARD_NAME["fr"]),
            indicators=found,
            language=language,
        )


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def polis_files(round: Round, language: str) -> dict[str, str] | None:
    """The Pol.is export files of a closed round: its published statements (accepted, with five reactions
    or more) and their reactions; None below five participants. A closed round never changes: the files
    are kept in the cache under the round, its closing time and the language."""
    stamp = f"{round.pk}:{round.closed_at.timestamp() if round.closed_at else 0}:{language}"
    key = "collective-polis:" + hashlib.sha256(stamp.encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = _polis_files(round, language) or {}
        cache.set(key, found, 24 * 3600)
    return found or None


def _polis_files(round: Round, language: str) -> dict[str, str] | None:
    rows = selectors.vote_rows(round)
    participants = sorted({participant for _n, participant, _v, _k in rows})
    results = selectors.results(round)
    if len(participants) < selectors.THRESHOLD or results is None:
        return None
    assert round.closed_at is not None
    stamp = int(round.closed_at.timestamp() * 1000)
    when = round.closed_at.strftime("%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)")
    published = set(selectors.published_numbers(round))
    statement_list = [s for s in selectors.statements(round) if s.number in published]
    counts: dict[int, Counter[int]] = defaultdict(Counter)
    for number, _p, vote, _k in rows:
        counts[number][vote] += 1
    with translation.override(language):
        comments = _csv(
            ["timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees", "moderated", "comment-body"],
            [
                [stamp, when, s.number, "", counts[s.number][1], counts[s.number][-1], 1, formula_safe(s.text)]
                for s in statement_list
            ],
        )
    votes = _csv(
        ["timestamp", "datetime", "comment-id", "voter-id", "vote"],
        [[stamp, when, number, participant, vote] for number, participant, vote, _k in rows],
    )
    by_participant: dict[int, dict[int, int]] = defaultdict(dict)
    for number, participant, vote, _k in rows:
        by_participant[participant][number] = vote
    numbers = [s.number for s in statement_list]
    people = []
    for participant in participants:
        mine = by_participant[participant]
        group = results.members.get(str(participant))
        people.append(
            [
                participant,
                "" if group is None else group,
                0,
                len(mine),
                sum(1 for v in mine.values() if v == 1),
                sum(1 for v in mine.values() if v == -1),
                *[mine.get(n, "") for n in numbers],
            ]
        )
    participants_votes = _csv(
        ["participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree", *map(str, numbers)], people
    )
    return {"comments.csv": comments, "votes.csv": votes, "participants-votes.csv": participants_votes}
