"""Read model of 通知, 公示 and 催缴: the notices, their read receipts and arrears rounds.

公示 are written here, by the projection, from the events the law or the local rules require
to be published: nothing is typed twice. Each is one ``notices`` row whose id is derived from
the event (aggregate id and version), inserted ``ON CONFLICT DO NOTHING``, so that a batch run
twice after a crash, or a rebuild from zero, gives the same rows. They run after the
history stage (``PUBLISH``) to name the log position of the event they come from, and read
the names they show (a decision's title, a fund use's contractor) from the views as the event
left them.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from functools import singledispatch
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Column, Date, DateTime, Index, Integer, String, Table, Text, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql import text

from gongzhi.domain.committee import Committee
from gongzhi.domain.common_income import CommonIncomeLedger
from gongzhi.domain.contract import PricingModel, ServiceContract
from gongzhi.domain.decision import Decision
from gongzhi.domain.fund import MaintenanceFund
from gongzhi.domain.labels import choice_label, label_of
from gongzhi.domain.money import fen_to_yuan
from gongzhi.domain.notice import (
    PUBLICITY_DAYS,
    ArrearsRound,
    Notice,
    NoticeMemberReceipt,
    NoticeReceipt,
    PublicityKind,
    notice_id,
    period_end,
)
from gongzhi.domain.tally import APPROVE, OPPOSE
from gongzhi.projections.metadata import metadata
from gongzhi.projections.ops import (
    ADD,
    CHANGE,
    CREATE,
    RECORD,
    Op,
    Stage,
    Statement,
    insert_statement,
    plain,
    update_statement,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")

notices = Table(
    "notices",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_id", Uuid, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("publicity_kind", String(30)),
    Column("audience", String(20), nullable=False),
    Column("audience_id", Uuid),
    Column("roles", String(20), nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    # What a 公示 publishes, as figures (a tally, an allocation by unit, a use's shares).
    Column("details", JSONB, nullable=False, server_default="{}"),
    Column("publish_from", Date, nullable=False),
    Column("publish_until", Date, nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False),
    Column("published_by", Text, nullable=False),
    Column("publisher_role", Text, nullable=False),
    Column("withdrawn_on", Date),
    # What a 公示 was generated from: the event (aggregate, version, type, log position).
    Column("source_id", Uuid),
    Column("source_version", Integer),
    Column("source_event", String(120)),
    Column("source_position", BigInteger),
    Column("version", Integer, nullable=False),
    # The log position of the row's latest event: what a live feed reads past.
    Column("position", BigInteger),
    Index("notices_community", "community_id", "publish_from", "id"),
    Index("notices_position", "community_id", "position"),
    Index("notices_source", "source_id", "source_version"),
)

notice_reads = Table(
    "notice_reads",
    metadata,
    Column("notice_id", Uuid, primary_key=True),
    Column("unit_id", Uuid, primary_key=True),
    Column("read_at", DateTime(timezone=True), nullable=False),
    Column("read_by", Text, nullable=False),
)

# A notice to the committee is read per member (person), not per household.
notice_member_reads = Table(
    "notice_member_reads",
    metadata,
    Column("notice_id", Uuid, primary_key=True),
    Column("person_id", Uuid, primary_key=True),
    Column("read_at", DateTime(timezone=True), nullable=False),
    Column("read_by", Text, nullable=False),
)

arrears_reminders = Table(
    "arrears_reminders",
    metadata,
    Column("round_id", Uuid, primary_key=True),
    Column("unit_id", Uuid, primary_key=True),
    Column("community_id", Uuid, nullable=False),
    Column("round", Text, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("label", Text, nullable=False),
    Column("owed_fen", BigInteger, nullable=False),
    Column("bills", Integer, nullable=False),
    Column("oldest_due_on", Date, nullable=False),
    Column("notice_id", Uuid, nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("issued_by", Text, nullable=False),
    Index("arrears_reminders_community", "community_id", "round"),
)

arrears_rounds = Table(
    "arrears_rounds",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("community_id", Uuid, nullable=False),
    Column("round", Text, nullable=False),
    Column("as_of", Date, nullable=False),
)

NOTICE_TABLES = (notices, notice_reads, notice_member_reads, arrears_reminders, arrears_rounds)

INSERT_NOTICE = insert_statement("insert notice", CREATE, notices, on_conflict_do_nothing=True)
WITHDRAW_NOTICE = update_statement(
    "withdraw notice",
    CHANGE,
    notices,
    key=("id", "k_id"),
    assign={"withdrawn_on": "withdrawn_on", "version": "version"},
)
INSERT_READ = insert_statement("insert notice read", ADD, notice_reads, on_conflict_do_nothing=True)
INSERT_MEMBER_READ = insert_statement(
    "insert notice member read", ADD, notice_member_reads, on_conflict_do_nothing=True
)
INSERT_ROUND = insert_statement(
    "insert arrears round", CREATE, arrears_rounds, on_conflict_do_nothing=True
)

# 公示 run after the history rows: they name the position of the event they publish.
PUBLISH = Stage("publish", after=(RECORD,))

_PUBLICITY = """
INSERT INTO notices (id, community_id, kind, publicity_kind, audience, audience_id, roles,
    title, body, details, publish_from, publish_until, published_at, published_by,
    publisher_role, withdrawn_on, source_id, source_version, source_event, source_position,
    version, position)
SELECT :id, s.community_id, 'PUBLICITY', :publicity_kind, 'COMMUNITY', NULL, 'EVERYONE',
    s.title, s.body, CAST(:details AS jsonb), :publish_from, :publish_until, :at, 'platform',
    'PLATFORM', NULL, :source_id, :source_version, :source_event, h.position, 1, h.position
FROM ({source}) s
LEFT JOIN event_history h ON h.aggregate_id = :source_id AND h.version = :source_version
ON CONFLICT (id) DO NOTHING
"""


# A typed notice's row is stamped with the position of its latest event (published, withdrawn).
STAMP_POSITION = Statement(
    "stamp notice position",
    PUBLISH,
    text(
        "UPDATE notices SET position = h.position FROM event_history h "
        "WHERE notices.id = :id AND h.aggregate_id = :id AND h.version = :version"
    ),
)


def _stamped(event: Any) -> Op:
    return Op(STAMP_POSITION, {"id": event.originator_id, "version": event.originator_version})


def _publicity_statement(name: str, source: str) -> Statement:
    return Statement(f"publish {name}", PUBLISH, text(_PUBLICITY.format(source=source)))


PUBLISH_DECISION = _publicity_statement(
    "decision result",
    "SELECT d.community_id, '表决结果公示：' || d.title AS title, :body AS body "
    "FROM decisions d WHERE d.id = :source_id",
)
PUBLISH_COMMON_INCOME = _publicity_statement(
    "common income",
    "SELECT l.community_id, :title AS title, :body AS body "
    "FROM common_income_ledgers l WHERE l.id = :source_id",
)
PUBLISH_FUND_USE = _publicity_statement(
    "fund use",
    "SELECT f.community_id, :title || u.title AS title, "
    "'项目：' || u.title || '；施工/服务单位：' || u.contractor || '；金额：' || "
    "to_char(COALESCE(CAST(:amount_fen AS bigint), u.amount_fen) / 100.0, 'FM999999999990.00') "
    "|| '元。' || :body AS body "
    "FROM fund_uses u JOIN maintenance_funds f ON f.id = u.fund_id WHERE u.id = :use_id",
)
PUBLISH_COMMITTEE_FILING = _publicity_statement(
    "committee filing",
    "SELECT c.community_id, :title AS title, '第' || c.term_number || '届' || :body AS body "
    "FROM committees c WHERE c.id = :source_id",
)
PUBLISH_CONTRACT_AWARD = _publicity_statement(
    "contract award",
    "SELECT CAST(:community_id AS uuid) AS community_id, :title AS title, "
    "COALESCE(co.name, '社区托管') || :body AS body "
    "FROM (SELECT 1) one LEFT JOIN companies co ON co.id = CAST(:company_id AS uuid)",
)


def _meta(event: Any) -> dict[str, str]:
    meta: dict[str, str] = vars(event).get("meta") or {}
    return meta


def _publicity(
    statement: Statement,
    event: Any,
    kind: PublicityKind,
    details: dict[str, Any],
    **params: Any,
) -> Op:
    """The 公示 of ``event``: its id derived from the event, its period from the event's
    Shanghai date and the kind's rule (``PUBLICITY_DAYS``)."""
    start: date = event.timestamp.astimezone(SHANGHAI).date()
    source_id = event.originator_id
    return Op(
        statement,
        {
            "id": notice_id("publicity", source_id, event.originator_version),
            "publicity_kind": kind.value,
            "details": json.dumps(plain(details), ensure_ascii=False),
            "publish_from": start,
            "publish_until": period_end(start, PUBLICITY_DAYS[kind]),
            "at": event.timestamp,
            "source_id": source_id,
            "source_version": event.originator_version,
            "source_event": type(event).__qualname__,
            **params,
        },
    )


def _yuan(fen: int) -> Decimal:
    return fen_to_yuan(int(fen))


@singledispatch
def notice_ops(event: Any) -> list[Op]:
    return []


@notice_ops.register
def _(event: Notice.Published) -> list[Op]:
    meta = _meta(event)
    row = {
        "id": event.originator_id,
        "community_id": event.community_id,
        "kind": event.kind,
        "publicity_kind": None,
        "audience": event.audience,
        "audience_id": event.audience_id,
        "roles": event.roles,
        "title": event.title,
        "body": event.body,
        "details": {},
        "publish_from": event.publish_from,
        "publish_until": event.publish_until,
        "published_at": event.timestamp,
        "published_by": meta.get("actor", ""),
        "publisher_role": meta.get("actor_role", ""),
        "withdrawn_on": None,
        "source_id": None,
        "source_version": None,
        "source_event": None,
        "source_position": None,
        "version": event.originator_version,
        "position": None,
    }
    return [Op(INSERT_NOTICE, row), _stamped(event)]


@notice_ops.register
def _(event: Notice.Withdrawn) -> list[Op]:
    return [
        Op(
            WITHDRAW_NOTICE,
            {
                "k_id": event.originator_id,
                "withdrawn_on": event.on,
                "version": event.originator_version,
            },
        ),
        _stamped(event),
    ]


@notice_ops.register
def _(event: NoticeReceipt.Read) -> list[Op]:
    return _receipt(INSERT_READ, event, unit_id=event.unit_id)


@notice_ops.register
def _(event: NoticeMemberReceipt.Read) -> list[Op]:
    return _receipt(INSERT_MEMBER_READ, event, person_id=event.person_id)


def _receipt(statement: Statement, event: Any, **reader: UUID) -> list[Op]:
    row = {"notice_id": event.notice_id, **reader, "read_at": event.read_at}
    return [Op(statement, {**row, "read_by": _meta(event).get("actor", "")})]


@notice_ops.register
def _(event: ArrearsRound.Opened) -> list[Op]:
    row = {
        "id": event.originator_id,
        "community_id": event.community_id,
        "round": event.round,
        "as_of": event.as_of,
    }
    return [Op(INSERT_ROUND, row)]


# The round's own row is what a reminder row's community, round and day come from.
_REMINDER_FROM_ROUND = Statement(
    "insert arrears reminder",
    ADD,
    text(
        "INSERT INTO arrears_reminders (round_id, unit_id, community_id, round, as_of, label, "
        "owed_fen, bills, oldest_due_on, notice_id, issued_at, issued_by) "
        "SELECT r.id, :unit_id, r.community_id, r.round, r.as_of, :label, :owed_fen, :bills, "
        ":oldest_due_on, :notice_id, :issued_at, :issued_by FROM arrears_rounds r "
        "WHERE r.id = :round_id ON CONFLICT DO NOTHING"
    ),
)


@notice_ops.register
def _(event: ArrearsRound.Reminded) -> list[Op]:
    actor = _meta(event).get("actor", "")
    return [
        Op(
            _REMINDER_FROM_ROUND,
            {
                "round_id": event.originator_id,
                "unit_id": UUID(str(r["unit_id"])),
                "label": r["label"],
                "owed_fen": int(r["owed_fen"]),
                "bills": int(r["bills"]),
                "oldest_due_on": date.fromisoformat(str(r["oldest_due_on"])),
                "notice_id": UUID(str(r["notice_id"])),
                "issued_at": event.timestamp,
                "issued_by": actor,
            },
        )
        for r in event.reminders
    ]


# --- 公示 generated from the events -------------------------------------------------------


def decision_summary(result: dict[str, Any]) -> str:
    """表决结果 in words, from the tally as recorded: participation, each option's area and
    heads, and what carried."""
    options = result.get("options") or []
    counted = "；".join(
        f"{choice_label(o['option'])}：面积{o['area']}㎡、{o['headcount']}人" for o in options
    )
    carried = [o["option"] for o in options if o.get("passed")]
    if {o["option"] for o in options} == {APPROVE, OPPOSE}:
        outcome = "表决通过" if APPROVE in carried else "未获通过"
    else:
        outcome = "获通过的选项：" + "、".join(carried) if carried else "无选项获通过"
    return (
        f"表决已结束，{outcome}。参与表决的专有部分面积{result.get('participating_area')}㎡"
        f"（总面积{result.get('total_area')}㎡），参与表决{result.get('participating_headcount')}人"
        f"（总人数{result.get('total_headcount')}人）。{counted}。"
        "每张表决票按房号与面积公示，不公示姓名。"
    )


@notice_ops.register
def _(event: Decision.Closed) -> list[Op]:
    body = decision_summary(event.result)
    details = {"result": event.result, "decision_id": event.originator_id}
    return [_publicity(PUBLISH_DECISION, event, PublicityKind.DECISION_RESULT, details, body=body)]


@notice_ops.register
def _(event: CommonIncomeLedger.PeriodPublished) -> list[Op]:
    title = f"公共收益公示：{event.period}" + (f"（第{event.round}次）" if event.round > 1 else "")
    body = (
        f"{event.period}公共收益：收入{_yuan(event.gross_fen)}元，成本{_yuan(event.cost_fen)}元，"
        f"净收益{_yuan(event.net_fen)}元，其中转入维修资金{_yuan(event.to_fund_fen)}元；"
        f"净收益按专有部分面积分配到{len(event.allocation)}户。"
    )
    details = {
        "period": event.period,
        "round": event.round,
        "entries": event.entries,
        "gross_fen": event.gross_fen,
        "cost_fen": event.cost_fen,
        "net_fen": event.net_fen,
        "to_fund_fen": event.to_fund_fen,
        "allocation": event.allocation,
    }
    return [
        _publicity(
            PUBLISH_COMMON_INCOME,
            event,
            PublicityKind.COMMON_INCOME,
            details,
            title=title,
            body=body,
        )
    ]


def _fund_use(event: Any, kind: PublicityKind, step: str, **extra: Any) -> Op:
    details = {"use_id": event.use_id, "on": event.on, **extra}
    return _publicity(
        PUBLISH_FUND_USE,
        event,
        kind,
        details,
        use_id=event.use_id,
        title=f"维修资金使用公示（{step}）：",
        body=f"{step}日期：{event.on.isoformat()}。",
        amount_fen=extra.get("amount_fen"),
    )


@notice_ops.register
def _(event: MaintenanceFund.UseApproved) -> list[Op]:
    return [_fund_use(event, PublicityKind.FUND_USE_APPROVED, "业主委员会已批准")]


@notice_ops.register
def _(event: MaintenanceFund.EmergencyConfirmed) -> list[Op]:
    return [_fund_use(event, PublicityKind.FUND_USE_CONFIRMED, "街道已确认应急使用")]


@notice_ops.register
def _(event: MaintenanceFund.PaidOut) -> list[Op]:
    return [
        _fund_use(
            event,
            PublicityKind.FUND_USE_PAID,
            "已支付",
            amount_fen=event.amount_fen,
            shares=event.shares,
        )
    ]


@notice_ops.register
def _(event: Committee.Filed) -> list[Op]:
    body = (
        f"委员会已于{event.filed_on.isoformat()}向街道办事处备案，备案编号{event.filing_number}"
        f"（选举后第{event.days_after_election}日{'，逾期备案' if event.late else ''}）。"
    )
    details = {
        "filed_on": event.filed_on,
        "filing_number": event.filing_number,
        "days_after_election": event.days_after_election,
        "late": event.late,
    }
    return [
        _publicity(
            PUBLISH_COMMITTEE_FILING,
            event,
            PublicityKind.COMMITTEE_FILING,
            details,
            title="业主委员会备案公示",
            body=body,
        )
    ]


@notice_ops.register
def _(event: ServiceContract.Awarded) -> list[Op]:
    until = event.term_end.isoformat() if event.term_end else "不定期"
    pricing = label_of(PricingModel, event.pricing)
    body = (
        f"：物业服务合同（第{event.number}号）于{event.signed_on.isoformat()}签订，"
        f"合同期{event.term_start.isoformat()}至{until}，"
        f"物业费{event.fee_per_m2_month}元/㎡·月（{pricing}）。"
    )
    details = {
        "contract_id": event.originator_id,
        "number": event.number,
        "mode": event.mode,
        "company_id": event.company_id,
        "decision_id": event.decision_id,
        "term_start": event.term_start,
        "term_end": event.term_end,
        "fee_per_m2_month": event.fee_per_m2_month,
        "pricing": event.pricing,
        "signed_on": event.signed_on,
    }
    return [
        _publicity(
            PUBLISH_CONTRACT_AWARD,
            event,
            PublicityKind.CONTRACT_AWARD,
            details,
            title="物业服务合同签订公示",
            body=body,
            community_id=event.community_id,
            company_id=event.company_id,
        )
    ]
