"""Writes of the collective app: indicator proposals and decisions, values, deliberation rounds
(candidates, statements, opening and closing), ballots and reactions.

Every write checks who may do it, validates everything it receives and reports every problem at once
(:class:`MaillageError` with one :class:`Problem` per field); nothing is written when anything is wrong.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, Max, Value, When
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from maillage.accounts.models import Membership
from maillage.accounts.selectors import memberships_by_organisation
from maillage.common.i18n import current_language
from maillage.core.errors import MaillageError, Problem
from maillage.core.feedback import QUESTIONS
from maillage.core.text import french_spaces
from maillage.diagnostics import selectors as diagnostic_selectors
from maillage.directory.models import Organisation
from maillage.matching.services import members_of, notify

from . import measures, selectors
from .models import ActorKind, Ballot, Indicator, IndicatorValue, Reaction, Round, Statement, actor_kind_of

MAX_STATEMENT = 400
SCALE_QUESTIONS = tuple(q.id for q in QUESTIONS if q.kind == "scale")
_shuffle = random.SystemRandom().shuffle


def _steward(user: Any) -> None:
    if user is not None and not user.has_perm("collective.run_rounds"):
        raise PermissionDenied


def _raise(problems: list[Problem], message: str | None = None) -> None:
    if problems:
        raise MaillageError("invalid", message or _("Some fields need attention: see below."), problems)


def _member(user: Any, organisation: Organisation) -> None:
    if user is not None and organisation.pk not in memberships_by_organisation(user):
        raise PermissionDenied


def _unique_slug(model: Any, text: str, limit: int) -> str:
    base = slugify(text)[: limit - 4].strip("-") or "indicateur"
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


# --- indicators ---------------------------------------------------------------------------------------


def _check_indicator(data: Mapping[str, Any], problems: list[Problem]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name in ("name_fr", "name_en", "description_fr", "description_en", "standard_code"):
        clean[name] = str(data.get(name) or "").strip()
    if not clean["name_fr"]:
        problems.append(Problem("name_missing", _("Give the indicator a name in French."), field="name_fr"))
    clean["elements"] = diagnostic_selectors.checked_elements(data.get("elements") or [], problems)
    method = data.get("method") or ""
    measure = data.get("measure") or ""
    clean["method"], clean["measure"], clean["question"] = method, "", ""
    for name in ("unit_fr", "unit_en", "source_fr", "source_en"):
        clean[name] = str(data.get(name) or "").strip()
    if method == Indicator.Method.COMPUTED:
        if measure not in Indicator.Measure.values:
            problems.append(Problem("measure_missing", _("Choose what Maillage measures."), field="measure"))
        clean["measure"] = measure
        if measure == Indicator.Measure.FEEDBACK_RATING:
            question = data.get("question") or ""
            if question not in SCALE_QUESTIONS:
                problems.append(
                    Problem("question_missing", _("Choose the feedback question to average."), field="question")
                )
            clean["question"] = question
        for name in ("unit_fr", "unit_en", "source_fr", "source_en"):
            clean[name] = ""  # given by the measure
    elif method == Indicator.Method.ENTERED:
        if not (clean["source_fr"] or clean["source_en"]):
            problems.append(Problem("source_missing", _("Say where the values will come from."), field="source_fr"))
        if not (clean["unit_fr"] or clean["unit_en"]):
            problems.append(Problem("unit_missing", _("Give the unit of the values."), field="unit_fr"))
    else:
        problems.append(Problem("method_missing", _("Choose how the indicator is measured."), field="method"))
    clean["higher_is_better"] = bool(data.get("higher_is_better", True))
    return clean


def indicator_propose(*, user: Any, organisation: Organisation, data: Mapping[str, Any]) -> Indicator:
    """A member organisation proposes an indicator of ecosystem success."""
    _member(user, organisation)
    problems: list[Problem] = []
    clean = _check_indicator(data, problems)
    _raise(problems)
    return Indicator.objects.create(
        slug=_unique_slug(Indicator, clean["name_fr"], 80),
        proposed_by=organisation,
        created_by=user,
        is_demo=organisation.is_demo,
        **clean,
    )


def _number(value: Any, field: str, problems: list[Problem], *, required: bool = False) -> float | None:
    """A number as people type it: « 12,5 » and « 1 150 » in French; "12.5" and "1,150" in English (a comma
    followed by groups of three digits is a thousands separator there, anything else is refused rather
    than guessed)."""
    if value in (None, ""):
        if required:
            problems.append(Problem("value_missing", _("Give a number."), field=field))
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = re.sub(r"[\s\u00a0\u202f]", "", str(value))
        if current_language() == "en":
            if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", text):
                text = text.replace(",", "")
            elif "," in text:
                text = "invalid"
        else:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            number = math.nan
    if not math.isfinite(number) or abs(number) > 1e12:
        problems.append(Problem("number_invalid", _("Write a number, such as 42 or 12.5."), field=field))
        return None
    return number


def _year(value: Any, field: str, problems: list[Problem], *, required: bool = False) -> int | None:
    if value in (None, ""):
        if required:
            problems.append(Problem("year_missing", _("Give a year."), field=field))
        return None
    try:
        year = int(str(value).strip())
    except ValueError:
        year = 0
    if not 2000 <= year <= 2100:
        problems.append(Problem("year_invalid", _("Give a year between 2000 and 2100."), field=field))
        return None
    return year


def indicator_decide(
    *, user: Any, indicator: Indicator, status: str, target: Any = None, target_year: Any = None
) -> Indicator:
    """Stewards adopt an indicator (with its target), set it aside, or put it back among proposals."""
    _steward(user)
    problems: list[Problem] = []
    if status not in Indicator.Status.values:
        problems.append(Problem("status_invalid", _("Choose a decision."), field="status"))
    number = _number(target, "target", problems)
    year = _year(target_year, "target_year", problems)
    if (number is None) != (year is None) and not problems:
        problems.append(Problem("target_incomplete", _("Give both the target and its year."), field="target"))
    _raise(problems)
    indicator.status = status
    indicator.target, indicator.target_year = number, year
    if status == Indicator.Status.ADOPTED and indicator.adopted_at is None:
        indicator.adopted_at = timezone.now()
    if status != Indicator.Status.ADOPTED:
        indicator.adopted_at = None
    indicator.save(update_fields=["status", "target", "target_year", "adopted_at"])
    return indicator


def value_enter(
    *, user: Any, indicator: Indicator, year: Any, value: Any, source: str, source_en: str = ""
) -> IndicatorValue:
    """A steward enters (or corrects) an entered indicator's value for a year, with its source."""
    _steward(user)
    problems: list[Problem] = []
    if indicator.method != Indicator.Method.ENTERED:
        raise MaillageError(
            "indicator_computed", _("Maillage computes this indicator: record its values instead of typing them.")
        )
    checked_year = _year(year, "year", problems, required=True)
    number = _number(value, "value", problems, required=True)
    source = (source or "").strip()
    if not source:
        problems.append(Problem("source_missing", _("Say where this value comes from."), field="source"))
    _raise(problems)
    assert checked_year is not None
    assert number is not None
    found, _created = IndicatorValue.objects.update_or_create(
        indicator=indicator,
        year=checked_year,
        defaults={
            "value": number,
            "source_fr": source[:300],
            "source_en": (source_en or "").strip()[:300],
            "computed": False,
            "recorded_by": user,
        },
    )
    return found


def values_record(*, user: Any, year: int | None = None) -> list[tuple[Indicator, float | None, str]]:
    """Compute this year's value of every adopted computed indicator and keep it (replacing the year's
    value). Returns (indicator, value or None, source or the reason there is none)."""
    _steward(user)
    year = year or timezone.localdate().year
    done = []
    with transaction.atomic():
        for indicator in Indicator.objects.filter(status=Indicator.Status.ADOPTED, method=Indicator.Method.COMPUTED):
            measured = measures.measure(indicator, year)
            if measured.value is not None:
                IndicatorValue.objects.update_or_create(
                    indicator=indicator,
                    year=year,
                    defaults={
                        "value": measured.value,
                        "source_fr": measured.source.text("fr")[:300] if measured.source else "",
                        "source_en": measured.source.text("en")[:300] if measured.source else "",
                        "computed": True,
                        "recorded_by": user,
                    },
                )
            note = measured.source.text(current_language()) if measured.source else measured.why
            done.append((indicator, measured.value, note))
    return done


# --- rounds --------------------------------------------------------------------------------------------


def round_create(
    *,
    user: Any,
    slug: str,
    name_fr: str,
    name_en: str = "",
    question_fr: str = "",
    question_en: str = "",
    closes_on: Any = None,
    is_demo: bool = False,
) -> Round:
    _steward(user)
    problems = []
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,59}", slug or ""):
        problems.append(
            Problem("slug_invalid", _("Use lowercase letters, digits and hyphens (60 at most)."), field="slug")
        )
    elif Round.objects.filter(slug=slug).exists():
        problems.append(Problem("slug_taken", _("Another round already has this identifier."), field="slug"))
    if not (name_fr or "").strip():
        problems.append(Problem("name_missing", _("Give the round a name in French."), field="name_fr"))
    if closes_on is not None and closes_on < timezone.localdate():
        problems.append(Problem("date_past", _("The closing date cannot be in the past."), field="closes_on"))
    _raise(problems)
    fields: dict[str, Any] = {"slug": slug, "name_fr": name_fr.strip(), "name_en": (name_en or "").strip()}
    if (question_fr or "").strip():
        fields["question_fr"] = question_fr.strip()
    if (question_en or "").strip():
        fields["question_en"] = question_en.strip()
    return Round.objects.create(**fields, closes_on=closes_on, is_demo=is_demo, created_by=user)


def round_candidates_set(*, user: Any, round: Round, indicators: Iterable[Indicator]) -> None:
    """The indicators put to the vote (while the round is in preparation): proposals, not set aside,
    fictional for a fictional round and real for a real one."""
    _steward(user)
    if round.status != Round.Status.DRAFT:
        raise MaillageError("round_not_draft", _("The indicators can change only while the round is in preparation."))
    chosen = list(indicators)
    wrong = [i for i in chosen if i.is_demo != round.is_demo or i.status == Indicator.Status.SET_ASIDE]
    if wrong:
        raise MaillageError(
            "invalid",
            _("These indicators cannot be put to this round: %(names)s.") % {"names": ", ".join(i.name for i in wrong)},
            [
                Problem(
                    "indicator_invalid",
                    _("Choose proposals of the same kind of data (fictional or real)."),
                    field="candidates",
                )
            ],
        )
    round.candidates.set(chosen)


def statement_add(
    *, user: Any, round: Round, text_fr: str = "", text_en: str = "", organisation: Organisation | None = None
) -> Statement:
    """A steward adds a statement (accepted at once, before or during the round); a member organisation
    suggests one during the round (it waits for a steward)."""
    text_fr, text_en = (text_fr or "").strip(), (text_en or "").strip()
    problems: list[Problem] = []
    if organisation is None:
        _steward(user)
        if round.status == Round.Status.CLOSED:
            raise MaillageError("round_closed", _("This round is closed."))
        status = Statement.Status.ACCEPTED
    else:
        _member(user, organisation)
        if round.status != Round.Status.OPEN:
            raise MaillageError("round_not_open", _("Statements can be suggested only while the round is open."))
        if not may_take_part(organisation, round):
            raise PermissionDenied
        status = Statement.Status.PENDING
    if not (text_fr or text_en):
        problems.append(Problem("text_missing", _("Write the statement in French or in English."), field="text_fr"))
    for name, text in (("text_fr", text_fr), ("text_en", text_en)):
        if len(text) > MAX_STATEMENT:
            problems.append(
                Problem("too_long", _("Keep it under %(n)s characters.") % {"n": MAX_STATEMENT}, field=name)
            )
    _raise(problems)
    with transaction.atomic():
        Round.objects.select_for_update().filter(pk=round.pk).first()
        number = (Statement.objects.filter(round=round).aggregate(m=Max("number"))["m"] or 0) + 1
        return Statement.objects.create(
            round=round, number=number, text_fr=text_fr, text_en=text_en, status=status, suggested_by=organisation
        )


def statement_moderate(*, user: Any, statement: Statement, status: str) -> Statement:
    _steward(user)
    if status not in Statement.Status.values or status == Statement.Status.PENDING:
        raise MaillageError("invalid", _("Accept the statement or moderate it out."))
    if statement.round.status == Round.Status.CLOSED:
        raise MaillageError("round_closed", _("This round is closed."))
    statement.status = status
    statement.save(update_fields=["status"])
    return statement


def round_open(*, user: Any, round: Round) -> Round:
    _steward(user)
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round.pk)
        if locked.status != Round.Status.DRAFT:
            raise MaillageError("round_not_draft", _("Only a round in preparation can be opened."))
        candidates = locked.candidates.count()
        if candidates == 1 or (
            candidates == 0 and not locked.statements.filter(status=Statement.Status.ACCEPTED).exists()
        ):
            raise MaillageError(
                "round_empty",
                _(
                    "Put at least two indicators, or at least one statement, to the round before opening it "
                    "(a single indicator cannot be ranked)."
                ),
            )
        locked.status, locked.opened_at = Round.Status.OPEN, timezone.now()
        locked.save(update_fields=["status", "opened_at"])
        if not locked.is_demo:  # every member organisation's people are told, each in their language
            with translation.override("fr"):
                url = reverse("collective:round", args=[locked.slug])
            notify(
                members_of(Organisation.objects.filter(is_demo=False, created_at__lt=locked.opened_at)),
                fr=french_spaces(
                    f"La ronde « {locked.name_fr} » est ouverte : classez les indicateurs de réussite de "
                    "l'écosystème et réagissez aux énoncés, au nom de votre organisation."
                ),
                en=f"The round “{locked.name_en or locked.name_fr}” is open: rank the ecosystem's indicators of "
                "success and react to the statements, for your organisation.",
                url=url,
            )
    round.refresh_from_db()
    return round


def round_close(*, user: Any, round: Round) -> Round:
    """Close a round: no more ballots or reactions; each row's kind of actor is fixed as the
    organisation's kind now, and each organisation gets a random participant number for the vote
    matrix (the Pol.is export), so that results never move afterwards."""
    _steward(user)
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round.pk)
        if locked.status != Round.Status.OPEN:
            raise MaillageError("round_not_open", _("Only an open round can be closed."))
        # An organisation deleted while the round was open takes its ballot and reactions away.
        Ballot.objects.filter(round=locked, organisation__isnull=True).delete()
        Reaction.objects.filter(statement__round=locked, organisation__isnull=True).delete()
        organisations = {
            o.pk: o
            for o in Organisation.objects.filter(
                pk__in=set(Ballot.objects.filter(round=locked).values_list("organisation_id", flat=True))
                | set(Reaction.objects.filter(statement__round=locked).values_list("organisation_id", flat=True))
            )
        }
        for kind in ActorKind.values:
            ids = [pk for pk, o in organisations.items() if actor_kind_of(o) == kind]
            Ballot.objects.filter(round=locked, organisation_id__in=ids).update(actor_kind=kind)
            Reaction.objects.filter(statement__round=locked, organisation_id__in=ids).update(actor_kind=kind)
        reacting = sorted(
            set(Reaction.objects.filter(statement__round=locked).values_list("organisation_id", flat=True))
        )
        numbers = list(range(len(reacting)))
        _shuffle(numbers)
        pairs = list(zip(reacting, numbers, strict=True))
        for start in range(0, len(pairs), 500):  # a few UPDATE … CASE queries, not one per organisation
            chunk = pairs[start : start + 500]
            Reaction.objects.filter(statement__round=locked, organisation_id__in=[o for o, _n in chunk]).update(
                participant=Case(*(When(organisation_id=o, then=Value(n)) for o, n in chunk))
            )
        Statement.objects.filter(round=locked, status=Statement.Status.PENDING).update(
            status=Statement.Status.MODERATED_OUT
        )
        locked.status, locked.closed_at = Round.Status.CLOSED, timezone.now()
        locked.save(update_fields=["status", "closed_at"])
        # The results are computed once, now, rather than by the first person to open them.
        transaction.on_commit(lambda: selectors.results(Round.objects.get(pk=locked.pk)))
    round.refresh_from_db()
    return round


# --- taking part ---------------------------------------------------------------------------------------


def may_take_part(organisation: Organisation, round: Round) -> bool:
    """An organisation takes part in a round if it existed before the round opened (nobody creates
    organisations to add ballots) and is fictional for a fictional round, real for a real one."""
    if organisation.is_demo != round.is_demo:
        return False
    return round.opened_at is None or organisation.created_at < round.opened_at


def speaks_for(user: Any, organisation: Organisation, round: Round) -> bool:
    """Whether the person may see and change the organisation's ballot and reactions in the round: a
    member since before the round opened. Joining an organisation (a steward may add themself to any)
    gives no access to what it said in a round already open."""
    found = Membership.objects.filter(user=user, organisation=organisation)
    if round.opened_at is not None:
        found = found.filter(created_at__lt=round.opened_at)
    return found.exists()


def _open_for(user: Any, round: Round, organisation: Organisation) -> None:
    _member(user, organisation)
    if round.status != Round.Status.OPEN:
        raise MaillageError("round_not_open", _("This round is not open."))
    if user is not None and not speaks_for(user, organisation, round):
        raise MaillageError(
            "not_a_participant",
            _("Only those who were members of %(name)s when the round opened speak for it in this round.")
            % {"name": organisation.name},
        )
    if not may_take_part(organisation, round):
        raise MaillageError(
            "not_a_participant",
            _(
                "%(name)s cannot take part in this round (it was created after the round opened, or its data "
                "are of another kind)."
            )
            % {"name": organisation.name},
        )


def _lock_open(round: Round) -> None:
    """Inside the write's transaction: the round, locked, is still open (closing takes the same lock, so no
    answer slips in after the results are computed)."""
    if Round.objects.select_for_update().filter(pk=round.pk, status=Round.Status.OPEN).first() is None:
        raise MaillageError("round_not_open", _("This round is not open."))


def ballot_submit(*, user: Any, round: Round, organisation: Organisation, ranks: Mapping[str, Any]) -> Ballot | None:
    """Record an organisation's ranking: ``ranks`` gives each candidate's slug a rank (1 is best; equal
    ranks are ties; empty leaves it unranked, after the ranked ones). All empty withdraws the ballot."""
    _open_for(user, round, organisation)
    candidates = {i.slug: i.pk for i in round.candidates.all()}
    problems: list[Problem] = []
    placed: dict[int, list[int]] = {}
    for slug, raw in ranks.items():
        if slug not in candidates:
            problems.append(Problem("indicator_unknown", _("This indicator is not in the round."), field=slug))
            continue
        if raw in (None, ""):
            continue
        try:
            rank = int(str(raw))
        except ValueError:
            rank = 0
        if not 1 <= rank <= len(candidates):
            problems.append(
                Problem(
                    "rank_invalid",
                    _("Give a rank from 1 to %(n)s, or leave it empty.") % {"n": len(candidates)},
                    field=slug,
                )
            )
            continue
        placed.setdefault(rank, []).append(candidates[slug])
    _raise(problems)
    tiers = [sorted(placed[rank]) for rank in sorted(placed)]
    with transaction.atomic():
        _lock_open(round)
        if not tiers:
            Ballot.objects.filter(round=round, organisation=organisation).delete()
            return None
        ballot, _created = Ballot.objects.update_or_create(
            round=round,
            organisation=organisation,
            defaults={"ranking": tiers, "actor_kind": actor_kind_of(organisation)},
        )
    return ballot


def reactions_submit(*, user: Any, round: Round, organisation: Organisation, votes: Mapping[int, Any]) -> int:
    """Record an organisation's reactions: statement id → 1 agree, −1 disagree, 0 pass (None or ""
    withdraws). Only accepted statements of the round. Returns how many reactions it now has."""
    _open_for(user, round, organisation)
    accepted = set(Statement.objects.filter(round=round, status=Statement.Status.ACCEPTED).values_list("pk", flat=True))
    problems: list[Problem] = []
    clean: dict[int, int | None] = {}
    for statement_id, raw in votes.items():
        if statement_id not in accepted:
            problems.append(
                Problem("statement_unknown", _("This statement is not open to reactions."), field=f"s{statement_id}")
            )
            continue
        if raw in (None, ""):
            clean[statement_id] = None
            continue
        try:
            vote = int(str(raw))
        except ValueError:
            vote = 9
        if vote not in (-1, 0, 1):
            problems.append(Problem("vote_invalid", _("Agree, disagree or pass."), field=f"s{statement_id}"))
            continue
        clean[statement_id] = vote
    _raise(problems)
    kind = actor_kind_of(organisation)
    with transaction.atomic():
        _lock_open(round)
        for statement_id, vote in clean.items():
            if vote is None:
                Reaction.objects.filter(statement_id=statement_id, organisation=organisation).delete()
            else:
                Reaction.objects.update_or_create(
                    statement_id=statement_id, organisation=organisation, defaults={"vote": vote, "actor_kind": kind}
                )
    return Reaction.objects.filter(statement__round=round, organisation=organisation).count()


def answers_save(
    *,
    user: Any,
    round: Round,
    organisation: Organisation,
    ranks: Mapping[str, Any],
    votes: Mapping[int, Any],
    version: str,
) -> tuple[Ballot | None, int]:
    """Save an organisation's ranking and reactions together, from a form that showed them as of
    ``version``: when another of its members changed them since, nothing is written (``answers_changed``),
    so that nobody's answers are replaced by a page loaded before them."""
    with transaction.atomic():
        _open_for(user, round, organisation)
        _lock_open(round)
        if version != selectors.answers_version(round, organisation):
            raise MaillageError(
                "answers_changed",
                _(
                    "Another member of %(name)s changed its answers after you opened this page. Here they are "
                    "now: make your changes again."
                )
                % {"name": organisation.name},
            )
        ballot = ballot_submit(user=user, round=round, organisation=organisation, ranks=ranks)
        count = reactions_submit(user=user, round=round, organisation=organisation, votes=votes)
    return ballot, count


def participants_of(user: Any, round: Round) -> list[Organisation]:
    """The person's organisations that may take part in the round."""
    since = Membership.objects.filter(user=user)
    if round.opened_at is not None:
        since = since.filter(created_at__lt=round.opened_at)
    found = Organisation.objects.filter(pk__in=since.values("organisation_id")).order_by("sort_key")
    return [o for o in found if may_take_part(o, round)]
