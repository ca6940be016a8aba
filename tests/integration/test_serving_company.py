"""The company serving a community on a day: the read side's SQL functions and the domain's
rule are one rule, checked day by day over a timeline with every kind of change."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import text

from gongzhi.application.base import Meta
from gongzhi.application.communities import ChangeManagementMode, RegisterCommunity
from gongzhi.application.companies import RegisterCompany
from gongzhi.bootstrap import Platform
from gongzhi.domain.values import credit_code_check_character

ADMIN = Meta(actor="admin-1", reason="管理模式台账", actor_role="PLATFORM_ADMIN")
FIRST_DAY = date(2023, 12, 1)
LAST_DAY = date(2031, 3, 1)


def credit_code(first_17: str) -> str:
    return first_17 + credit_code_check_character(first_17)


SQL_TIMELINE = text("""
SELECT d::date AS day, serving_company(:community, d::date) AS company,
       (SELECT mode FROM management_on(:community, d::date)) AS mode
FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') d
ORDER BY d""")


def test_the_sql_functions_and_the_domain_rule_agree_on_every_day(platform: Platform) -> None:
    app = platform.app
    # Given three companies and a community whose management changes in every way there is:
    # professional, then self-managed, then two changes on one day, then custody, and a
    # change recorded now but dated years ahead
    a, b, c = (
        app.register_company(ADMIN, RegisterCompany(name=f"物业{n}", credit_code=code)).id
        for n, code in (
            ("甲", "91350100M000100Y43"),
            ("乙", credit_code("91530402MA6N2XYX1")),
            ("丙", credit_code("91110000100003293")),
        )
    )
    community = app.register_community(
        ADMIN,
        RegisterCommunity(
            name="幸福里", district="红塔区", street="玉兴街道", registered_on=date(2024, 1, 1)
        ),
    ).id
    timeline: list[tuple[str, UUID | None, date]] = [
        ("PROFESSIONAL", a, date(2024, 2, 1)),
        ("OWNER_SELF", None, date(2024, 5, 1)),
        ("PROFESSIONAL", b, date(2024, 8, 1)),
        ("PROFESSIONAL", c, date(2024, 8, 1)),
        ("COMMUNITY_CUSTODY", None, date(2025, 3, 15)),
        ("PROFESSIONAL", a, date(2030, 7, 1)),
    ]
    for mode, company, effective_from in timeline:
        app.change_management_mode(
            ADMIN,
            ChangeManagementMode(
                community_id=community, mode=mode, company_id=company, effective_from=effective_from
            ),
        )
    # And a community that never had a recorded management
    unmanaged = app.register_community(
        ADMIN,
        RegisterCommunity(
            name="无名里", district="红塔区", street="玉兴街道", registered_on=date(2024, 1, 1)
        ),
    ).id
    platform.projection_runner().catch_up()

    for community_id in (community, unmanaged):
        aggregate = app.community(community_id)
        with platform.engine.connect() as conn:
            rows = conn.execute(
                SQL_TIMELINE, {"community": community_id, "first": FIRST_DAY, "last": LAST_DAY}
            ).all()

        # Then on every day the SQL functions give the domain's company and mode
        assert len(rows) == (LAST_DAY - FIRST_DAY).days + 1
        for row in rows:
            period = aggregate.mode_on(row.day)
            assert row.company == aggregate.serving_company(row.day), row.day
            assert row.mode == (period.mode if period else None), row.day

    # And the rule is the one intended, not merely the same wrong one twice
    served = app.community(community)
    expected = {
        date(2024, 1, 31): None,  # before the first change
        date(2024, 2, 1): a,
        date(2024, 4, 30): a,
        date(2024, 5, 1): None,  # self-managed: nobody serves
        date(2024, 8, 1): c,  # of two changes on one day, the later
        date(2025, 3, 14): c,
        date(2025, 3, 15): None,
        date(2030, 6, 30): None,  # the later-dated period is not in force before its day
        date(2030, 7, 1): a,
        LAST_DAY: a,
    }
    assert {day: served.serving_company(day) for day in expected} == expected


def test_the_periods_view_says_when_each_period_ends(platform: Platform) -> None:
    # Given two changes on one day and a later one
    app = platform.app
    company = app.register_company(
        ADMIN, RegisterCompany(name="物业甲", credit_code="91350100M000100Y43")
    ).id
    community = app.register_community(
        ADMIN,
        RegisterCommunity(
            name="幸福里", district="红塔区", street="玉兴街道", registered_on=date(2024, 1, 1)
        ),
    ).id
    for mode, company_id, day in (
        ("OWNER_SELF", None, date(2024, 3, 1)),
        ("PROFESSIONAL", company, date(2024, 3, 1)),
        ("NONE", None, date(2024, 9, 1)),
    ):
        app.change_management_mode(
            ADMIN,
            ChangeManagementMode(
                community_id=community, mode=mode, company_id=company_id, effective_from=day
            ),
        )
    platform.projection_runner().catch_up()

    # When the periods are read
    with platform.engine.connect() as conn:
        periods = conn.execute(
            text(
                "SELECT mode, effective_from, until FROM management_periods "
                "WHERE community_id = :c ORDER BY effective_from, seq"
            ),
            {"c": community},
        ).all()

    # Then each runs until the next change; the earlier change of a day lasts no day
    assert [(p.mode, p.until) for p in periods] == [
        ("OWNER_SELF", date(2024, 3, 1)),
        ("PROFESSIONAL", date(2024, 9, 1)),
        ("NONE", None),
    ]
