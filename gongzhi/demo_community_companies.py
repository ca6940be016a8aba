"""The demo district's 强社惠民公司: five pilot community companies, four of them with operating
income of at least 300,000 元 this year (Quzhou's shape: 5 pilots, 4 above the line), each
with two business lines and some 反哺.

Small and deterministic: fixed figures, its own random generator (the rest of the demo draws
the same numbers as before), dates in the current year never after today.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date
from uuid import UUID

from gongzhi.application.app import Gongzhi
from gongzhi.application.base import Meta, business_today
from gongzhi.application.community_companies import (
    AllocateReinvestment,
    DesignateCommunityCompanyPilot,
    OpenCommunityBusinessLine,
    RecordCommunityBusinessEntry,
    RegisterCommunityCompany,
)
from gongzhi.demo import credit_code
from gongzhi.domain.community_ledger import BusinessLine, EntryKind
from gongzhi.domain.values import CREDIT_CODE_ALPHABET, credit_code_check_character

DEMO_DISTRICT = "红塔区"
AUTHORITY = "红塔区农业农村局"

# name, owner, (line, revenue 元, cost 元) × 2, reinvestment: (service, beneficiaries, 元)
COMPANIES = [
    (
        "玉兴社区强社惠民服务有限公司",
        "玉兴社区股份经济合作社",
        [("CANTEEN", 260_000, 170_000), ("HOME_ELDERLY_CARE", 160_000, 90_000)],
        ("老年食堂补贴", 180, "社区70岁以上老人", 60_000),
    ),
    (
        "凤凰路强社惠民物业服务有限公司",
        "凤凰社区股份经济合作社",
        [("PARKING", 245_000, 120_000), ("CLEANING", 120_000, 90_000)],
        ("公共设施维修", None, "楼道照明与健身器材", 45_000),
    ),
    (
        "北城强社惠民托育服务有限公司",
        "北城村股份经济合作社",
        [("CHILDCARE", 218_000, 140_000), ("ASSET_RENTAL", 120_000, 50_000)],
        ("托育补贴", 36, "3岁以下婴幼儿家庭", 40_000),
    ),
    (
        "春和强社惠民电商有限公司",
        "春和村股份经济合作社",
        [("PROCESSING_WORK", 156_500, 118_000), ("LIVESTREAM_ECOMMERCE", 150_000, 110_000)],
        ("老年食堂补贴", 60, "独居老人助餐", 20_000),
    ),
    (
        "玉溪红塔强社惠民绿化有限公司",
        "红塔社区股份经济合作社",
        [("GREENING", 106_000, 90_000), ("REPAIRS", 80_000, 60_000)],
        ("公共设施维修", None, "小区道路修补", 10_000),
    ),
]


def collective_credit_code(rng: random.Random) -> str:
    """A well-formed code of a 集体经济组织 (registered by 农业农村部门: N, category 3)."""
    body = "N3" + "530402" + "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(9))
    return body + credit_code_check_character(body)


def load_community_companies(
    app: Gongzhi, meta: Meta, communities: Sequence[UUID], seed: int = 2024
) -> tuple[list[UUID], int]:
    """Register the five companies on the demo district's communities (cycling through them
    when there are fewer than five; any district's when it has none). Returns their ids and
    the log position of the last event."""
    in_district = [c for c in communities if app.community(c).district == DEMO_DISTRICT]
    hosts = in_district or list(communities)
    if not hosts:
        return [], 0
    rng = random.Random(seed + 4)
    today = business_today()
    year = today.year

    def day(month: int, dom: int = 15) -> date:
        return min(date(year, month, dom), today)

    ids: list[UUID] = []
    position = 0
    for index, (name, owner, lines, (service, count, who, reinvest_yuan)) in enumerate(COMPANIES):
        company = app.register_community_company(
            meta,
            RegisterCommunityCompany(
                name=name,
                credit_code=credit_code(rng),
                owner_name=owner,
                owner_credit_code=collective_credit_code(rng),
                community_id=hosts[index % len(hosts)],
                registered_on=date(year - 1, 3, 1),
            ),
        ).id
        ids.append(company)
        app.designate_community_company_pilot(
            meta,
            DesignateCommunityCompanyPilot(
                company_id=company, designated_on=date(year - 1, 5, 1), authority=AUTHORITY
            ),
        )
        for month, (line, revenue_yuan, cost_yuan) in enumerate(lines, start=1):
            business = BusinessLine(line)
            app.open_business_line(
                meta,
                OpenCommunityBusinessLine(
                    company_id=company, line=business, on=date(year - 1, 4, 1)
                ),
            )
            for kind, yuan in ((EntryKind.REVENUE, revenue_yuan), (EntryKind.COST, cost_yuan)):
                app.record_business_entry(
                    meta,
                    RecordCommunityBusinessEntry(
                        company_id=company,
                        line=business,
                        kind=kind,
                        amount_fen=yuan * 100,
                        on=day(month),
                        note="月度台账汇总",
                    ),
                )
        position = app.allocate_reinvestment(
            meta,
            AllocateReinvestment(
                company_id=company,
                year=year,
                service=service,
                amount_fen=reinvest_yuan * 100,
                allocated_on=day(3, 1),
                beneficiary_count=count,
                beneficiaries=who,
                note="经股东代表会议决定",
            ),
        ).position
    return ids, position
