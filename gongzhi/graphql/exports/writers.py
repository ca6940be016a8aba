"""CSV and XLSX out of batches of cells, in constant memory.

CSV goes out batch by batch as it is read. An XLSX file is a zip archive whose directory
comes last, so it cannot be sent before it is complete: it is written to a temporary file
by xlsxwriter in ``constant_memory`` mode (each row is flushed to disk as it is written and
strings are stored inline, not in a shared table that would grow with the rows), then sent
from that file. openpyxl's write-only mode would keep every distinct string in memory.
"""

from __future__ import annotations

import csv
import enum
import io
import os
import tempfile
from collections.abc import AsyncIterator, Callable
from decimal import Decimal

import anyio
import xlsxwriter

# Excel opens a CSV as UTF-8 only with a byte-order mark; without it the headers are mojibake.
BOM = "\ufeff"
CHUNK = 64 * 1024


class ExportFormat(enum.Enum):
    CSV = "CSV"
    XLSX = "XLSX"


MEDIA_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

Progress = Callable[[int], None]


async def csv_chunks(
    headers: list[str], batches: AsyncIterator[list[list[object]]], progress: Progress | None = None
) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    yield (BOM + buffer.getvalue()).encode()
    done = 0
    async for rows in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(rows)
        yield buffer.getvalue().encode()
        done += len(rows)
        if progress:
            progress(done)


async def write_xlsx(
    path: str,
    title: str,
    headers: list[str],
    batches: AsyncIterator[list[list[object]]],
    progress: Progress | None = None,
) -> None:
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "in_memory": False})
    try:
        sheet = workbook.add_worksheet(title[:31])  # Excel's limit for a sheet's name
        bold = workbook.add_format({"bold": True})
        sheet.write_row(0, 0, headers, bold)
        sheet.freeze_panes(1, 0)
        row = 1
        async for rows in batches:
            for cells in rows:
                # Amounts as numbers, so that the sheet can sum them: a cell holds a double,
                # which is exact to the fen for any amount under 2^53 fen.
                sheet.write_row(row, 0, [_number(cell) for cell in cells])
                row += 1
            if progress:
                progress(row - 1)
    finally:
        await anyio.to_thread.run_sync(workbook.close)  # zips the sheet: seconds for 100k rows


def _number(cell: object) -> object:
    return float(cell) if isinstance(cell, Decimal) else cell


async def xlsx_chunks(
    title: str,
    headers: list[str],
    batches: AsyncIterator[list[list[object]]],
    progress: Progress | None = None,
) -> AsyncIterator[bytes]:
    """The workbook written to a temporary file, then sent from it and removed."""
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="gongzhi-export-")
    os.close(handle)
    try:
        await write_xlsx(path, title, headers, batches, progress)
        async with await anyio.open_file(path, "rb") as file:
            while chunk := await file.read(CHUNK):
                yield chunk
    finally:
        os.unlink(path)


def chunks(
    file_format: ExportFormat,
    title: str,
    headers: list[str],
    batches: AsyncIterator[list[list[object]]],
    progress: Progress | None = None,
) -> AsyncIterator[bytes]:
    if file_format is ExportFormat.CSV:
        return csv_chunks(headers, batches, progress)
    return xlsx_chunks(title, headers, batches, progress)
