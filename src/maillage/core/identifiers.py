"""Canadian organisation identifiers: Québec's NEQ and the CRA charity registration number.

Both are optional on an organisation; when given, they are stored in one canonical form
so that duplicates are caught by the database.

>>> normalize_neq(" 1143 456 789 ")
'1143456789'
>>> normalize_cra_charity_number("12345 6782 rr 0001")
'123456782RR0001'
"""

from __future__ import annotations

import re

from stdnum import luhn
from stdnum.exceptions import ValidationError as StdnumError

from .errors import MaillageError, Problem
from .i18n import gettext as _

__all__ = ["normalize_cra_charity_number", "normalize_neq", "org_id_for_cra"]

_SEPARATORS = re.compile(r"[\s\-.]")


def normalize_neq(value: str, *, field: str = "neq") -> str:
    """Canonical Québec enterprise number (NEQ): exactly 10 digits."""
    compact = _SEPARATORS.sub("", value)
    if not re.fullmatch(r"\d{10}", compact):
        raise _invalid(
            "neq_invalid",
            _("A Québec enterprise number (NEQ) has exactly 10 digits, for example 1143456789."),
            field,
        )
    return compact


def normalize_cra_charity_number(value: str, *, field: str = "cra_charity_number") -> str:
    """Canonical CRA charity registration number: 9-digit business number, ``RR``, 4 digits.

    The first nine digits carry a Luhn check digit, as every Canadian business number does.
    """
    compact = _SEPARATORS.sub("", value).upper()
    if not re.fullmatch(r"\d{9}RR\d{4}", compact):
        raise _invalid(
            "cra_charity_number_invalid",
            _("A charity registration number has 9 digits, the letters RR and 4 digits, for example 123456782RR0001."),
            field,
        )
    try:
        luhn.validate(compact[:9])
    except StdnumError:
        raise _invalid(
            "cra_charity_number_checksum",
            _(
                "This charity registration number has a wrong check digit: please copy it again "
                "from the Canada Revenue Agency's list of charities."
            ),
            field,
        ) from None
    return compact


def org_id_for_cra(charity_number: str) -> str:
    """The org-id.guide identifier used by 360Giving for a registered Canadian charity."""
    return f"CA-CRA_ACR-{charity_number}"


def _invalid(code: str, message: str, field: str) -> MaillageError:
    return MaillageError(code, message, [Problem(code, message, field=field)])
