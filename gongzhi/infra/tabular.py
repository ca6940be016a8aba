"""Rows of a CSV or XLSX file as dictionaries keyed by header, for imports."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence


class UnreadableFile(ValueError):
    """Raised when a file is not a CSV or XLSX sheet we can read."""


def read_table(content: bytes, file_format: str) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the first sheet; every cell as text, trailing empty rows dropped."""
    if file_format.upper() == "XLSX":
        rows = _xlsx(content)
    elif file_format.upper() == "CSV":
        rows = _csv(content)
    else:
        raise UnreadableFile("the format must be CSV or XLSX")
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    if not rows:
        raise UnreadableFile("the file has no header line")
    return rows[0], rows[1:]


def _csv(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise UnreadableFile("the CSV file is neither UTF-8 nor GB18030 text")
    return [list(row) for row in csv.reader(io.StringIO(text))]


def _xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:
        raise UnreadableFile("the file is not an XLSX workbook") from error
    sheet = book.worksheets[0]
    return [[_text(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def as_dicts(
    header: Sequence[str], rows: Sequence[Sequence[str]], positions: dict[str, int]
) -> list[dict[str, str]]:
    """Rows keyed by our column names, from the header positions found."""
    return [
        {name: (row[index] if index < len(row) else "") for name, index in positions.items()}
        for row in rows
    ]
