"""Bridges between the one error model (``maillage.core.errors``) and Django.

Services raise :class:`MaillageError`; this module turns Django's ``ValidationError``
(from ``full_clean``, which checks the database constraints with their messages) into
one, and shows one in a form without losing what the user typed.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _

from maillage.core.errors import MaillageError, Problem

# Constraint violations that Django reports for the whole record, and the field they concern.
CONSTRAINT_FIELDS = {
    "neq_taken": "neq",
    "cra_charity_number_taken": "cra_charity_number",
    "role_missing": "is_field_actor",
    "amount_range_invalid": "amount_max",
    "amount_negative": "amount_min",
    "capacity_negative": "capacity",
    "hours_negative": "reporting_hours",
    "period_order_invalid": "closes_on",
    "relation_self": "target",
    "relation_exists": "target",
    "funding_incomplete": "amount",
    "amount_not_funding": "amount",
    "membership_exists": "email",
}


def from_validation_error(exc: ValidationError, *, code: str = "invalid") -> MaillageError:
    problems: list[Problem] = []
    error_dict = exc.error_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.error_list}
    for field, errors in error_dict.items():
        for error in errors:
            for message in error.messages:
                problem_code = error.code or "invalid"
                target = None if field == NON_FIELD_ERRORS else field
                target = CONSTRAINT_FIELDS.get(problem_code, target)
                problems.append(Problem(problem_code, str(message), field=target))
    return MaillageError(code, _("Some information is missing or not valid."), problems)


def add_to_form(form: forms.BaseForm, error: MaillageError, *, keep_existing: bool = False) -> None:
    """Show a domain error in a bound form: each problem on its field, or at the top.

    With ``keep_existing``, fields that already show an error (from the form's own checks) keep only
    that one, and the form's general problems are not repeated.
    """
    if not error.problems:
        if not keep_existing:
            form.add_error(None, error.message)
        return
    locate = getattr(form, "field_for_problem", None)
    for problem in error.problems:
        field = locate(problem) if locate else problem.field
        field = field if field in form.fields else None
        if keep_existing and (field is None or field in form.errors):
            continue
        form.add_error(field, problem.message)
