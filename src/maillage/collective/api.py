"""The collective definition of success in the API: indicators and their values (also as CIDS JSON-LD),
rounds and a closed round's results (aggregates only), and, with a token, proposing an indicator and
taking part in an open round for an organisation one is a member of."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Status
from pydantic import StringConstraints

from maillage.accounts.api import read_auth, token_auth
from maillage.common.api_schemas import CONFLICT, ERRORS, InputSchema
from maillage.common.i18n import current_language
from maillage.core.errors import MaillageError
from maillage.directory import selectors as directory_selectors

from . import exports, measures, selectors, services
from .models import Indicator, Round, Statement

router = Router(tags=["collective"])


def _indicator(indicator: Indicator) -> dict[str, Any]:
    return {
        "slug": indicator.slug,
        "name_fr": indicator.name_fr,
        "name_en": indicator.name_en,
        "description_fr": indicator.description_fr,
        "description_en": indicator.description_en,
        "status": indicator.status,
        "method": indicator.method,
        "measure": indicator.measure or None,
        "question": indicator.question or None,
        "unit": str(measures.unit_of(indicator)) or None,
        "elements": list(indicator.elements),
        "standard_code": indicator.standard_code or None,
        "higher_is_better": indicator.higher_is_better,
        "target": indicator.target,
        "target_year": indicator.target_year,
        "proposed_by": indicator.proposed_by.slug if indicator.proposed_by else None,
        "is_demo": indicator.is_demo,
        "values": [
            {
                "year": v.year,
                "value": v.value,
                "source_fr": v.source_fr,
                "source_en": v.source_en,
                "computed": v.computed,
            }
            for v in indicator.values.all()
        ],
    }


@router.get("/collective/indicators", response={200: list[dict[str, Any]], **ERRORS}, auth=read_auth)
def indicator_list(
    request: HttpRequest, status: Literal["proposed", "adopted", "set_aside"] | None = None
) -> list[dict[str, Any]]:
    """Indicators of ecosystem success, with their values by year."""
    return [_indicator(i) for i in selectors.indicators(status)]


@router.get("/collective/indicators/{slug}", response={200: dict[str, Any], **ERRORS}, auth=read_auth)
def indicator_get(request: HttpRequest, slug: str) -> dict[str, Any]:
    return _indicator(selectors.indicator_detail(slug))


class IndicatorIn(InputSchema):
    organisation: str = Field(..., description="The proposing organisation's identifier (you are a member).")
    name_fr: str = Field(..., max_length=200)
    name_en: str = Field("", max_length=200)
    description_fr: str = Field("", max_length=4000)
    description_en: str = Field("", max_length=4000)
    elements: list[str] = Field(default_factory=list, description="Framework element identifiers.")
    standard_code: str = Field("", max_length=200)
    method: Literal["computed", "entered"]
    measure: str = ""
    question: str = ""
    unit_fr: str = Field("", max_length=60)
    unit_en: str = Field("", max_length=60)
    source_fr: str = Field("", max_length=300)
    source_en: str = Field("", max_length=300)
    higher_is_better: bool = True


@router.post("/collective/indicators", response={201: dict[str, Any], **ERRORS}, auth=token_auth)
def indicator_propose(request: HttpRequest, payload: IndicatorIn) -> Any:
    """Propose an indicator in the name of an organisation you are a member of."""
    organisation = directory_selectors.organisation_detail(payload.organisation)
    if not request.user.has_perm("collective.propose_indicator", organisation):
        raise PermissionDenied
    data = payload.dict()
    data.pop("organisation")
    created = services.indicator_propose(user=request.user, organisation=organisation, data=data)
    return Status(201, _indicator(selectors.indicator_detail(created.slug)))


@router.get("/collective/cids", response={200: dict[str, Any], **ERRORS}, auth=read_auth)
def cids_export(request: HttpRequest, language: Literal["fr", "en"] | None = None) -> dict[str, Any]:
    """The adopted indicators and their values as Common Impact Data Standard JSON-LD."""
    return exports.cids_document(request, selectors.adopted(), language or current_language())


@router.get("/collective/rounds", response={200: list[dict[str, Any]], **ERRORS}, auth=read_auth)
def round_list(request: HttpRequest) -> list[dict[str, Any]]:
    steward = request.user.has_perm("collective.run_rounds")
    return [
        {
            "slug": r.slug,
            "name_fr": r.name_fr,
            "name_en": r.name_en,
            "question_fr": r.question_fr,
            "question_en": r.question_en,
            "status": r.status,
            "closes_on": r.closes_on,
            "ballots": r.ballot_count if r.status == Round.Status.CLOSED or steward else None,
            "candidates": [i.slug for i in r.candidates.all()],
            "statements": [
                {"number": s.number, "text_fr": s.text_fr, "text_en": s.text_en}
                for s in r.statements.all()
                if s.status == Statement.Status.ACCEPTED
            ],
            "is_demo": r.is_demo,
        }
        for r in selectors.rounds(steward=steward).prefetch_related(
            "candidates", Prefetch("statements", queryset=Statement.objects.order_by("number"))
        )
    ]


def _round(slug: str, request: HttpRequest) -> Round:
    found = selectors.round_detail(slug)
    if found.status == Round.Status.DRAFT and not request.user.has_perm("collective.run_rounds"):
        raise MaillageError("not_found", _("No round has this identifier."))
    return found


def _split(split: selectors.Split | None) -> dict[str, int] | None:
    if split is None:
        return None
    return {"agree": split.agree, "disagree": split.disagree, "pass": split.passed}


@router.get("/collective/rounds/{slug}/results", response={200: dict[str, Any], **ERRORS, **CONFLICT}, auth=read_auth)
def round_results(request: HttpRequest, slug: str) -> dict[str, Any]:
    """A closed round's results: consensus rankings (Schulze, ranked pairs), each kind of actor's ranking
    when it may be shown, the reactions to each statement, the opinion groups with their representative
    statements, and the statements every group supports. ``409 round_open`` before it closes."""
    found = _round(slug, request)
    results = selectors.results(found)
    if results is None:
        raise MaillageError("round_open", _("The results are published when the round closes."))
    return {
        "round": found.slug,
        "ballots": results.ballots,
        "schulze": results.schulze.order if results.schulze else None,
        "ranked_pairs": results.ranked_pairs.order if results.ranked_pairs else None,
        "condorcet_winner": results.schulze.condorcet_winner if results.schulze else None,
        "kinds": {
            k.kind: {
                "shown": bool(k.ranking),
                "ballots": k.decision.count if k.ranking else None,
                "ranking": k.ranking.order if k.ranking else None,
                "withheld_because": None if k.ranking else (k.decision.code or "too_few"),
            }
            for k in results.kinds
        },
        "participants": results.participants,
        "statements": [
            {
                "number": row.statement.number,
                "text_fr": row.statement.text_fr,
                "text_en": row.statement.text_en,
                "reactions": _split(row.split) if row.shown else None,
                "by_kind": {kind: _split(split) for kind, split in row.by_kind.items()} if row.shown else None,
                "by_group": {str(g): _split(split) for g, split in row.by_group.items()},
                "group_aware_consensus": row.group_consensus,
            }
            for row in results.statements
        ],
        "in_conversation": results.in_conversation,
        "groups": [
            {
                "group": g.number,
                "size": g.size,
                "by_kind": g.by_kind,
                "representative": [
                    {"number": s.number, "repful_for": st.repful_for, "count": st.successes, "of": st.trials}
                    for s, st in g.representative
                ],
            }
            for g in results.groups
        ],
        "supported_by_every_group": [row.statement.number for row in results.supported_by_all],
        "rejected_by_every_group": [row.statement.number for row in results.rejected_by_all],
        "majority": {
            "agree": [s.number for s, _st in results.consensus_agree],
            "disagree": [s.number for s, _st in results.consensus_disagree],
        },
    }


class BallotIn(InputSchema):
    organisation: str
    ranks: dict[str, int | None] = Field(..., description="Indicator identifier → rank (1 is best; equal ranks tie).")


# A statement's number, as an object's key is text: digits only, as the schema says (Python would also
# read " 1", "+1" or "1_0" as numbers).
StatementNumber = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,9}$")]


class ReactionsIn(InputSchema):
    organisation: str
    votes: dict[StatementNumber, Literal[-1, 0, 1] | None] = Field(
        ...,
        description="Statement number → 1 agree, -1 disagree, 0 pass (null withdraws).",
        json_schema_extra={"additionalProperties": False},  # pydantic lists the numbers' pattern only
    )


def _acting(request: HttpRequest, slug: str) -> Any:
    organisation = directory_selectors.organisation_detail(slug)
    if not request.user.has_perm("collective.take_part_for", organisation):
        raise PermissionDenied
    return organisation


@router.put("/collective/rounds/{slug}/ballot", response={200: dict[str, Any], **ERRORS, **CONFLICT}, auth=token_auth)
def ballot_put(request: HttpRequest, slug: str, payload: BallotIn) -> dict[str, Any]:
    """Record (or replace) your organisation's ranking in an open round."""
    found = _round(slug, request)
    organisation = _acting(request, payload.organisation)
    services.ballot_submit(user=request.user, round=found, organisation=organisation, ranks=payload.ranks)
    return {"round": found.slug, "organisation": organisation.slug, "ranks": selectors.my_ballot(found, organisation)}


@router.put(
    "/collective/rounds/{slug}/reactions", response={200: dict[str, Any], **ERRORS, **CONFLICT}, auth=token_auth
)
def reactions_put(request: HttpRequest, slug: str, payload: ReactionsIn) -> dict[str, Any]:
    """Record your organisation's reactions to statements of an open round (by statement number)."""
    found = _round(slug, request)
    organisation = _acting(request, payload.organisation)
    ids = dict(found.statements.values_list("number", "pk"))
    # A number that is not in the round goes to the service as an identifier no statement has (they are
    # positive): it is refused as a statement not open to reactions is, 400 statement_unknown, once the
    # round and the organisation are checked.
    missing = iter(range(-1, -len(payload.votes) - 1, -1))
    keys = {int(number): ids.get(int(number)) or next(missing) for number in payload.votes}
    try:
        count = services.reactions_submit(
            user=request.user,
            round=found,
            organisation=organisation,
            votes={keys[int(number)]: vote for number, vote in payload.votes.items()},
        )
    except MaillageError as error:  # name the statements by the numbers the client sent
        numbers_of = {f"s{pk}": f"votes.{n}" for n, pk in keys.items()}
        problems = [replace(p, field=numbers_of.get(p.field or "", p.field)) for p in error.problems]
        raise MaillageError(error.code, error.message, problems) from None
    numbers = {pk: n for n, pk in ids.items()}
    mine = selectors.my_reactions(found, organisation)
    return {
        "round": found.slug,
        "organisation": organisation.slug,
        "reactions": count,
        "votes": {str(numbers[pk]): vote for pk, vote in mine.items()},
    }
