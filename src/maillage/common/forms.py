from __future__ import annotations

import re
from typing import Any

from django import forms
from django.forms.renderers import TemplatesSetting

from maillage.common.i18n import current_language


class FormRenderer(TemplatesSetting):
    """Each field in one block (label, help, errors, input), checkboxes with their label after them."""

    field_template_name = "forms/field.html"


# --- numbers as people type them -----------------------------------------------------------------------------

_SPACES = re.compile(r"[\s\u00a0\u202f$]")  # spaces that group thousands, and the dollar sign
_EN_GROUPED = re.compile(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?")


def plain_number(text: str, language: str) -> str:
    """A number typed the French or the English way, as Python reads it: « 12 500,50 » and "12,500.50"
    both give "12500.50", and « 25 000 $ » and "$25,000" give "25000". Spaces (also non-breaking) group
    thousands; in French the comma is the decimal
    mark (a point is accepted too); in English a comma only groups thousands, by threes, anything else is
    left as it is for the field to refuse rather than guessed.

    >>> plain_number("12 500,50", "fr"), plain_number("12,500.50", "en"), plain_number("1,5", "en")
    ('12500.50', '12500.50', '1,5')
    """
    value = _SPACES.sub("", text)
    if language == "fr":
        return value.replace(",", ".")
    return value.replace(",", "") if _EN_GROUPED.fullmatch(value) else value


class _PeopleNumber:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("localize", True)  # shown back the page's way too: « 12500,75 » in French
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = plain_number(value, current_language())
        return super().to_python(value)  # type: ignore[misc]


class PeopleDecimalField(_PeopleNumber, forms.DecimalField):
    """A decimal typed as people do in the page's language (see :func:`plain_number`)."""

    widget = forms.TextInput(attrs={"inputmode": "decimal"})


class PeopleFloatField(_PeopleNumber, forms.FloatField):
    """A number typed as people do in the page's language (see :func:`plain_number`)."""

    widget = forms.TextInput(attrs={"inputmode": "decimal"})


class DatePicker(forms.DateInput):
    """The browser's date picker. It reads and writes ISO dates (2028-06-30) whatever the page's language: a
    date rendered the French way (30/06/2028) would show an empty field, and saving the form would erase it."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")
