"""Writes to the directory. Each service is atomic, checks permissions, validates everything
(database constraints included, with their messages) and raises ``MaillageError`` on bad input,
changing nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.text import slugify
from django.utils.translation import gettext as _

from maillage.accounts.models import Membership, User
from maillage.common.errors import from_validation_error
from maillage.core.errors import MaillageError, Problem
from maillage.core.identifiers import normalize_cra_charity_number, normalize_neq

from .indexing import index
from .models import Initiative, InitiativeCarrier, OpenPeriod, Organisation, Relation, SupportOffer

ORGANISATION_FIELDS = (
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
    "annual_budget",
    "staff_count",
    "contact_name",
    "contact_email",
    "internal_notes",
)
ORGANISATION_M2M = ("territories", "sectors", "populations", "shares_resources", "seeks_resources")

INITIATIVE_FIELDS = (
    "name_fr",
    "name_en",
    "description_fr",
    "description_en",
    "stage",
    "sector",
    "started_year",
    "annual_budget",
    "internal_notes",
)
INITIATIVE_M2M = ("territories", "populations")

OFFER_FIELDS = (
    "name_fr",
    "name_en",
    "description_fr",
    "description_en",
    "support_type",
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
    "url",
)
OFFER_M2M = ("languages", "territories", "sectors", "populations")


def _require(user: Any, perm: str, obj: Any = None) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied(_("You are not allowed to do this."))


def _assign(instance: Model, data: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(data) - set(allowed)
    if unknown:
        raise MaillageError(
            "field_unknown",
            _("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            [Problem("field_unknown", _("This field does not exist."), field=f) for f in sorted(unknown)],
        )
    for name, value in data.items():
        if isinstance(value, str):
            value = value.strip()  # a name of spaces is no name
        setattr(instance, name, "" if value is None and _is_text(instance, name) else value)


def _is_text(instance: Model, name: str) -> bool:
    field = instance._meta.get_field(name)
    return (
        field.get_internal_type() in ("CharField", "TextField", "SlugField", "EmailField", "URLField")
        and not field.null
    )


def _full_clean(instance: Model, *, exclude: Iterable[str] = ()) -> None:
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        raise from_validation_error(exc) from None


# Words that routes use after /organisations/, /initiatives/ or /offers/: never a record's identifier.
RESERVED_SLUGS = frozenset({"new", "edit", "members", "relations", "initiatives", "offers"})


def _unique_slug(model: type[Model], text: str, *, max_length: int = 100) -> str:
    """A free identifier for a new record's URL, from its name (« Café de l'Île » → ``cafe-de-lile``)."""
    base = slugify(text)[:max_length] or "fiche"
    candidates = itertools.chain([base], (f"{base[: max_length - 6]}-{n}" for n in itertools.count(2)))
    for candidate in candidates:
        if candidate not in RESERVED_SLUGS and not model._default_manager.filter(slug=candidate).exists():
            return candidate
    raise AssertionError("unreachable")


def _normalize_identifiers(data: dict[str, Any]) -> None:
    problems: list[Problem] = []
    for name, normalizer in (("neq", normalize_neq), ("cra_charity_number", normalize_cra_charity_number)):
        if name not in data:
            continue
        value = (data[name] or "").strip()
        if not value:
            data[name] = None
            continue
        try:
            data[name] = normalizer(value, field=name)
        except MaillageError as exc:
            problems.extend(exc.problems)
    if problems:
        raise MaillageError("invalid", _("Some information is missing or not valid."), problems)


def _set_m2m(instance: Model, data: Mapping[str, Any], names: Iterable[str]) -> None:
    for name in names:
        if name in data:
            getattr(instance, name).set(data[name])


# --- the shared write path ---------------------------------------------------------------------

R = TypeVar("R", Organisation, Initiative, SupportOffer)


def _write(
    instance: R,
    data: Mapping[str, Any],
    *,
    fields: Iterable[str],
    m2m: Iterable[str],
    slug_max_length: int = 0,
    extra_problems: Iterable[Problem] = (),
) -> R:
    """Assign, validate (constraints included, every problem at once), save, link, index.

    With ``slug_max_length`` the record is new and gets a unique slug from its French name.
    """
    data = dict(data)
    links = {name: data.pop(name) for name in m2m if name in data}
    _assign(instance, data, fields)
    if slug_max_length:
        instance.slug = _unique_slug(type(instance), instance.name_fr, max_length=slug_max_length)
    problems = list(extra_problems)
    try:
        _full_clean(instance)
    except MaillageError as exc:
        problems = exc.problems + problems
    if problems:
        raise MaillageError("invalid", _("Some information is missing or not valid."), problems)
    instance.save()
    _set_m2m(instance, links, m2m)
    index(instance)
    return instance


# --- organisations ----------------------------------------------------------------------------


@transaction.atomic
def organisation_create(*, actor: User, data: Mapping[str, Any]) -> Organisation:
    """Create an organisation; its creator becomes its first administrator."""
    _require(actor, "directory.create_organisation")
    data = dict(data)
    _normalize_identifiers(data)
    org = _write(Organisation(), data, fields=ORGANISATION_FIELDS, m2m=ORGANISATION_M2M, slug_max_length=110)
    Membership.objects.create(user=actor, organisation=org, role=Membership.Role.ADMIN)
    actor.__dict__.pop("_maillage_memberships", None)
    return org


@transaction.atomic
def organisation_update(*, actor: User, organisation: Organisation, data: Mapping[str, Any]) -> Organisation:
    _require(actor, "directory.edit_organisation", organisation)
    data = dict(data)
    _normalize_identifiers(data)
    _write(organisation, data, fields=ORGANISATION_FIELDS, m2m=ORGANISATION_M2M)
    return organisation


# --- initiatives ------------------------------------------------------------------------------


@transaction.atomic
def initiative_create(*, actor: User, organisation: Organisation, data: Mapping[str, Any]) -> Initiative:
    """Create an initiative carried (and led) by ``organisation``."""
    _require(actor, "directory.create_initiative_for", organisation)
    initiative = Initiative()
    _write(initiative, data, fields=INITIATIVE_FIELDS, m2m=INITIATIVE_M2M, slug_max_length=130)
    InitiativeCarrier.objects.create(initiative=initiative, organisation=organisation, is_lead=True)
    return initiative


@transaction.atomic
def initiative_update(*, actor: User, initiative: Initiative, data: Mapping[str, Any]) -> Initiative:
    _require(actor, "directory.edit_initiative", initiative)
    _write(initiative, data, fields=INITIATIVE_FIELDS, m2m=INITIATIVE_M2M)
    return initiative


# --- offers -----------------------------------------------------------------------------------


def _open_periods(periods: Iterable[tuple[Any, Any]]) -> tuple[list[OpenPeriod], list[Problem]]:
    """The complete (opens, closes) pairs, and a problem for each incomplete or reversed one."""
    result: list[OpenPeriod] = []
    problems: list[Problem] = []
    for row, (opens_on, closes_on) in enumerate(periods, start=1):
        if opens_on and closes_on and str(closes_on) < str(opens_on):
            message = _("A period cannot close before it opens.")
            problems.append(Problem("period_order_invalid", message, field="open_periods", row=row))
        elif opens_on and closes_on:
            result.append(OpenPeriod(opens_on=opens_on, closes_on=closes_on))
        elif opens_on or closes_on:
            message = _("A period needs both an opening and a closing date.")
            problems.append(Problem("period_incomplete", message, field="open_periods", row=row))
    return result, problems


def _rolling_conflict(data: Mapping[str, Any], periods: list[OpenPeriod]) -> list[Problem]:
    if data.get("is_rolling") and periods:
        message = _("An offer open all year has no application periods: untick “open all year” or remove the periods.")
        return [Problem("periods_with_rolling", message, field="is_rolling")]
    return []


def _replace_periods(offer: SupportOffer, periods: list[OpenPeriod]) -> None:
    """Keep the periods that stay, remove the others, add the new ones: one by one (an offer has a few), so
    that the audit log records exactly what changed."""
    wanted = {(p.opens_on, p.closes_on) for p in periods}
    kept = set()
    for existing in offer.open_periods.all():
        key = (existing.opens_on, existing.closes_on)
        if key in wanted and key not in kept:
            kept.add(key)
        else:
            existing.delete()
    for period in periods:
        if (period.opens_on, period.closes_on) not in kept:
            kept.add((period.opens_on, period.closes_on))
            period.offer = offer
            period.save()


def not_a_support_actor() -> MaillageError:
    return MaillageError(
        "provider_not_support_actor",
        _("Only a support actor publishes offers: tick “support actor” in the organisation's profile first."),
    )


@transaction.atomic
def offer_create(*, actor: User, provider: Organisation, data: Mapping[str, Any]) -> SupportOffer:
    """Create a support offer provided by ``provider`` (a support actor)."""
    if not provider.is_support_actor and actor.has_perm("directory.create_initiative_for", provider):
        # Someone who may act for this organisation learns what to change, rather than being refused.
        raise not_a_support_actor()
    _require(actor, "directory.create_offer_for", provider)
    data = dict(data)
    periods, period_problems = _open_periods(data.pop("open_periods", ()))
    period_problems += _rolling_conflict(data, periods)
    offer = SupportOffer()
    _write(offer, data, fields=OFFER_FIELDS, m2m=OFFER_M2M, slug_max_length=130, extra_problems=period_problems)
    offer.providers.add(provider)
    index(provider)  # providers are found by the support types they offer
    _replace_periods(offer, periods)
    return offer


@transaction.atomic
def offer_update(*, actor: User, offer: SupportOffer, data: Mapping[str, Any]) -> SupportOffer:
    _require(actor, "directory.edit_offer", offer)
    data = dict(data)
    periods, period_problems = _open_periods(data.pop("open_periods")) if "open_periods" in data else (None, [])
    period_problems += _rolling_conflict({"is_rolling": offer.is_rolling, **data}, periods or [])
    _write(offer, data, fields=OFFER_FIELDS, m2m=OFFER_M2M, extra_problems=period_problems)
    if periods is not None:
        _replace_periods(offer, periods)
    return offer


# --- relations --------------------------------------------------------------------------------

RELATION_FIELDS = ("source", "target", "kind", "year", "amount", "is_multi_year", "is_flexible", "note")


def _may_declare(actor: User, relation: Relation) -> bool:
    """An administrator of either side (or a steward) declares or removes a relation."""
    sides = [org for org in (getattr(relation, "source", None), getattr(relation, "target", None)) if org]
    return any(actor.has_perm("directory.edit_organisation", org) for org in sides)


@transaction.atomic
def relation_create(*, actor: User, data: Mapping[str, Any]) -> Relation:
    """Declare a typed, dated relation between two organisations, one of which the actor administers."""
    relation = Relation()
    _assign(relation, data, RELATION_FIELDS)
    if relation.source_id is None or relation.target_id is None:
        message = _("Choose the organisation on the other side of the relation.")
        raise MaillageError("invalid", message, [Problem("target_missing", message, field="target")])
    if not _may_declare(actor, relation):
        raise PermissionDenied(_("You are not allowed to do this."))
    _full_clean(relation)
    relation.save()
    return relation


@transaction.atomic
def relation_delete(*, actor: User, relation: Relation) -> None:
    if not _may_declare(actor, relation):
        raise PermissionDenied(_("You are not allowed to do this."))
    relation.delete()
