"""花名册 roster import: rows of buildings, entrances, units, areas and owners, checked whole.

Rows come from a CSV or XLSX sheet with a header line (English or Chinese headers). A
dry run reports every bad row with its line and the reason; an import applies nothing
unless every row is good. Co-owners of a unit are consecutive rows naming the same unit;
blank shares are split equally.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from gongzhi.domain.errors import DomainError, InvalidValue
from gongzhi.domain.person import phone_number, resident_id_number
from gongzhi.domain.values import AreaSource, enum_value, exclusive_area, required_text

HEADERS = {
    "building": ("building", "楼栋"),
    "floors": ("floors", "层数"),
    "elevator": ("elevator", "电梯"),
    "entrance": ("entrance", "单元"),
    "unit": ("unit", "房号"),
    "floor": ("floor", "楼层"),
    "area": ("area", "面积"),
    "area_source": ("area_source", "面积来源"),
    "owner_name": ("owner_name", "业主姓名"),
    "owner_phone": ("owner_phone", "业主电话"),
    "owner_id_number": ("owner_id_number", "身份证号"),
    "owner_share": ("owner_share", "份额"),
    "developer_held": ("developer_held", "开发商持有"),
}
REQUIRED = ("building", "floors", "entrance", "unit", "floor", "area")
YES = {"1", "y", "yes", "true", "是", "有"}
SOURCES = {"登记": "REGISTER", "测绘": "SURVEY", "合同": "SALE_CONTRACT"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file: the line (1 is the header), the column, the reason."""

    line: int
    field: str
    message: str


@dataclass(frozen=True)
class OwnerRow:
    name: str
    phone: str
    id_number: str
    share: Fraction | None

    @property
    def key(self) -> tuple[str, str, str]:
        """The same person across rows: same name, phone and ID number."""
        return (self.name, self.phone, self.id_number)


@dataclass
class UnitPlan:
    line: int
    building: str
    floors: int
    elevator: bool
    entrance: str
    number: str
    floor: int
    area: Decimal
    area_source: str
    developer_held: bool
    owners: list[OwnerRow] = field(default_factory=list)

    def shares(self) -> list[tuple[OwnerRow, Fraction]]:
        given = [o.share for o in self.owners]
        if all(s is None for s in given):
            return [(o, Fraction(1, len(self.owners))) for o in self.owners]
        return [(o, o.share or Fraction(0)) for o in self.owners]


@dataclass
class RosterPlan:
    units: list[UnitPlan]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def header_map(headers: Iterable[str]) -> tuple[dict[str, int], list[Problem]]:
    """Column positions by our names; unknown headers are ignored, missing ones reported."""
    positions: dict[str, int] = {}
    for index, header in enumerate(headers):
        text = (header or "").strip().lower()
        for name, spellings in HEADERS.items():
            if text in spellings:
                positions[name] = index
    missing = [name for name in REQUIRED if name not in positions]
    problems = [Problem(1, name, "this column is missing") for name in missing]
    return positions, problems


def plan_roster(rows: Iterable[Mapping[str, str]], first_line: int = 2) -> RosterPlan:
    """Check every row; gather units (with their co-owners) and every problem found."""
    units: dict[tuple[str, str, str], UnitPlan] = {}
    floors_of: dict[str, tuple[int, int]] = {}
    problems: list[Problem] = []
    for line, row in enumerate(rows, start=first_line):
        try:
            unit = _unit(line, row)
        except DomainError as error:
            problems.append(Problem(line, error.field, error.message))
            continue
        known = floors_of.setdefault(unit.building, (unit.floors, line))
        if known[0] != unit.floors:
            problems.append(
                Problem(
                    line,
                    "floors",
                    f"building {unit.building} has {known[0]} floors on line {known[1]}",
                )
            )
            continue
        key = (unit.building, unit.entrance, unit.number)
        owner = _owner(line, row, problems)
        existing = units.get(key)
        if existing is None:
            units[key] = unit
            existing = unit
        elif (existing.area, existing.floor) != (unit.area, unit.floor):
            problems.append(
                Problem(line, "unit", f"unit {unit.number} differs from line {existing.line}")
            )
            continue
        if owner is not None:
            if existing.developer_held:
                problems.append(Problem(line, "owner_name", "a developer-held unit has no owner"))
            elif any(o.key == owner.key for o in existing.owners):
                problems.append(Problem(line, "owner_name", "this owner is listed twice"))
            else:
                existing.owners.append(owner)
    for unit in units.values():
        if unit.owners and sum(share for _, share in unit.shares()) != 1:
            problems.append(
                Problem(
                    unit.line, "owner_share", f"shares of unit {unit.number} do not add up to 1"
                )
            )
    return RosterPlan(list(units.values()), sorted(problems, key=lambda p: (p.line, p.field)))


def _cell(row: Mapping[str, str], name: str) -> str:
    return str(row.get(name) or "").strip()


def _int(row: Mapping[str, str], name: str) -> int:
    """A whole number; spreadsheets may hand us 6 as "6.0"."""
    try:
        value = Decimal(_cell(row, name))
    except ArithmeticError:
        raise InvalidValue(name, "must be a whole number") from None
    if not value.is_finite() or value != value.to_integral_value():
        raise InvalidValue(name, "must be a whole number")
    return int(value)


def _unit(line: int, row: Mapping[str, str]) -> UnitPlan:
    floors = _int(row, "floors")
    floor = _int(row, "floor")
    if not 1 <= floors <= 60:
        raise InvalidValue("floors", "must be between 1 and 60")
    if not 1 <= floor <= floors:
        raise InvalidValue("floor", f"must be between 1 and the building's {floors} floors")
    source = _cell(row, "area_source") or "REGISTER"
    return UnitPlan(
        line=line,
        building=required_text("building", _cell(row, "building"), max_length=40),
        floors=floors,
        elevator=_cell(row, "elevator").lower() in YES,
        entrance=required_text("entrance", _cell(row, "entrance"), max_length=40),
        number=required_text("unit", _cell(row, "unit"), max_length=40),
        floor=floor,
        area=exclusive_area("area", _cell(row, "area")),
        area_source=enum_value("area_source", AreaSource, SOURCES.get(source, source.upper())),
        developer_held=_cell(row, "developer_held").lower() in YES,
    )


def _owner(line: int, row: Mapping[str, str], problems: list[Problem]) -> OwnerRow | None:
    name = _cell(row, "owner_name")
    if not name:
        return None
    try:
        phone = _cell(row, "owner_phone")
        id_number = _cell(row, "owner_id_number")
        share_text = _cell(row, "owner_share")
        try:
            share = Fraction(share_text) if share_text else None
        except (ValueError, ZeroDivisionError):
            raise InvalidValue("owner_share", "must be a fraction like 1/2") from None
        if share is not None and share <= 0:
            raise InvalidValue("owner_share", "must be greater than zero")
        return OwnerRow(
            name=required_text("owner_name", name, max_length=60),
            phone=phone_number("owner_phone", phone) if phone else "",
            id_number=resident_id_number("owner_id_number", id_number) if id_number else "",
            share=share,
        )
    except DomainError as error:
        problems.append(Problem(line, error.field, error.message))
        return None
