"""Tables as CSV files, the same way everywhere: UTF-8 with a byte-order mark (so that a spreadsheet reads
the accents), strings that a spreadsheet would run as a formula made safe, floats with six significant
digits and no exponent, empty cells for ``None``.

>>> cell(None), cell(2 / 3), cell(1e-7), cell("=SUM(A1)"), cell(12)
('', '0.666667', '0.0000001', "'=SUM(A1)", 12)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

import numpy
from django.http import HttpResponse

from maillage.core.text import formula_safe

__all__ = ["cell", "csv_response"]


def cell(value: Any) -> Any:
    """A CSV cell: empty for None, floats with six significant digits and no exponent."""
    if value is None:
        return ""
    if isinstance(value, float):
        return numpy.format_float_positional(value, precision=6, fractional=False, trim="-")
    if isinstance(value, str):
        return formula_safe(value)  # a spreadsheet would run some as a formula
    return value


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    """A CSV file to download: the header, then each row's cells (see :func:`cell`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(v) for v in row])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
