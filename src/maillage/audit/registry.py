"""What the audit log follows: the records that decide who gets support and who may do what.

Offers and their eligibility rules and open periods, the success-conditions frameworks and their scoring,
allocation scenarios, the shared indicators, and roles (memberships, stewardship, staff status, API
tokens). Each is registered with django-auditlog, which writes a ``LogEntry`` on every create, change and
delete, with the person (``AuditMiddleware``), the address and the fields' old and new values. Passwords,
token digests and timestamps that change on their own are never recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditlog.registry import auditlog
from django.apps import apps
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Kind:
    code: str
    name: Promise
    models: tuple[str, ...]


KINDS = (
    Kind("offers", _("Offers"), ("directory.SupportOffer", "directory.OpenPeriod")),
    Kind("eligibility", _("Eligibility rules"), ("matching.EligibilityRule",)),
    Kind("frameworks", _("Frameworks and scoring"), ("diagnostics.Framework", "diagnostics.ScoringSettings")),
    Kind("scenarios", _("Allocation scenarios"), ("scenarios.Scenario",)),
    Kind("indicators", _("Shared indicators"), ("collective.Indicator",)),
    Kind("roles", _("Roles and access"), ("accounts.Membership", "accounts.User", "accounts.ApiToken")),
)

# Per model: the options given to django-auditlog.
OPTIONS: dict[str, dict[str, object]] = {
    "directory.SupportOffer": {
        "m2m_fields": {"providers", "languages", "territories", "sectors", "populations"},
        "exclude_fields": ["updated_at", "created_at", "sort_key", "search_entry"],
    },
    "diagnostics.Framework": {"exclude_fields": ["document", "source_text", "published_at"]},
    "scenarios.Scenario": {"exclude_fields": ["updated_at", "created_at"]},
    # Only what gives or takes away rights: never the password, the last login or the profile.
    "accounts.User": {"include_fields": ["email", "is_active", "is_staff", "is_superuser", "is_steward"]},
    "accounts.ApiToken": {"exclude_fields": ["digest", "last_used_at", "created_at"]},
}


def audited_models() -> list[str]:
    return [label for kind in KINDS for label in kind.models]


def kind_of(label: str) -> Kind:
    return next(kind for kind in KINDS if label in kind.models)


def register_all() -> None:
    for label in audited_models():
        model = apps.get_model(label)
        if not auditlog.contains(model):
            auditlog.register(model, **OPTIONS.get(label, {}))  # type: ignore[arg-type]
