"""CSV that spreadsheets open safely: no cell a spreadsheet would run as a formula.

A cell from a learner's machine (or an instructor's roster) starting with `=`, `+`, `-`, `@`, a
tab or a carriage return is a formula to Excel, LibreOffice and Google Sheets (`=cmd|' /C calc'!A0`
runs a program through DDE). Such cells are prefixed with a single quote, which spreadsheets
read as "this is text", and every cell is quoted. Identifier columns of an LMS import file are
the exception: the LMS compares them as written, so they are written as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterable, Sequence

from checker.report import clean_text

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")
CELL_LIMIT = 1000


def safe_cell(value: object) -> str | int | float:
    """Return a value that a spreadsheet shows as the text or number it is.

    >>> safe_cell("=cmd|' /C calc'!A0")
    "'=cmd|' /C calc'!A0"
    >>> safe_cell(-3)
    -3
    """
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return value  # our own numbers: a negative one is a number, not a formula
    text = clean_text("" if value is None else str(value), CELL_LIMIT).replace("\n", " ")
    if text.lstrip(" ").startswith(_FORMULA_START):
        return "'" + text
    return text


def csv_text(
    header: Sequence[str], rows: Iterable[Sequence[object]], exact: Collection[int] = ()
) -> str:
    """Render rows as CSV text, every cell quoted and made safe.

    Args:
        header: the column names.
        rows: the cells of each row.
        exact: columns written exactly as they are (still quoted): identifiers an LMS matches
            character for character on import (an id `--help` must stay `--help`). Moodle and
            Canvas document plain RFC 4180 CSV in UTF-8 for their imports, with no formula
            escape; roster values never hold control characters.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        writer.writerow(
            [
                ("" if value is None else str(value)) if column in exact else safe_cell(value)
                for column, value in enumerate(row)
            ]
        )
    return buffer.getvalue()
