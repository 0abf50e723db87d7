"""Writes of the matching app. Atomic, permission-checked, all-or-nothing, errors as ``MaillageError``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.urls import reverse, translate_url
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from maillage.accounts.models import Membership
from maillage.core import eligibility as rules_core
from maillage.core.errors import MaillageError, Problem
from maillage.core.text import french_spaces
from maillage.diagnostics import selectors as diagnostic_selectors
from maillage.diagnostics.models import Diagnostic, DiagnosticShare
from maillage.directory.models import Initiative, Organisation, Relation, SupportOffer

from . import selectors
from .models import EligibilityRule, Notification, OfferCover, SupportRequest


@transaction.atomic
def offer_conditions_set(
    *,
    user: Any,
    offer: SupportOffer,
    covers: Sequence[tuple[str, float]],
    rules: Sequence[rules_core.Rule],
) -> SupportOffer:
    """Replace what the offer covers and its eligibility rules; nothing changes if anything is wrong."""
    if user is not None and not user.has_perm("directory.edit_offer", offer):
        raise PermissionDenied
    framework_model = diagnostic_selectors.current_framework()
    known = {e.id for e in diagnostic_selectors.framework_of(framework_model).elements} if framework_model else set()
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, (element, strength) in enumerate(covers):
        if element not in known:
            problems.append(
                Problem("element_unknown", _("Choose a condition of the framework."), field=f"covers-{index}-element")
            )
        if element in seen:
            problems.append(
                Problem("cover_exists", _("This condition is listed twice."), field=f"covers-{index}-element")
            )
        seen.add(element)
        if not isinstance(strength, int | float) or not 0 < strength <= 1:
            problems.append(
                Problem(
                    "strength_invalid",
                    _("The share covered is above 0 and at most 1."),
                    field=f"covers-{index}-strength",
                )
            )
    for index, rule in enumerate(rules):
        try:
            rules_core.check_rule(rule)
        except MaillageError as exc:
            problems += [Problem(p.code, p.message, field=f"rules-{index}-{p.field}") for p in exc.problems]
    if problems:
        raise MaillageError("conditions_invalid", _("Some information is missing or not valid."), problems)
    OfferCover.objects.filter(offer=offer).delete()
    OfferCover.objects.bulk_create(OfferCover(offer=offer, element=e, strength=s) for e, s in covers)
    EligibilityRule.objects.filter(offer=offer).delete()
    EligibilityRule.objects.bulk_create(
        EligibilityRule(
            offer=offer,
            kind=rule.kind,
            values=list(rule.values),
            negate=rule.negate,
            minimum_years=rule.minimum_years,
            maximum_years=rule.maximum_years,
            valid_from=rule.valid_from,
            source=rule.source,
            position=position,
            is_demo=offer.is_demo,
        )
        for position, rule in enumerate(rules)
    )
    return offer


# --- requests for support ------------------------------------------------------------------------


def notify(
    users: Iterable[Any], *, fr: str, en: str, url: str, mail_fr: str | None = None, mail_en: str | None = None
) -> None:
    """An in-app notification and an e-mail to each person, in their language (the e-mail may say more)."""
    people = {u.pk: u for u in users if u is not None}.values()
    Notification.objects.bulk_create(Notification(user=u, text_fr=fr, text_en=en, url=url) for u in people)
    messages = [
        (
            "Maillage",
            ((mail_en or en) if u.preferred_language == "en" else (mail_fr or fr))
            + f"\n\n{settings.SITE_URL}{path_in(url, u.preferred_language)}",
            None,
            [u.email],
        )
        for u in people
        if u.email
    ]
    if messages:  # only once the change is saved: no e-mail about a request that was rolled back
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))


def members_of(organisations: Iterable[Organisation]) -> list[Any]:
    return [m.user for m in Membership.objects.filter(organisation__in=list(organisations)).select_related("user")]


def capacity_left(offer: SupportOffer, *, year: int | None = None) -> int | None:
    """The offer's capacity this cycle minus the requests accepted this calendar year (None: no limit)."""
    if offer.capacity is None:
        return None
    return max(0, offer.capacity - selectors.accepted_this_year([offer.pk], year=year).get(offer.pk, 0))


@transaction.atomic
def request_send(
    *, user: Any, initiative: Initiative, offer: SupportOffer, message: str = "", share_diagnostic: bool = True
) -> SupportRequest:
    """Ask for an offer on behalf of an initiative; share its latest diagnostic with the providers if chosen."""
    if not user.has_perm("matching.view_basket", initiative):
        raise PermissionDenied
    if SupportRequest.objects.filter(initiative=initiative, offer=offer, status=SupportRequest.Status.SENT).exists():
        raise MaillageError(
            "request_exists",
            _("This initiative already has a request waiting for this offer."),
            [Problem("request_exists", _("A request is already waiting for an answer."), field="offer")],
        )
    if capacity_left(offer) == 0:
        raise MaillageError("offer_full", _("This offer has no room left this cycle."))
    if not offer.providers.exists():
        raise MaillageError("offer_without_provider", _("This offer has no provider to answer a request."))
    diagnostic = None
    if share_diagnostic:
        diagnostic = (
            Diagnostic.objects.filter(initiative=initiative, status=Diagnostic.Status.SUBMITTED)
            .order_by("-submitted_at")
            .first()
        )
        if diagnostic is not None:
            for provider in offer.providers.all():
                if provider.is_support_actor:
                    DiagnosticShare.objects.get_or_create(
                        diagnostic=diagnostic, organisation=provider, defaults={"shared_by": user}
                    )
    try:
        with transaction.atomic():
            request = SupportRequest.objects.create(
                initiative=initiative,
                offer=offer,
                diagnostic=diagnostic,
                message=message.strip(),
                created_by=user,
                is_demo=initiative.is_demo and offer.is_demo,
            )
    except IntegrityError:  # the same request, sent at the same moment by someone else of the team
        raise MaillageError(
            "request_exists", _("This initiative already has a request waiting for this offer.")
        ) from None
    notify(
        members_of(offer.providers.all()),
        fr=french_spaces(f"Nouvelle demande de soutien : « {initiative.name_fr} » demande « {offer.name_fr} »."),
        en=f"New request for support: “{initiative.name_en or initiative.name_fr}” asks for "
        f"“{offer.name_en or offer.name_fr}”.",
        url=_request_path(request.pk),
    )
    return request


def path_in(path: str, language: str) -> str:
    """A site path stored in French (no prefix) as it reads in ``language``."""
    with translation.override("fr"):
        return translate_url(path, language)


def _request_path(pk: int) -> str:
    """The request's page in French (the default language, without prefix): stored, shown in each language."""
    with translation.override("fr"):
        return reverse("matching:request", args=[pk])


@transaction.atomic
def request_answer(
    *,
    user: Any,
    request: SupportRequest,
    decision: str,
    answer: str = "",
    referred_offer: SupportOffer | None = None,
    amount: Decimal | None = None,
) -> SupportRequest:
    """Accept, decline or refer a request (members of a providing organisation). Accepting records a
    dated relation from the provider to the lead carrying organisation: "funds" with an amount, else
    "supports"."""
    request = SupportRequest.objects.select_for_update().select_related("offer", "initiative").get(pk=request.pk)
    if not user.has_perm("matching.answer_request", request):
        raise PermissionDenied
    if request.status != SupportRequest.Status.SENT:
        raise MaillageError("request_answered", _("This request is already answered or withdrawn."))
    problems = []
    if decision not in ("accepted", "declined", "referred"):
        problems.append(Problem("decision_invalid", _("Accept, decline or refer the request."), field="decision"))
    if decision == "referred" and referred_offer is None:
        problems.append(Problem("referral_missing", _("Choose the offer you refer to."), field="referred_offer"))
    if referred_offer is not None and referred_offer.pk == request.offer_id:
        problems.append(Problem("referral_same", _("Refer to another offer."), field="referred_offer"))
    if amount is not None and amount < 0:
        problems.append(Problem("amount_negative", _("The amount cannot be negative."), field="amount"))
    if problems:
        raise MaillageError("answer_invalid", _("Some information is missing or not valid."), problems)
    if decision == "accepted":
        # Lock the offer: two acceptances at once cannot both take its last place.
        SupportOffer.objects.select_for_update().filter(pk=request.offer_id).first()
        if capacity_left(request.offer) == 0:
            raise MaillageError("offer_full", _("This offer has no room left this cycle."))
    now = timezone.now()
    request.status = decision
    request.answer = answer.strip()
    request.referred_offer = referred_offer if decision == "referred" else None
    request.amount = amount if decision == "accepted" else None
    request.answered_by = user
    request.answered_at = now
    request.save()
    if decision == "accepted":
        lead = next((c.organisation for c in request.initiative.carriers.all() if c.is_lead), None)
        lead = lead or next((c.organisation for c in request.initiative.carriers.all()), None)
        for provider in request.offer.providers.all():
            if lead is None or provider.pk == lead.pk:
                continue
            kind = Relation.Kind.FUNDS if amount is not None else Relation.Kind.SUPPORTS
            relation, created = Relation.objects.select_for_update().get_or_create(
                source=provider,
                target=lead,
                kind=kind,
                year=now.year,
                defaults={
                    "amount": amount,
                    "is_multi_year": request.offer.is_multi_year,
                    "is_flexible": request.offer.flexibility == SupportOffer.Flexibility.UNRESTRICTED,
                    "note": f"{request.offer.name_fr}"[:300],
                    "is_demo": request.is_demo,
                },
            )
            if not created and amount is not None:
                # Another grant the same year to the same organisation: the relation carries the total.
                relation.amount = (relation.amount or 0) + amount
                relation.note = f"{relation.note} + {request.offer.name_fr}"[:300]
                relation.save(update_fields=["amount", "note", "updated_at"])
    labels = {
        "accepted": ("acceptée", "accepted"),
        "declined": ("refusée", "declined"),
        "referred": ("orientée vers une autre offre", "referred to another offer"),
    }[decision]
    notify(
        members_of(c.organisation for c in request.initiative.carriers.all()),
        fr=french_spaces(f"Votre demande « {request.offer.name_fr} » est {labels[0]}."),
        en=f"Your request “{request.offer.name_en or request.offer.name_fr}” is {labels[1]}.",
        url=_request_path(request.pk),
    )
    return request


@transaction.atomic
def request_withdraw(*, user: Any, request: SupportRequest) -> SupportRequest:
    request = SupportRequest.objects.select_for_update().get(pk=request.pk)
    if not user.has_perm("matching.withdraw_request", request):
        raise PermissionDenied
    if request.status != SupportRequest.Status.SENT:
        raise MaillageError("request_answered", _("This request is already answered or withdrawn."))
    request.status = SupportRequest.Status.WITHDRAWN
    request.save(update_fields=["status"])
    offer, initiative = request.offer, request.initiative
    notify(
        members_of(offer.providers.all()),
        fr=french_spaces(f"« {initiative.name_fr} » a retiré sa demande pour « {offer.name_fr} »."),
        en=f"“{initiative.name_en or initiative.name_fr}” withdrew its request for “{offer.name_en or offer.name_fr}”.",
        url=_request_path(request.pk),
    )
    return request


def notifications_read(*, user: Any) -> None:
    Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
