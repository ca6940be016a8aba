"""抄表 over real sockets against `gongzhi run` (issue 16 §4): a company's staff install the
meters of a 300-unit community from an XLSX 装表清单, price water in tiers, share 公摊 by area,
read four rounds from smart-meter exports (an outlier flagged, a lower reading refused whole),
bill October, and every unit's metered and 公摊 lines are read back over GraphQL to the fen."""

from __future__ import annotations

import base64
import io
import random
import uuid
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

import pytest
from openpyxl import Workbook

from bench.bench_billing import import_estate
from gongzhi.application.base import Meta
from gongzhi.application.fee_schedules import SetFeeStandard
from gongzhi.application.owners import OwnerShare, RecordOwnership, RegisterPerson
from gongzhi.bootstrap import Platform
from gongzhi.domain.community import Community
from gongzhi.domain.contract import PricingModel
from gongzhi.domain.fee_schedule import PropertyType
from gongzhi.graphql.auth import Principal, Role, issue_token
from gongzhi.infra.settings import Settings
from gongzhi.projections.runner import wait_for_position
from gongzhi.projections.views import PROJECTION_NAME
from tests.e2e.test_platform import graphql

META = Meta(actor="test", reason="入册", actor_role="PLATFORM_ADMIN")
UNITS = 300  # three buildings of 100
HISTORY = ("2026-07", "2026-08", "2026-09")
TIERS = ((Decimal(15), Decimal("3.45")), (None, Decimal("4.83")))
COMMON_MULTIPLIER = 10
PROBLEMS = "... on ValidationError { field message } ... on NotFound { field message } "
PROBLEMS += "... on Forbidden { message } ... on Conflict { message }"
PAYLOADS = {
    "meters": """... on MeterBookPayload { imported { rows entered flagged }
        installed { rows installed } }""",
    "runBilling": "... on BillingRunPayload { run { billsCreated } }",
}


class Office:
    """The company's staff at work on the running server."""

    def __init__(self, base_url: str, token: str, community: str) -> None:
        self.base_url, self.token, self.community = base_url, token, community

    def mutate(self, name: str, values: dict[str, Any], token: str | None = None) -> Any:
        input_type = name[0].upper() + name[1:] + "Input"
        payload = PAYLOADS.get(name, PAYLOADS["meters"])
        query = f"""mutation($input: {input_type}!) {{ {name}(input: $input) {{ __typename
            {payload} {PROBLEMS} }} }}"""
        values = {"communityId": self.community, "reason": "抄表", **values}
        return graphql(self.base_url, token or self.token, query, {"input": values})[name]

    def done(self, name: str, values: dict[str, Any]) -> Any:
        answer = self.mutate(name, values)
        assert answer["__typename"] in {"MeterBookPayload", "BillingRunPayload"}, answer
        return answer

    def query(self, text: str, variables: dict[str, Any], token: str | None = None) -> Any:
        return graphql(self.base_url, token or self.token, text, variables)


def served_community(platform: Platform, company: UUID) -> Community:
    """300 units (1栋-3栋, two 单元 each, 70.50-109.50 m²) served by ``company`` since 2024,
    with a residential fee standard (billing needs one)."""
    app = platform.app
    community = Community.register(
        name="抄表小区", district="红塔区", street="玉兴街道", registered_on=date(2020, 1, 1)
    )
    import_estate(community, UNITS)
    community.change_management_mode("PROFESSIONAL", company, date(2024, 1, 1))
    app.record(META, community)
    position = app.set_fee_standard(
        META,
        SetFeeStandard(
            community_id=community.id,
            property_type=PropertyType.RESIDENTIAL,
            unit_price=Decimal("1.85"),
            pricing=PricingModel.LUMP_SUM,
            effective_from=date(2026, 1, 1),
        ),
    ).position
    assert wait_for_position(platform.engine, PROJECTION_NAME, position, timeout=60)
    return community


def install_sheet(community: Community) -> tuple[str, dict[str, tuple[str, UUID, Decimal]]]:
    """The 装表清单 as an XLSX (base64): a common water meter (×10) per 楼栋 and a water meter
    per unit hung under it; and each unit meter's (number, unit, area) by number."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["表号", "类型", "楼栋", "单元", "房号", "倍率", "初始读数", "安装日期", "公共表"])
    unit_meters: dict[str, tuple[str, UUID, Decimal]] = {}
    for building in sorted(community.buildings.values(), key=lambda b: b.number):
        common = f"C-{building.number}"
        sheet.append(
            [
                common,
                "水",
                building.number,
                None,
                None,
                COMMON_MULTIPLIER,
                0,
                date(2026, 7, 1),
                None,
            ]
        )
        for entrance in building.entrances.values():
            for unit in entrance.units.values():
                number = f"W-{building.number}-{entrance.number}-{unit.number}"
                row = [number, "水表", building.number, entrance.number, unit.number]
                sheet.append([*row, None, 100, "2026-07", common])
                unit_meters[number] = (building.number, unit.id, unit.area)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return base64.b64encode(buffer.getvalue()).decode(), unit_meters


def export(readings: dict[str, Decimal]) -> str:
    """A smart-meter export (CSV) of these readings."""
    lines = ["表号,读数,抄表时间", *(f"{n},{r},2026-10-31 08:00" for n, r in readings.items())]
    return "\n".join(lines) + "\n"


def tiered_fen(quantity: Decimal) -> int:
    (first_top, first_price), (_, above_price) = TIERS
    assert first_top is not None
    yuan = min(quantity, first_top) * first_price + max(quantity - first_top, 0) * above_price
    return int((yuan * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@pytest.mark.slow
def test_a_community_s_meters_are_installed_read_and_billed_over_http(
    platform: Platform, running: tuple[str, Any], settings: Settings
) -> None:
    base_url, _ = running
    company = uuid.uuid4()
    community = served_community(platform, company)
    staff = Principal(subject="staff-1", role=Role.COMPANY_STAFF, company_id=company)
    office = Office(base_url, issue_token(settings.jwt_secret, staff), str(community.id))

    # Given the 装表清单 of the community's 303 meters imported as an XLSX
    content, unit_meters = install_sheet(community)
    installed = office.done("importMeters", {"format": "XLSX", "content": content})
    assert installed["installed"] == {"rows": UNITS + 3, "installed": UNITS + 3}
    # sent again, it installs nothing twice
    again = office.done("importMeters", {"format": "XLSX", "content": content})
    assert again["installed"] == {"rows": UNITS + 3, "installed": 0}
    # and water priced in tiers (0-15 吨 3.45 元, above 4.83), 公摊 shared by area
    tiers = [{"upTo": "15", "price": "3.45"}, {"price": "4.83"}]
    office.done("setMeterPrice", {"kind": "WATER", "tiers": tiers})
    office.done("setSharingMethod", {"method": "AREA"})

    # Given July to September read: every unit 8-20 吨 a month, each 楼栋's common meter
    # (×10) reading 1.8 × its 100 units a month more
    rng = random.Random(16)
    reading = {number: Decimal(100) for number in unit_meters}
    commons = {f"C-{b.number}": Decimal(0) for b in community.buildings.values()}
    for month in HISTORY:
        office.done("openReadingRound", {"period": month})
        for number in reading:
            reading[number] += Decimal(rng.randint(800, 2000)) / 100
        for common in commons:
            commons[common] += Decimal(180)
        read = office.done(
            "importReadings",
            {"period": month, "format": "CSV", "content": export(reading | commons)},
        )
        assert read["imported"] == {"rows": UNITS + 3, "entered": UNITS + 3, "flagged": 0}

    # When October's export has one meter reading lower than September's
    september = dict(reading)
    office.done("openReadingRound", {"period": "2026-10"})
    numbers = list(reading)
    outlier, lower = numbers[0], numbers[7]
    used: dict[str, Decimal] = {}
    for number in numbers:
        used[number] = Decimal(rng.randint(800, 2000)) / 100
    used[outlier] = Decimal(95)  # over 3× its months' median (at most 20): flagged
    october = {n: september[n] + used[n] for n in numbers}
    for common in commons:
        commons[common] += Decimal(200)
    bad = dict(october)
    bad[lower] = september[lower] - 1
    refused = office.mutate(
        "importReadings", {"period": "2026-10", "format": "CSV", "content": export(bad | commons)}
    )
    # Then the file is refused naming the row and nothing of it is recorded
    assert refused["__typename"] == "ValidationError", refused
    assert refused["field"] == "input.content"
    assert refused["message"].startswith(f"row 9, 读数: {bad[lower]} is lower than meter {lower}")
    readings_query = """query($c: ID!, $f: Boolean!) { meterReadings(communityId: $c,
        period: "2026-10", flaggedOnly: $f) { __typename ... on MeterReadingConnection {
        pageInfo { totalCount } readings { meterNumber unitId flag } } } }"""
    unread = office.query(readings_query, {"c": office.community, "f": False})
    assert unread["meterReadings"]["pageInfo"]["totalCount"] == 0
    # When the good file is imported, the outlier is recorded and flagged, not refused
    good = office.done(
        "importReadings",
        {"period": "2026-10", "format": "CSV", "content": export(october | commons)},
    )
    assert good["imported"] == {"rows": UNITS + 3, "entered": UNITS + 3, "flagged": 1}
    flagged = office.query(readings_query, {"c": office.community, "f": True})["meterReadings"]
    assert [r["meterNumber"] for r in flagged["readings"]] == [outlier]
    assert "median" in flagged["readings"][0]["flag"]

    # When October is billed over HTTP
    billed = office.done("runBilling", {"period": "2026-10"})
    assert billed["run"]["billsCreated"] == UNITS

    # Then each unit's bill has its metered line priced by the tiers exactly, and each
    # 楼栋's 公摊 shares sum exactly to its common meter's remainder at the first tier
    lines = bill_lines(office)
    assert len(lines) == UNITS
    for number, (_building, unit, _area) in unit_meters.items():
        assert lines[str(unit)]["METERED"] == [tiered_fen(used[number])], number
    for common in commons:
        building = common.removeprefix("C-")
        units = {u: area for b, u, area in unit_meters.values() if b == building}
        units_used = sum(
            (used[n] for n, (b, _u, _a) in unit_meters.items() if b == building), Decimal(0)
        )
        remainder = Decimal(200) * COMMON_MULTIPLIER - units_used
        assert remainder > 0
        total = int((remainder * TIERS[0][1] * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        shares = {u: lines[str(u)]["SHARED"] for u in units}
        assert all(len(s) == 1 for s in shares.values()), common
        assert sum(s[0] for s in shares.values()) == total, common
        whole = sum(units.values(), Decimal(0))
        for unit, area in units.items():  # each share within a fen of its exact part by area
            assert abs(Decimal(shares[unit][0]) - total * area / whole) < 1, unit

    # A resident reads their own unit's lines, and not another unit's
    own_number, (_b, own_unit, _a) = numbers[3], unit_meters[numbers[3]]
    app = platform.app
    owner = app.register_person(META, RegisterPerson(name="张三")).id
    owned = app.record_ownership(
        META,
        RecordOwnership(community.id, own_unit, [OwnerShare(owner, "1")], date(2024, 1, 1)),
    )
    assert wait_for_position(platform.engine, PROJECTION_NAME, owned.position, timeout=60)
    resident = issue_token(
        settings.jwt_secret,
        Principal(
            subject="owner-1",
            role=Role.RESIDENT,
            community_id=community.id,
            unit_ids=(own_unit,),
            person_id=owner,
        ),
    )
    statement_query = """query($u: ID!) { feeStatement(unitId: $u) { __typename
        ... on FeeStatement { bills { lines { kind amountFen } } } ... on NotFound { message }
        ... on Forbidden { message } } }"""
    mine = office.query(statement_query, {"u": str(own_unit)}, resident)["feeStatement"]
    assert mine["__typename"] == "FeeStatement", mine
    mine_metered = [
        line["amountFen"] for b in mine["bills"] for line in b["lines"] if line["kind"] == "METERED"
    ]
    assert mine_metered == [tiered_fen(used[own_number])]
    other_unit = unit_meters[numbers[4]][1]
    theirs = office.query(statement_query, {"u": str(other_unit)}, resident)["feeStatement"]
    assert theirs["__typename"] in {"NotFound", "Forbidden"}, theirs
    own_readings = office.query(readings_query, {"c": office.community, "f": False}, resident)
    assert [r["meterNumber"] for r in own_readings["meterReadings"]["readings"]] == [own_number]

    # Another company's staff do not find the community's meters
    stranger = issue_token(
        settings.jwt_secret,
        Principal(subject="staff-9", role=Role.COMPANY_STAFF, company_id=uuid.uuid4()),
    )
    meters_query = """query($c: ID!) { meters(communityId: $c) { __typename
        ... on NotFound { field message } } }"""
    hidden = office.query(meters_query, {"c": office.community}, stranger)["meters"]
    assert hidden["__typename"] == "NotFound", hidden
    before = platform.app.recorder.max_notification_id()
    imported_by_stranger = office.mutate(
        "importMeters",
        {"format": "CSV", "content": "表号,类型,安装日期\nX-1,水,2026-10\n"},
        stranger,
    )
    # (a command naming a community it may see but not change is Forbidden, as installMeter)
    assert imported_by_stranger["__typename"] in {"NotFound", "Forbidden"}, imported_by_stranger
    assert platform.app.recorder.max_notification_id() == before

    # A file over the bound is a typed error naming the field, and nothing is recorded
    oversized = office.mutate("importMeters", {"format": "CSV", "content": "x" * 1_000_001})
    assert (oversized["__typename"], oversized["field"]) == ("ValidationError", "input.content")
    assert platform.app.recorder.max_notification_id() == before


def bill_lines(office: Office) -> dict[str, dict[str, list[int]]]:
    """October's bills of the community, page by page: each unit's line amounts by kind."""
    query = """query($c: ID!, $after: String) { feeBills(communityId: $c, period: "2026-10",
        first: 100, after: $after) { __typename ... on BillConnection {
        bills { unitId lines { kind amountFen } } pageInfo { hasNextPage endCursor } } } }"""
    found: dict[str, dict[str, list[int]]] = {}
    after = None
    while True:
        page = office.query(query, {"c": office.community, "after": after})["feeBills"]
        assert page["__typename"] == "BillConnection", page
        for bill in page["bills"]:
            kinds = found.setdefault(bill["unitId"], {})
            for line in bill["lines"]:
                kinds.setdefault(line["kind"], []).append(line["amountFen"])
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]
