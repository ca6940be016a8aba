"""Rows of a CSV or XLSX file as dictionaries keyed by header, for imports.

Files come from clients, so reading one is bounded before it starts: at most ``MAX_ROWS``
data rows and ``MAX_COLUMNS`` columns, and an XLSX workbook (a zip archive) must unpack to at
most ``MAX_XLSX_UNPACKED`` bytes at a ratio no spreadsheet reaches (a zip bomb of a few KB
would otherwise unpack to gigabytes inside openpyxl). The sizes checked are those the archive
declares, which also bound what Python's zipfile will unpack for each member.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence

# A roster of the largest community we serve (10,000 units, a few owners each) fits well.
MAX_ROWS = 50_000
# A roster has a dozen columns; further ones are not read.
MAX_COLUMNS = 100
MAX_XLSX_UNPACKED = 256 * 1024 * 1024
# Sheet XML packs about 10:1, shared strings of a repetitive roster up to ~50:1; zip bombs
# pack at a thousand to one and more.
MAX_XLSX_RATIO = 200
# Small archives are never bombs, whatever their ratio.
RATIO_FLOOR_BYTES = 4 * 1024 * 1024
MAX_XLSX_MEMBERS = 10_000


class UnreadableFile(ValueError):
    """Raised when a file is not a CSV or XLSX sheet we can read."""


class TooManyRows(UnreadableFile):
    """Raised when a file has more data rows than the reader was asked to take."""


def read_table(
    content: bytes, file_format: str, *, max_rows: int = MAX_ROWS
) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the first sheet; every cell as text, trailing empty rows dropped.
    More than ``max_rows`` data rows are refused as soon as the next one is read."""
    if file_format.upper() == "XLSX":
        rows = _xlsx(content, max_rows)
    elif file_format.upper() == "CSV":
        rows = _csv(content, max_rows)
    else:
        raise UnreadableFile("the format must be CSV or XLSX")
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    if not rows:
        raise UnreadableFile("the file has no header line")
    return rows[0], rows[1:]


def _capped(rows: Iterable[Sequence[str]], max_rows: int) -> list[list[str]]:
    """The rows (with the header, at most ``max_rows`` more), or UnreadableFile."""
    taken: list[list[str]] = []
    for row in rows:
        if len(taken) > max_rows:
            msg = f"the file has more than {max_rows:,} rows; split it into smaller files"
            raise TooManyRows(msg)
        taken.append(list(row[:MAX_COLUMNS]))
    return taken


def _csv(content: bytes, max_rows: int) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise UnreadableFile("the CSV file is neither UTF-8 nor GB18030 text")
    try:
        return _capped(csv.reader(io.StringIO(text)), max_rows)
    except csv.Error as error:
        # A cell over the csv module's field limit (128 KB), or a NUL: no sheet of ours.
        raise UnreadableFile(f"the CSV file cannot be read: {error}") from None


def _check_archive(content: bytes) -> None:
    """Refuse a workbook that would unpack to too much, before anything unpacks it."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UnreadableFile("the file is not an XLSX workbook") from None
    if len(members) > MAX_XLSX_MEMBERS:
        raise UnreadableFile("the file is not an XLSX workbook: it holds too many parts")
    unpacked = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members)
    if unpacked > MAX_XLSX_UNPACKED:
        msg = f"the workbook unpacks to more than {MAX_XLSX_UNPACKED // 2**20} MB"
        raise UnreadableFile(msg)
    if unpacked > RATIO_FLOOR_BYTES and unpacked > MAX_XLSX_RATIO * max(packed, 1):
        msg = (
            "the workbook is compressed far more than any spreadsheet "
            f"(over {MAX_XLSX_RATIO}:1); save it again from a spreadsheet program"
        )
        raise UnreadableFile(msg)


def _xlsx(content: bytes, max_rows: int) -> list[list[str]]:
    from openpyxl import load_workbook

    _check_archive(content)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:
        raise UnreadableFile("the file is not an XLSX workbook") from error
    try:
        sheet = book.worksheets[0]
        # The sheet's declared dimension is the client's word: rows are read up to the cap
        # (and one more, to tell it was passed) and only as wide as a roster can be.
        rows = sheet.iter_rows(max_row=max_rows + 2, max_col=MAX_COLUMNS, values_only=True)
        return _capped(([_text(cell) for cell in row] for row in rows), max_rows)
    except UnreadableFile:
        raise
    except Exception as error:
        raise UnreadableFile("the file is not an XLSX workbook") from error
    finally:
        book.close()


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
