"""Writes about people: sign-up, memberships, stewardship and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.common.errors import from_validation_error
from maillage.core.errors import MaillageError, Problem

from .models import ApiToken, Membership, User

TOKEN_PREFIX = "mlg_"


def _invalid(code: str, message: str, field: str) -> MaillageError:
    return MaillageError(code, message, [Problem(code, message, field=field)])


@transaction.atomic
def user_sign_up(*, email: str, password: str, full_name: str = "", preferred_language: str = "fr") -> User:
    email = User.objects.normalize_email(email.strip()).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise _invalid(
            "email_taken", _("An account already uses this e-mail address: log in or reset your password."), "email"
        )
    user = User(email=email, full_name=full_name.strip(), preferred_language=preferred_language)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise MaillageError(
            "password_weak",
            _("Choose a stronger password."),
            [Problem("password_weak", str(m), field="password1") for m in exc.messages],
        ) from None
    user.set_password(password)
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise from_validation_error(exc) from None
    user.save()
    return user


@transaction.atomic
def user_update_profile(*, user: User, full_name: str, preferred_language: str) -> User:
    if preferred_language not in ("fr", "en"):
        raise _invalid("language_invalid", _("Choose French or English."), "preferred_language")
    user.full_name = full_name.strip()[:200]
    user.preferred_language = preferred_language
    user.save(update_fields=["full_name", "preferred_language"])
    return user


def _require_manager(actor: Any, organisation: Any) -> None:
    if not actor.has_perm("directory.manage_organisation_members", organisation):
        raise PermissionDenied(_("You are not allowed to do this."))


@transaction.atomic
def membership_add(*, actor: User, organisation: Any, email: str, role: str = Membership.Role.MEMBER) -> Membership:
    """Add an existing account to an organisation (its administrators and stewards may)."""
    _require_manager(actor, organisation)
    if role not in Membership.Role.values:
        raise _invalid("role_invalid", _("Choose member or administrator."), "role")
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise _invalid(
            "user_unknown", _("No account uses this e-mail address: ask the person to sign up first."), "email"
        )
    if Membership.objects.filter(user=user, organisation=organisation).exists():
        raise _invalid("membership_exists", _("This person is already a member of the organisation."), "email")
    return Membership.objects.create(user=user, organisation=organisation, role=role)


@transaction.atomic
def membership_change_role(*, actor: User, membership: Membership, role: str) -> Membership:
    _require_manager(actor, membership.organisation)
    if role not in Membership.Role.values:
        raise _invalid("role_invalid", _("Choose member or administrator."), "role")
    if membership.role == Membership.Role.ADMIN and role != Membership.Role.ADMIN:
        _keep_one_admin(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership) -> None:
    if membership.user_id != actor.pk:
        _require_manager(actor, membership.organisation)
    if membership.role == Membership.Role.ADMIN:
        _keep_one_admin(membership)
    membership.delete()


def _keep_one_admin(membership: Membership) -> None:
    others = (
        Membership.objects.filter(organisation_id=membership.organisation_id, role=Membership.Role.ADMIN)
        .exclude(pk=membership.pk)
        .select_for_update()
    )
    if not others.exists():
        raise MaillageError(
            "last_admin", _("An organisation keeps at least one administrator: name another one first.")
        )


@transaction.atomic
def user_set_steward(*, actor: User | None, user: User, is_steward: bool) -> User:
    """Stewards manage reference data in the administration site; only superusers appoint them.

    ``actor=None`` is the operator at the command line (``maillage steward``), who runs the server.
    """
    if actor is not None and not actor.is_superuser:
        raise PermissionDenied(_("Only a superuser appoints stewards."))
    user.is_steward = is_steward
    user.is_staff = is_steward or user.is_superuser
    user.save(update_fields=["is_steward", "is_staff"])
    return user


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token; the raw value is returned once and never stored."""
    name = name.strip()
    if not name:
        raise _invalid("token_name_missing", _("Give the token a name, for example the tool that will use it."), "name")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=raw[:12], digest=_digest(raw))
    return token, raw


@transaction.atomic
def token_revoke(*, user: User, token_id: int) -> None:
    updated = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if not updated:
        raise MaillageError("not_found", _("This token does not exist or is already revoked."))


def token_authenticate(raw: str) -> User | None:
    """The active user owning this raw token, or None. Records when the token was last used."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(digest=_digest(raw), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
