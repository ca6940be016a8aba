"""抄表 files read into checked rows: a smart-meter export's readings (``importReadings``) and
a 装表清单, the sheet of meters a property office installs at once (``importMeters``).

Both are CSV or XLSX with a header line, headers in Chinese or English; a bad cell is an
``InvalidValue`` on ``content`` naming its row (the header is row 1) and column in plain
words, so a file is refused whole before anything is recorded. The column names and the
parsing of a number, a month and a unit's 楼栋/单元/房号 live here once, for both files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from uuid import UUID

from gongzhi.application.roster import TableReader
from gongzhi.domain.community import Community
from gongzhi.domain.errors import DomainError, InvalidValue
from gongzhi.domain.meter import KIND_NAMES, MeterKind, MeterToInstall, month_of, reading_value
from gongzhi.domain.roster import HEADERS as ROSTER_HEADERS

MAX_IMPORT_ROWS = 20_000


@dataclass(frozen=True)
class Column:
    """A column of a file: the name errors call it by, and the headers it is known by."""

    name: str
    headers: tuple[str, ...]


# A smart-meter export's, as the vendors name them.
NUMBER = Column("表号", ("表号", "meter_number", "meter number", "meter", "表计编号"))
READING = Column("读数", ("读数", "本期读数", "reading", "value"))
READ_AT = Column("抄表时间", ("抄表时间", "read_at", "read time", "时间"))
# A 装表清单's: the unit as the roster names it (楼栋, 单元, 房号), or none for a common meter.
KIND = Column("类型", ("类型", "表类型", "kind", "meter_kind"))
BUILDING = Column("楼栋", ROSTER_HEADERS["building"])
ENTRANCE = Column("单元", ROSTER_HEADERS["entrance"])
ROOM = Column("房号", ROSTER_HEADERS["unit"])
MULTIPLIER = Column("倍率", ("倍率", "multiplier"))
INITIAL = Column("初始读数", ("初始读数", "起始读数", "initial_reading", "initial reading"))
INSTALLED = Column("安装日期", ("安装日期", "启用日期", "installed_on", "installed on"))
COMMON = Column("公共表", ("公共表", "所属公共表", "common_meter", "common meter"))
INSTALL_COLUMNS = (NUMBER, KIND, BUILDING, ENTRANCE, ROOM, MULTIPLIER, INITIAL, INSTALLED, COMMON)
INSTALL_REQUIRED = (NUMBER, KIND, INSTALLED)
# The install rules' fields (MeterBook.install_many) as the sheet's columns.
FIELD_COLUMNS = {"number": NUMBER, "multiplier": MULTIPLIER, "initialReading": INITIAL}
# 水, 水表, 水费, WATER … : each kind by its bill name (KIND_NAMES), without 费 and as a 表.
KIND_SPELLINGS = {
    spelling.lower(): kind
    for kind, (bill_name, _unit) in KIND_NAMES.items()
    for spelling in (kind, bill_name, bill_name[:-1], bill_name[:-1] + "表")
} | {"气": "GAS", "气表": "GAS", "暖气": "HEAT", "供暖": "HEAT"}
MONTH_OR_DAY = re.compile(r"(\d{4})[-/.年](\d{1,2})(?:[-/.月]\d{1,2}日?)?(?:[ T].*)?")


def _problem(line: int, column: Column, message: str) -> InvalidValue:
    return InvalidValue("content", f"row {line}, {column.name}: {message}")


class Sheet:
    """The rows of a file with the columns found in its header; ``cell`` reads one."""

    def __init__(
        self,
        content: bytes,
        file_format: str,
        read: TableReader,
        required: Sequence[Column],
        optional: Sequence[Column] = (),
    ) -> None:
        try:
            header, rows = read(content, file_format)
        except ValueError as error:
            raise InvalidValue("content", str(error)) from None
        if len(rows) > MAX_IMPORT_ROWS:
            raise InvalidValue("content", f"the file has more than {MAX_IMPORT_ROWS:,} rows")
        self.positions = {c.name: _position(header, c) for c in optional}
        for column in required:
            position = _position(header, column)
            if position is None:
                spellings = " / ".join(column.headers[:3])
                raise InvalidValue("content", f"the file has no {column.name} column ({spellings})")
            self.positions[column.name] = position
        # (line, row) of each row with anything in it; the header is line 1.
        self.rows = [
            (line, row) for line, row in enumerate(rows, start=2) if any(c.strip() for c in row)
        ]

    def cell(self, row: Sequence[str], column: Column) -> str:
        at = self.positions.get(column.name)
        return row[at].strip() if at is not None and at < len(row) else ""

    def number(
        self, line: int, row: Sequence[str], column: Column, check: Callable[[Decimal], Decimal]
    ) -> Decimal:
        text = self.cell(row, column)
        try:
            return check(Decimal(text))
        except (InvalidOperation, ValueError):
            raise _problem(line, column, f"{text[:20]!r} is not a number") from None
        except DomainError as error:
            raise _problem(line, column, error.message) from None


def _position(header: Sequence[str], column: Column) -> int | None:
    wanted = {h.lower() for h in column.headers}
    return next((i for i, cell in enumerate(header) if cell.strip().lower() in wanted), None)


def reading_rows(
    content: bytes, file_format: str, read: TableReader
) -> list[tuple[int, str, Decimal]]:
    """(line, meter number, reading) of each data row of a smart-meter export."""
    sheet = Sheet(content, file_format, read, (NUMBER, READING, READ_AT))
    found = []
    for line, row in sheet.rows:
        number = sheet.cell(row, NUMBER)
        if not number:
            raise _problem(line, NUMBER, "is empty")
        value = sheet.number(line, row, READING, lambda v: reading_value("reading", v))
        found.append((line, number, value))
    return found


@dataclass(frozen=True)
class InstallRow:
    """A row of a 装表清单 as written, its unit not yet found."""

    line: int
    number: str
    kind: str
    building: str
    entrance: str
    room: str
    multiplier: Decimal
    initial: Decimal
    installed_in: str
    common: str

    @property
    def label(self) -> str:
        return f"{self.building}-{self.entrance}-{self.room}"


def install_rows(content: bytes, file_format: str, read: TableReader) -> list[InstallRow]:
    """The rows of a 装表清单, every cell checked: 表号, 类型 and 安装日期 (a day or a month:
    the meter is read from that month) required; 倍率 (1) and 初始读数 (0) when blank."""
    optional = [c for c in INSTALL_COLUMNS if c not in INSTALL_REQUIRED]
    sheet = Sheet(content, file_format, read, INSTALL_REQUIRED, optional)
    found = []
    for line, row in sheet.rows:
        number = sheet.cell(row, NUMBER)
        if not number:
            raise _problem(line, NUMBER, "is empty")
        if len(number) > 50:
            raise _problem(line, NUMBER, "is longer than 50 characters")
        kind_text = sheet.cell(row, KIND)
        kind = KIND_SPELLINGS.get(kind_text.lower())
        if kind is None:
            raise _problem(line, KIND, f"{kind_text[:20]!r} is not 水, 电, 燃气 or 热")
        installed = sheet.cell(row, INSTALLED)
        matched = MONTH_OR_DAY.fullmatch(installed)
        try:
            if matched is None:
                raise InvalidValue("installedIn", "must be a day such as 2026-10-15 or a month")
            month = month_of("installedIn", f"{matched[1]}-{int(matched[2]):02d}")
        except DomainError as error:
            raise _problem(line, INSTALLED, f"{installed[:20]!r}: {error.message}") from None
        found.append(
            InstallRow(
                line=line,
                number=number,
                kind=kind,
                building=sheet.cell(row, BUILDING),
                entrance=sheet.cell(row, ENTRANCE),
                room=sheet.cell(row, ROOM),
                multiplier=_or_default(sheet, line, row, MULTIPLIER, Decimal(1)),
                initial=_or_default(sheet, line, row, INITIAL, Decimal(0)),
                installed_in=month,
                common=sheet.cell(row, COMMON),
            )
        )
    return found


def _or_default(
    sheet: Sheet, line: int, row: Sequence[str], column: Column, default: Decimal
) -> Decimal:
    if not sheet.cell(row, column):
        return default
    return sheet.number(line, row, column, lambda v: reading_value(column.name, v))


def meters_to_install(rows: Sequence[InstallRow], community: Community) -> list[MeterToInstall]:
    """The meters of a 装表清单 with their units: a row naming a 房号 is that unit's meter
    (hung under the 公共表 it names, a common meter of the same sheet, for 公摊); a row
    without one is a common meter, serving the unit meters naming it or, when none does,
    the 单元 or 楼栋 it names, or the whole community."""
    units = _units_by_label(community)
    places = _places(units)
    commons = {r.number: r for r in rows if not r.room}
    served: dict[str, list[UUID]] = {number: [] for number in commons}
    unit_of: dict[int, UUID] = {}
    for row in rows:
        if not row.room:
            if row.common:
                raise _problem(row.line, COMMON, "a common meter hangs under no other meter")
            continue
        for column, given in ((BUILDING, row.building), (ENTRANCE, row.entrance)):
            if not given:
                raise _problem(row.line, column, "a unit's meter names its 楼栋, 单元 and 房号")
        found = units.get((row.building, row.entrance, row.room))
        if found is None:
            raise _problem(row.line, ROOM, f"no unit {row.label[:80]} in this community")
        unit_of[row.line] = found
        if row.common:
            common = commons.get(row.common)
            if common is None:
                raise _problem(
                    row.line, COMMON, f"{row.common[:50]} is not a common meter of this file"
                )
            if common.kind != row.kind:
                raise _problem(
                    row.line, COMMON, f"{row.common[:50]} is a {common.kind} meter, not {row.kind}"
                )
            served[row.common].append(found)
    return [
        MeterToInstall(
            line=row.line,
            kind=MeterKind(row.kind).value,
            number=row.number,
            multiplier=row.multiplier,
            initial=row.initial,
            installed_in=row.installed_in,
            unit_id=unit_of.get(row.line),
            serves=() if row.room else _common_serves(row, served[row.number], community, places),
        )
        for row in rows
    ]


def _common_serves(
    row: InstallRow,
    named: list[UUID],
    community: Community,
    places: Mapping[tuple[str, str], set[UUID]],
) -> tuple[UUID, ...]:
    """The units a common meter serves: those whose meters name it, within the 楼栋 (and
    单元) it names if it names one; else all of that 楼栋 or 单元, or the community's."""
    if row.entrance and not row.building:
        raise _problem(row.line, BUILDING, "a 单元 is named with its 楼栋")
    scope = places.get((row.building, row.entrance), set())
    if row.building and not scope:
        where = f"{row.building}-{row.entrance}" if row.entrance else row.building
        raise _problem(row.line, BUILDING, f"no 楼栋/单元 {where[:80]} with units here")
    if named:
        outside = [u for u in named if u not in scope]
        if outside:
            unit = community.unit_index[outside[0]]
            raise _problem(
                row.line, BUILDING, f"meter {row.number} serves unit {unit.number} outside it"
            )
        return tuple(sorted(set(named), key=str))
    return tuple(sorted(scope, key=str))


def _places(units: Mapping[tuple[str, str, str], UUID]) -> dict[tuple[str, str], set[UUID]]:
    """The units of each (楼栋, 单元), of each (楼栋, "") and of ("", ""): the community."""
    places: dict[tuple[str, str], set[UUID]] = {}
    for (building, entrance, _room), unit_id in units.items():
        for place in ((building, entrance), (building, ""), ("", "")):
            places.setdefault(place, set()).add(unit_id)
    return places


def _units_by_label(community: Community) -> dict[tuple[str, str, str], UUID]:
    """The community's units in use by (楼栋, 单元, 房号), as the roster names them."""
    return {
        (building.number, entrance.number, unit.number): unit.id
        for building in community.buildings.values()
        for entrance in building.entrances.values()
        for unit in entrance.units.values()
        if not unit.retired
    }


def install_error(line: int, error: DomainError) -> DomainError:
    """A domain error of ``MeterBook.install_many`` as the row and column at fault."""
    return _problem(line, FIELD_COLUMNS.get(error.field, NUMBER), error.message)
