"""The fund's and common income's read model: deterministic in any batch size, and the
fund's balance equal to the sum of its sub-accounts at every step of the log."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from sqlalchemy import text

from gongzhi.application.base import Meta, business_today
from gongzhi.application.committees import AppointInterimCommittee, CommitteeMember
from gongzhi.application.common_income import (
    CorrectCommonIncome,
    PublishCommonIncome,
    RecordCommonIncome,
)
from gongzhi.application.funds import (
    AllocateFundInterest,
    AuditEmergencyFundUse,
    ConfirmEmergencyFundUse,
    PayFundUse,
    ProposeFundUse,
    RecordFirstDeposit,
    ReviewEmergencyFundUse,
    SendTopUpNotices,
    SetFundDepositRule,
    TopUpFund,
    maintenance_fund,
)
from gongzhi.bootstrap import Platform
from gongzhi.domain.committee_rules import MemberRole
from gongzhi.domain.common_income import IncomeCategory
from gongzhi.domain.community import Community
from gongzhi.domain.fund_rules import Emergency, HousingKind, UseKind
from tests.integration.test_projection_runner import dump_views

META = Meta(actor="tester", reason="integration test", actor_role="PLATFORM_ADMIN")
LAST_MONTH = (business_today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


def fund_history(platform: Platform) -> tuple[UUID, list[UUID]]:
    """A community whose fund goes through every kind of movement, and common income."""
    app = platform.app
    community = Community.register(
        name="和平苑", district="红塔区", street="玉兴街道", registered_on=date(2020, 1, 1)
    )
    building = community.add_building("1栋", 6, False, ["1单元"])
    entrance = next(iter(community.buildings[building].entrances))
    units = [
        community.add_unit(entrance, f"{n}01", n, area, "REGISTER")
        for n, area in ((1, "80.00"), (2, "60.50"), (3, "100.00"), (4, "45.25"))
    ]
    app.record(META, community)
    app.appoint_interim_committee(
        META,
        AppointInterimCommittee(
            community_id=community.id,
            appointed_on=business_today() - timedelta(days=10),
            term_ends_on=business_today() + timedelta(days=600),
            members=[
                CommitteeMember(
                    uuid4(), f"委员{i}", MemberRole.DIRECTOR if i == 0 else MemberRole.MEMBER
                )
                for i in range(5)
            ],
        ),
    )
    cid = community.id
    app.set_deposit_rule(
        META,
        SetFundDepositRule(
            community_id=cid,
            commodity_rate=Decimal("0.06"),
            building_cost_per_m2=Decimal(2000),
            reform_cost_price_per_m2=Decimal(1500),
        ),
    )
    for i, unit in enumerate(units):
        app.record_first_deposit(
            META,
            RecordFirstDeposit(
                community_id=cid,
                unit_id=unit,
                housing_kind=HousingKind.REFORM if i == 1 else HousingKind.COMMODITY,
                deposited_on=date(2024, 3, 1),
            ),
        )
    app.allocate_fund_interest(
        META, AllocateFundInterest(community_id=cid, amount_fen=12_345, on=date(2025, 1, 1))
    )
    app.top_up_fund(
        META, TopUpFund(community_id=cid, unit_id=units[1], amount_fen=777, on=date(2025, 1, 2))
    )
    without_102 = [units[0], units[2], units[3]]
    uses = ((units, 250_000), (without_102, 900_000), (without_102, 900_000))
    for n, (paying, amount) in enumerate(uses):
        use = app.propose_fund_use(
            META,
            ProposeFundUse(
                community_id=cid,
                kind=UseKind.EMERGENCY,
                emergency=Emergency.ROOF_OR_WALL_LEAK,
                decision_id=None,
                title=f"抢修{n}",
                contractor="电梯公司",
                amount_fen=amount,
                unit_ids=paying,
            ),
        ).part_id
        assert use is not None
        app.review_emergency_use(META, ReviewEmergencyFundUse(community_id=cid, use_id=use))
        app.confirm_emergency_use(META, ConfirmEmergencyFundUse(community_id=cid, use_id=use))
        app.pay_fund_use(META, PayFundUse(community_id=cid, use_id=use))
        if n == 0:
            app.audit_emergency_use(
                META, AuditEmergencyFundUse(community_id=cid, use_id=use, findings="票据齐全")
            )
    app.send_top_up_notices(META, SendTopUpNotices(community_id=cid, round="2026-Q4"))
    entry = app.record_common_income(
        META,
        RecordCommonIncome(
            community_id=cid,
            category=IncomeCategory.PARKING,
            period=LAST_MONTH,
            gross_fen=10_001,
            cost_fen=1,
            counterparty="停车场",
        ),
    ).part_id
    assert entry is not None
    app.publish_common_income(META, PublishCommonIncome(community_id=cid, period=LAST_MONTH))
    app.correct_common_income(
        META,
        CorrectCommonIncome(
            community_id=cid, entry_id=entry, gross_fen=9_000, cost_fen=0, counterparty="停车场"
        ),
    )
    app.record_common_income(
        META,
        RecordCommonIncome(
            community_id=cid,
            category=IncomeCategory.ADVERTISING,
            period=LAST_MONTH,
            gross_fen=5_000,
            cost_fen=0,
            counterparty="广告",
        ),
    )
    return cid, units


def test_fund_views_are_the_same_in_any_batch_size_and_balance_at_every_step(
    platform: Platform,
) -> None:
    # Given a fund with deposits, interest, a top-up, three emergencies, notices and income
    community, _ = fund_history(platform)
    fund = maintenance_fund(platform.app, community)
    assert fund.below_threshold()
    # When it is projected one event at a time, checking the balance after each event
    steps: list[int] = []
    platform.projection_runner(batch_size=1).catch_up(
        progress=lambda done: steps.append(done) or _assert_balanced(platform)
    )
    assert len(steps) >= 40
    expected = dump_views(platform.engine)
    assert expected["fund_ledger"] and expected["common_income_changes"]
    # When the same log is rebuilt in large batches
    platform.projection_runner(batch_size=1000).rebuild()
    # Then the views are identical, and the fund still equals its sub-accounts
    assert dump_views(platform.engine) == expected
    _assert_balanced(platform)
    with platform.engine.connect() as conn:
        balance = conn.execute(text("SELECT balance_fen FROM maintenance_funds")).scalar_one()
    assert balance == fund.balance_fen


def _assert_balanced(platform: Platform) -> None:
    with platform.engine.connect() as conn:
        rows = conn.execute(
            text(
                """SELECT f.balance_fen, coalesce(sum(a.balance_fen), 0), count(a.unit_id),
                          (SELECT coalesce(sum(amount_fen), 0) FROM fund_ledger l
                           WHERE l.fund_id = f.id)
                   FROM maintenance_funds f LEFT JOIN fund_accounts a ON a.fund_id = f.id
                   GROUP BY f.id"""
            )
        ).all()
    for balance, accounts, _, ledger in rows:
        assert balance == accounts == ledger
