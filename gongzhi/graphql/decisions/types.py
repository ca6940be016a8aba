"""GraphQL types of 业主共同决定 owners' decisions and their tallies."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from gongzhi.domain.decision import Channel, Scope
from gongzhi.domain.tally import Matter, TallyResult
from gongzhi.graphql.errors import Forbidden, NotFound, ValidationError
from gongzhi.graphql.pagination import PageInfo


@strawberry.type(description="One option's approving area and headcount")
class OptionFigures:
    option: str
    area: Decimal
    headcount: int
    area_share: str = strawberry.field(description="Exact fraction of participating area")
    headcount_share: str
    passed: bool


@strawberry.type(description="计票结果: every figure of the Art. 278 tally, to recompute it later")
class TallyFigures:
    rule_set: str
    rule_set_version: int
    quorum: str = strawberry.field(description="e.g. ≥ 2/3 of total area and headcount")
    approval: str = strawberry.field(description="e.g. > 1/2 or ≥ 3/4 of participants")
    total_area: Decimal
    total_headcount: int
    participating_area: Decimal
    participating_headcount: int
    abstaining_area: Decimal
    abstaining_headcount: int
    quorum_met: bool
    options: list[OptionFigures]


@strawberry.type(description="加装电梯 one unit's share of the cost, in fen")
class CostShare:
    unit_id: strawberry.ID
    floor: int
    area: Decimal
    coefficient: Decimal
    fen: int


@strawberry.type(description="业主共同决定 owners' decision")
class Decision:
    id: strawberry.ID
    community_id: strawberry.ID
    scope: Scope
    scope_id: strawberry.ID
    matter: Matter
    title: str
    description: str
    options: list[str]
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    party_deliberation_id: strawberry.ID | None = strawberry.field(
        description="党组织先议: the party organisation's deliberation before the vote"
    )
    closed: bool
    passed: bool | None
    ballots_cast: int
    result: TallyFigures | None
    challengeable_until: datetime.date | None = strawberry.field(
        description="An owner may ask a court to cancel the decision until this date"
    )
    recounts: int
    recounts_agreeing: int
    version: int
    cost_shares: list[CostShare]


@strawberry.type
class DecisionConnection:
    decisions: list[Decision]
    page_info: PageInfo


@strawberry.type
class DecisionPayload:
    decision: Decision | None
    position: str
    replaced_earlier: bool | None = strawberry.field(
        default=None,
        description="castBallot only: true when this ballot replaced the voter's earlier one "
        "(one ballot per owner, the later counts)",
    )


@strawberry.type(description="公示 one ballot as published: its rooms and their area, never a name")
class PublicBallot:
    rooms: list[str] = strawberry.field(
        description="房号 楼栋-单元-户号 of every unit the ballot speaks for (one owner, one head)"
    )
    area: Decimal = strawberry.field(description="Their exclusive area, m²")
    choice: str


@strawberry.type(
    description="表决公示 a decision's ballots as published to the owners: per ballot the rooms "
    "and area, never a name (the Beijing rule). Listed once the voting is closed"
)
class DecisionPublicity:
    decision_id: strawberry.ID
    title: str
    closed: bool
    passed: bool | None
    ballots_cast: int
    ballots_shown: bool = strawberry.field(
        description="False before the close, and always for the serving company's staff: "
        "投票保密, the company never sees who voted what (a vote may be about dismissing it)"
    )
    ballots: list[PublicBallot]


DecisionLookup = Annotated[
    Decision | NotFound | ValidationError, strawberry.union("DecisionLookup")
]
DecisionsResult = Annotated[
    DecisionConnection | NotFound | ValidationError, strawberry.union("DecisionsResult")
]


def _ratio(value: Any) -> str:
    return f"{value.numerator}/{value.denominator}"


def tally_figures(record: dict[str, Any]) -> TallyFigures:
    result = TallyResult.from_record(record)
    return TallyFigures(
        rule_set=result.rule_set,
        rule_set_version=result.rule_set_version,
        quorum=str(result.quorum),
        approval=str(result.approval),
        total_area=result.total_area,
        total_headcount=result.total_headcount,
        participating_area=result.participating_area,
        participating_headcount=result.participating_headcount,
        abstaining_area=result.abstaining_area,
        abstaining_headcount=result.abstaining_headcount,
        quorum_met=result.quorum_met,
        options=[
            OptionFigures(
                option=o.option,
                area=o.area,
                headcount=o.headcount,
                area_share=_ratio(o.area_share),
                headcount_share=_ratio(o.headcount_share),
                passed=o.passed,
            )
            for o in result.options
        ],
    )


def decision_from_row(row: Any, shares: list[Any]) -> Decision:
    return Decision(
        id=strawberry.ID(str(row["id"])),
        community_id=strawberry.ID(str(row["community_id"])),
        scope=Scope(row["scope"]),
        scope_id=strawberry.ID(str(row["scope_id"])),
        matter=Matter(row["matter"]),
        title=row["title"],
        description=row["description"],
        options=list(row["options"]),
        opens_at=row["opens_at"],
        closes_at=row["closes_at"],
        party_deliberation_id=(
            strawberry.ID(str(row["party_deliberation_id"]))
            if row["party_deliberation_id"]
            else None
        ),
        closed=row["closed"],
        passed=row["passed"],
        ballots_cast=row["ballots_cast"],
        result=tally_figures(row["result"]) if row["result"] else None,
        challengeable_until=row["challengeable_until"],
        recounts=row["recounts"],
        recounts_agreeing=row["recounts_agreeing"],
        version=row["version"],
        cost_shares=[
            CostShare(
                unit_id=strawberry.ID(str(s["unit_id"])),
                floor=s["floor"],
                area=s["area"],
                coefficient=s["coefficient"],
                fen=s["fen"],
            )
            for s in shares
        ],
    )


DecisionPublicityLookup = Annotated[
    DecisionPublicity | NotFound | ValidationError, strawberry.union("DecisionPublicityLookup")
]


@strawberry.type(
    description="我的选票: the ballot counting for a unit in a decision, as its owners now vote "
    "(one ballot per owner over all their units); cast false when none is recorded"
)
class MyBallot:
    decision_id: strawberry.ID
    unit_id: strawberry.ID
    cast: bool
    choice: str | None = strawberry.field(description="The option chosen, or ABSTAIN")
    channel: Channel | None
    cast_at: datetime.datetime | None


MyBallotLookup = Annotated[
    MyBallot | NotFound | ValidationError | Forbidden, strawberry.union("MyBallotLookup")
]
