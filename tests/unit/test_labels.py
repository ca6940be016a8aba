"""Every coded value a reader meets has a Chinese name, in one place (domain/labels.py): a
value added to an enum without its name, or an export column of an enum without names,
fails here, naming it, before a sheet or a bill shows a reader an enum's name."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest
from graphql import GraphQLEnumType

from gongzhi.domain.billing import PeriodPlan, UnitFacts
from gongzhi.domain.fee_rules import parse_period
from gongzhi.domain.fee_schedule import FeeSchedule, PropertyType
from gongzhi.domain.labels import LABELS, label
from gongzhi.graphql.exports.catalogue import EXPORTS, ExportKind
from gongzhi.graphql.exports.running import column_type, enum_labels
from gongzhi.graphql.schema import schema

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("kind", list(LABELS), ids=lambda kind: kind.__name__)
def test_each_labelled_enum_names_every_value_in_chinese(kind: type) -> None:
    names = LABELS[kind]
    missing = [member.name for member in kind if not CJK.search(names.get(member.value, ""))]
    assert not missing, f"{kind.__name__} has no Chinese name for {missing} (domain/labels.py)"


@pytest.mark.parametrize("kind", list(ExportKind), ids=lambda kind: kind.value)
def test_each_enum_an_export_shows_has_a_name_for_every_value(kind: ExportKind) -> None:
    export = EXPORTS[kind]
    for column in export.columns:
        found = column_type(schema, export, column.path)
        if isinstance(found, GraphQLEnumType):
            names = enum_labels(found) or {}
            missing = sorted(set(found.values) - set(names))
            assert not missing, (
                f"{kind.value} column {column.header} shows {found.name} values {missing} "
                "without a Chinese name: name them in domain/labels.py"
            )


# The columns whose values are codes, not words: each is an enum (named by itself) or
# names its codes. A code column declared as a plain String would show the codes.
CODED = {
    (ExportKind.FEE_LEDGER, "kind"),
    (ExportKind.FEE_LEDGER, "channel"),
    (ExportKind.FUND_LEDGER, "kind"),
    (ExportKind.COMMON_INCOME_LEDGER, "category"),
    (ExportKind.DISTRICT_STATISTICS, "mode"),
    (ExportKind.CREDIT_RANKING, "status"),
    (ExportKind.DECISION_TALLY, "option"),
    (ExportKind.UNMANAGED_COMMUNITIES, "management.mode"),
    (ExportKind.CREDIT_CONTRIBUTIONS, "section"),
    (ExportKind.CREDIT_CONTRIBUTIONS, "source"),
    (ExportKind.CREDIT_SECTIONS, "section"),
    (ExportKind.CREDIT_OBJECTIONS, "decision"),
    (ExportKind.CREDIT_RECORDS, "kind"),
    (ExportKind.CREDIT_RECORDS, "level"),
    (ExportKind.CREDIT_RECORDS, "vetoKind"),
    (ExportKind.DECISIONS, "matter"),
    (ExportKind.COMMON_INCOME_PERIODS, "status"),
    (ExportKind.CONTRACTS, "mode"),
    (ExportKind.CONTRACTS, "pricing"),
    (ExportKind.CONTRACTS, "status"),
    (ExportKind.CONTRACTS, "notice.kind"),
    (ExportKind.PUBLICITY, "publicityKind"),
    (ExportKind.WORK_ORDERS, "category"),
    (ExportKind.WORK_ORDERS, "urgency"),
    (ExportKind.WORK_ORDERS, "status"),
}


@pytest.mark.parametrize("coded", sorted(CODED, key=str), ids=lambda c: f"{c[0].value}.{c[1]}")
def test_each_coded_column_is_written_by_its_names(coded: tuple[ExportKind, str]) -> None:
    kind, path = coded
    export = EXPORTS[kind]
    (column,) = [column for column in export.columns if column.path == path]
    found = column_type(schema, export, path)
    assert column.labels or isinstance(found, GraphQLEnumType), (kind.value, path, found)


@pytest.mark.parametrize("property_type", list(PropertyType), ids=lambda t: t.value)
def test_a_bill_line_names_the_property_type_in_chinese(property_type: PropertyType) -> None:
    schedule = FeeSchedule.open(uuid4())
    schedule.set_standard(property_type.value, "2.00", "LUMP_SUM", date(2026, 1, 1))
    unit = UnitFacts(uuid4(), "101", Decimal(100), False, None)
    if property_type is not PropertyType.RESIDENTIAL:  # every unit's type by default
        schedule.classify_unit(unit.unit_id, property_type.value)
    october = parse_period("period", "2026-10")
    (line,) = PeriodPlan(schedule, october, [(october.start, october.end)]).lines(unit)
    assert line["label"] == f"物业费 {label(property_type)} 2.00元/m²/月"
    assert property_type.value not in line["label"]
