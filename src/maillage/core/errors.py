"""One error model for the whole of Maillage.

A :class:`MaillageError` says what went wrong in a sentence that a user can act on, and
carries a stable ``code`` for programs (the API returns it as is). When several precise
things are wrong (a form with two bad fields, a file with bad rows), each one is a
:class:`Problem` naming the field, and the row or file where it applies.

>>> err = MaillageError("invalid", "The offer is not valid.",
...                     [Problem("amount_range_invalid", "Minimum above maximum.", field="amount_min")])
>>> err.problems[0].field
'amount_min'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["MaillageError", "Problem"]


@dataclass(frozen=True)
class Problem:
    """One precise thing that is wrong, with where it is."""

    code: str
    message: str
    field: str | None = None
    row: int | None = None
    file: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": self.message}
        for key in ("field", "row", "file"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data

    def located(self) -> str:
        """The message prefixed with its file, row and field, for terminals and logs."""
        where = [part for part in (self.file, _row(self.row), self.field) if part]
        return f"{', '.join(where)}: {self.message}" if where else self.message


def _row(row: int | None) -> str | None:
    return None if row is None else f"row {row}"


@dataclass
class MaillageError(Exception):
    """A domain error with a stable code, a translated message and its precise problems."""

    code: str
    message: str
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        return "\n".join([self.message, *(f"  - {p.located()}" for p in self.problems)])

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "problems": [p.as_dict() for p in self.problems],
        }
