"""抄表 meters, reading rounds, meter prices and 公摊 over the community's ``MeterBook``.

Readings are billed by the ordinary billing run (``billing.py``): its start closes the
rounds of the period's months (saved with the run), and each unit's bill gets its metered
and shared lines from them, the same on every batch and re-run.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from gongzhi.application.base import Changed, Done, GongzhiBase, Meta, bulk_work
from gongzhi.application.commands import Command, handles
from gongzhi.application.fee_schedules import fee_aggregate, read_only
from gongzhi.application.fields import (
    BuildingId,
    CommunityId,
    Doc,
    EntranceId,
    Items,
    Kind,
    Range,
    Ref,
    Text,
    UnitId,
)
from gongzhi.application.meter_files import (
    install_error,
    install_rows,
    meters_to_install,
    reading_rows,
)
from gongzhi.application.roster import RosterFormat, TableReader, roster_bytes
from gongzhi.domain.community import Community
from gongzhi.domain.errors import DomainError, InvalidValue, UnknownPart
from gongzhi.domain.meter import (
    MAX_CONSUMPTION,
    MAX_READING,
    MeterBook,
    MeterKind,
    SharingMethod,
    book_id,
    month_of,
)

MeterId = Annotated[UUID, Ref(Kind.METER)]
Reading = Annotated[Decimal, Range(Decimal(0), MAX_READING, places=2), Doc("读数")]
Multiplier = Annotated[Decimal, Range(Decimal(1), Decimal(10000), places=2), Doc("倍率")]
MeterPrice = Annotated[
    Decimal, Range(Decimal(0), Decimal(1000), places=4), Doc("元 per unit of consumption")
]
Quantity = Annotated[Decimal, Range(Decimal(0), MAX_CONSUMPTION, places=2, above_low=True)]
Month = Annotated[str, Text(7, min_length=7), Doc("A month: 2026-10")]
# 20,000 rows of an export (表号, 读数, 抄表时间: about 35 bytes a row) are 700 KB as CSV,
# less as XLSX in base64; a 装表清单's rows are about twice as long, and as many.
MAX_IMPORT_CHARACTERS = 1_000_000
MAX_SERVED_UNITS = 2000


class ReadingFileFormat(enum.Enum):
    CSV = "CSV"
    XLSX = "XLSX"


@dataclass(frozen=True)
class InstallMeter(Command):
    """装表: a unit's meter (unitId), or a common meter serving chosen units, an entrance,
    a building or (none given) the whole community"""

    community_id: CommunityId
    kind: MeterKind
    number: Annotated[str, Text(50, min_length=1), Doc("表号, unique in the community")]
    installed_in: Annotated[Month, Doc("The first month it is read for")]
    initial_reading: Reading = Decimal(0)
    multiplier: Multiplier = Decimal(1)
    unit_id: Annotated[UnitId | None, Doc("The unit whose meter it is")] = None
    serves_unit_ids: Annotated[
        list[UnitId], Items(MAX_SERVED_UNITS), Doc("A common meter: the units it serves")
    ] = field(default_factory=list)
    serves_entrance_id: Annotated[EntranceId | None, Doc("A common meter of an entrance")] = None
    serves_building_id: Annotated[BuildingId | None, Doc("A common meter of a building")] = None


@dataclass(frozen=True)
class ReplaceMeter(Command):
    """换表: the old meter's final reading counts for the month; the new one counts from its
    own initial reading"""

    community_id: CommunityId
    meter_id: MeterId
    period: Annotated[Month, Doc("The month of the replacement")]
    final_reading: Reading
    new_number: Annotated[str, Text(50, min_length=1)]
    new_initial_reading: Reading = Decimal(0)
    new_multiplier: Annotated[Multiplier | None, Doc("The old meter's unless given")] = None


@dataclass(frozen=True)
class OpenReadingRound(Command):
    """抄表轮次: open the reading round of a month (rounds open in order)"""

    community_id: CommunityId
    period: Month


@dataclass(frozen=True)
class EnterReading(Command):
    """录入读数: a meter's reading for an open round; never lower than its last reading;
    an outlier is recorded and flagged for review"""

    community_id: CommunityId
    meter_id: MeterId
    period: Annotated[Month, Doc("The round's month")]
    reading: Reading


@dataclass(frozen=True)
class ImportReadings(Command):
    """导入读数: a smart-meter export (表号, 读数, 抄表时间), CSV as text or XLSX as
    base64, at most 20,000 rows; imported only if every row is good"""

    community_id: CommunityId
    period: Annotated[Month, Doc("The round's month")]
    format: ReadingFileFormat
    content: Annotated[str, Text(MAX_IMPORT_CHARACTERS), Doc("CSV as text, or XLSX as base64")]


@dataclass(frozen=True)
class ImportMeters(Command):
    """装表清单: many meters installed from a sheet, CSV as text or XLSX as base64, at most
    20,000 rows: 表号, 类型 (水/电/燃气/热), 安装日期, and 楼栋/单元/房号 for a unit's meter (its
    公共表 naming the common meter of the sheet it hangs under) or none for a common meter;
    倍率, 初始读数 when not 1 and 0. Installed only if every row is good; a meter installed
    already with the same data is skipped"""

    community_id: CommunityId
    format: ReadingFileFormat
    content: Annotated[str, Text(MAX_IMPORT_CHARACTERS), Doc("CSV as text, or XLSX as base64")]


@dataclass(frozen=True)
class CorrectReading(Command):
    """更正读数 with the reason (the history keeps the one before); a billed reading's
    difference to each unit's meter lines is credited (调账) or charged on a 补收单"""

    community_id: CommunityId
    meter_id: MeterId
    period: Annotated[Month, Doc("The round's month")]
    reading: Reading


@dataclass(frozen=True)
class PriceTier:
    price: MeterPrice
    up_to: Annotated[Quantity | None, Doc("阶梯 upper bound; none for the last tier")] = None


@dataclass(frozen=True)
class SetMeterPrice(Command):
    """计量单价 of a meter kind, in tiers (阶梯价) where set: one tier for a flat price"""

    community_id: CommunityId
    kind: MeterKind
    tiers: Annotated[list[PriceTier], Items(5)]


@dataclass(frozen=True)
class SetSharingMethod(Command):
    """公摊方式: how a common meter's consumption beyond its units' meters is shared"""

    community_id: CommunityId
    method: SharingMethod


@dataclass(frozen=True, kw_only=True)
class ImportDone(Done):
    """An import's report; ``id`` is the meter book's."""

    rows: int
    entered: int
    flagged: int


@dataclass(frozen=True, kw_only=True)
class InstallDone(Done):
    """A 装表清单's report; ``id`` is the meter book's."""

    rows: int
    installed: int


def meter_book(app: GongzhiBase, community_id: UUID) -> MeterBook | None:
    return fee_aggregate(app, MeterBook, book_id(community_id), copy=False)


class MeterService(GongzhiBase):
    # Set by the wiring (gongzhi.bootstrap sets the roster's): how a CSV or XLSX is read.
    table_reader: TableReader | None = None

    def _on_book(self, meta: Meta, community_id: UUID, command: Callable[[MeterBook], Any]) -> Done:
        """Run one command on the community's meter book, opening it on its first change.
        The book of a large community is changed in place (``changed_in_place``): copying
        5,000 meters for each command cost more than the command."""
        if meter_book(self, community_id) is not None:
            return self.change(meta, MeterBook, book_id(community_id), command, field="communityId")

        def attempt() -> Changed:
            book = fee_aggregate(self, MeterBook, book_id(community_id)) or MeterBook.open(
                community_id
            )
            result = command(book)
            return Changed((book,), result if isinstance(result, UUID) else None)

        return self.retrying(meta, attempt, what="the meter book")

    def _book(self, community_id: UUID) -> MeterBook:
        book = meter_book(self, community_id)
        if book is None:
            raise UnknownPart("communityId", "the community has no meters yet")
        return book

    @handles(InstallMeter)
    def install_meter(self, meta: Meta, command: InstallMeter) -> Done:
        community = read_only(self, Community, command.community_id, "communityId")
        month = month_of("installedIn", command.installed_in)
        serves = self._served(community, command)
        if command.unit_id is not None:
            unit = community.unit_index.get(command.unit_id)
            if unit is None or unit.retired:
                raise UnknownPart("unitId", "no such unit in this community")
            if serves:
                raise InvalidValue("unitId", "a unit's meter serves no other units")
        return self._on_book(
            meta,
            command.community_id,
            lambda b: b.install(
                kind=MeterKind(command.kind).value,
                number=command.number.strip(),
                multiplier=command.multiplier,
                initial=command.initial_reading,
                installed_in=month,
                unit_id=command.unit_id,
                serves=serves,
            ),
        )

    @staticmethod
    def _served(community: Community, command: InstallMeter) -> list[UUID]:
        """The units a common meter serves: those named, an entrance's, a building's or (for
        a common meter naming none) the whole community's, as they are now."""
        live = {u.id: u for u in community.unit_index.values() if not u.retired}
        if command.serves_unit_ids:
            missing = [u for u in command.serves_unit_ids if u not in live]
            if missing:
                raise UnknownPart("servesUnitIds", "each unit must be a unit of this community")
            return sorted(set(command.serves_unit_ids), key=str)
        if command.serves_entrance_id is not None:
            return sorted(
                (u.id for u in live.values() if u.entrance_id == command.serves_entrance_id),
                key=str,
            )
        if command.serves_building_id is not None:
            building = community.buildings.get(command.serves_building_id)
            if building is None:
                raise UnknownPart("servesBuildingId", "no such building in this community")
            entrances = set(building.entrances)
            return sorted((u.id for u in live.values() if u.entrance_id in entrances), key=str)
        if command.unit_id is not None:
            return []
        return sorted(live, key=str)

    @handles(ReplaceMeter)
    def replace_meter(self, meta: Meta, command: ReplaceMeter) -> Done:
        month = month_of("period", command.period)
        self._book(command.community_id)
        return self._on_book(
            meta,
            command.community_id,
            lambda b: b.replace(
                command.meter_id,
                month=month,
                final_reading=command.final_reading,
                number=command.new_number.strip(),
                multiplier=command.new_multiplier,
                initial=command.new_initial_reading,
            ),
        )

    @handles(OpenReadingRound)
    def open_reading_round(self, meta: Meta, command: OpenReadingRound) -> Done:
        month = month_of("period", command.period)
        return self._on_book(meta, command.community_id, lambda b: b.open_round(month))

    @handles(EnterReading)
    def enter_reading(self, meta: Meta, command: EnterReading) -> Done:
        month = month_of("period", command.period)
        self._book(command.community_id)
        return self._on_book(
            meta,
            command.community_id,
            lambda b: b.enter(month, [(0, command.meter_id, command.reading)], "STAFF"),
        )

    @handles(SetMeterPrice)
    def set_meter_price(self, meta: Meta, command: SetMeterPrice) -> Done:
        tiers = [{"up_to": t.up_to, "price": t.price} for t in command.tiers]
        kind = MeterKind(command.kind).value
        return self._on_book(meta, command.community_id, lambda b: b.set_price(kind, tiers))

    @handles(SetSharingMethod)
    def set_sharing_method(self, meta: Meta, command: SetSharingMethod) -> Done:
        method = SharingMethod(command.method).value
        return self._on_book(meta, command.community_id, lambda b: b.set_sharing(method))

    @handles(ImportMeters)
    def import_meters(self, meta: Meta, command: ImportMeters) -> InstallDone:
        """A 装表清单, checked whole (every row's unit, number and values, then the numbers
        against the book) and installed in one save of the meter book."""
        read = self._reader()
        community = read_only(self, Community, command.community_id, "communityId")
        with bulk_work():
            data, file_format = _file(command.format, command.content)
            rows = install_rows(data, file_format, read)
            meters = meters_to_install(rows, community)
            counts: dict[str, int] = {}

            def install(book: MeterBook) -> None:
                counts["installed"] = book.install_many(meters, install_error)

            done = self._on_book(meta, command.community_id, install)
        return InstallDone(
            done.id, done.position, rows=len(rows), installed=counts.get("installed", 0)
        )

    def _reader(self) -> TableReader:
        if self.table_reader is None:
            msg = "no table reader is wired: set table_reader (gongzhi.bootstrap does)"
            raise RuntimeError(msg)
        return self.table_reader

    @handles(ImportReadings)
    def import_readings(self, meta: Meta, command: ImportReadings) -> ImportDone:
        """A smart-meter export, checked whole: the first bad row is the error (naming its
        line and column), and nothing is recorded unless every row is good."""
        read = self._reader()
        month = month_of("period", command.period)
        self._book(command.community_id)
        with bulk_work():
            data, file_format = _file(command.format, command.content)
            rows = reading_rows(data, file_format, read)
            counts: dict[str, int] = {}

            def enter(book: MeterBook) -> None:
                readings = _by_meter(book, rows)
                counts["entered"] = book.enter(month, readings, "IMPORT", _row_error)
                counts["flagged"] = sum(
                    1 for e in book.pending_events for r in getattr(e, "rows", ()) if r["flag"]
                )

            done = self._on_book(meta, command.community_id, enter)
        return ImportDone(
            done.id,
            done.position,
            rows=len(rows),
            entered=counts.get("entered", 0),
            flagged=counts.get("flagged", 0),
        )


def _file(file_format: ReadingFileFormat, content: str) -> tuple[bytes, str]:
    """The file sent and its format's name, decoded as a roster is: CSV as text, XLSX as
    base64."""
    name = ReadingFileFormat(file_format).value
    return roster_bytes(RosterFormat(name), content), name


def _by_meter(
    book: MeterBook, rows: list[tuple[int, str, Decimal]]
) -> list[tuple[int, UUID, Decimal]]:
    seen: dict[str, int] = {}
    found = []
    for line, number, value in rows:
        meter_id = book.by_number.get(number)
        if meter_id is None:
            raise InvalidValue(
                "content", f"row {line}, 表号: no meter {number[:50]} in this community"
            )
        if number in seen:
            raise InvalidValue(
                "content", f"row {line}, 表号: {number} is on row {seen[number]} too"
            )
        seen[number] = line
        found.append((line, meter_id, value))
    return found


def _row_error(line: int, error: DomainError) -> DomainError:
    return type(error)("content", f"row {line}, 读数: {error.message}")
