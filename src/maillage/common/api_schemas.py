"""What the apps' API schemas share: the error envelope and the responses every operation documents, and
types whose OpenAPI description must say exactly what the API accepts.

(Here rather than in ``maillage.api``, which imports the apps' routers, or in an app, which would import
another: the accounts' router uses them too.)
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from django.db.models import Choices
from ninja import Field, Schema
from ninja.schema import DjangoGetter
from pydantic import BeforeValidator, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError


class ErrorProblem(Schema):
    code: str
    message: str
    field: str | None = None
    row: int | None = None
    file: str | None = None


class ErrorOut(Schema):
    code: str
    message: str
    problems: list[ErrorProblem]


class InputSchema(Schema):
    """What a client sends as an object (a body, or an object within one). django-ninja's ``Schema`` reads
    the attributes of whatever it is given, so that ``[]``, ``3`` or ``"x"`` passed for an object whose
    fields are all optional (``PATCH /api/initiatives/{slug}`` with the body ``[]`` changed nothing and
    answered 200): an object it must be, as the OpenAPI schema says."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, value: Any) -> Any:
        given = value._obj if isinstance(value, DjangoGetter) else value  # ninja wraps it first
        if not isinstance(given, dict):
            raise PydanticCustomError("model_type", "Input should be an object")
        return value


# Every operation may answer these (a read with a token that is not valid is 401, a query with a NUL 422).
ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
# And those that refuse a change because of the record's state (a submitted diagnostic, an answered request…).
CONFLICT: dict[int, Any] = {409: ErrorOut}


def choices(enum: type[Choices], name: str) -> Any:
    """A Django enumeration, described in place under a name of its own: several models call theirs
    ``Kind``, and the OpenAPI schema would describe them all as one."""
    return Annotated[enum, WithJsonSchema({"title": name, "type": "string", "enum": [str(v) for v in enum.values]})]


def amount(*, digits: int = 12, minimum: int | None = None) -> Any:
    """A sum of money as its column stores it: a JSON number, or its text (``"25000.00"``), with
    ``digits`` digits at most, two of them after the point. Text in another form (``"1e3"``, ``"1_000"``,
    spaces) is refused as the schema says, rather than read as Python would."""
    whole = digits - 2
    text = rf"^{'' if minimum is not None and minimum >= 0 else '-?'}[0-9]{{1,{whole}}}(\.[0-9]{{1,2}})?$"
    largest = float(10**whole) - 0.01
    number: dict[str, Any] = {"type": "number", "maximum": largest, "minimum": -largest, "multipleOf": 0.01}
    if minimum is not None:
        number["minimum"] = minimum

    def plain_text(value: Any) -> Any:
        if isinstance(value, str) and not re.fullmatch(text, value):
            raise PydanticCustomError("decimal_parsing", "Input should be a valid decimal")
        return value

    return Annotated[
        Decimal,
        BeforeValidator(plain_text),
        Field(max_digits=digits, decimal_places=2, ge=minimum),
        WithJsonSchema({"anyOf": [number, {"type": "string", "pattern": text}]}),
    ]
