"""Reading 通知, 公示 and 催缴: a community's notices with their read counts, the households
that have not read one, a resident's feed, and the reminders of an arrears round.

The stewards of a community (its street office, serving company, committee) read every notice
of it with read and household counts; a resident reads only the notices addressed to one of
the own households, with whether it was read, never the counts or another household's
reminder."""

from __future__ import annotations

import json
from typing import Annotated, Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from gongzhi.application.fields import Kind, Ref
from gongzhi.domain.committee_rules import MemberRole
from gongzhi.domain.notice import NoticeRoles, NoticeType, PublicityKind
from gongzhi.graphql.auth import Principal, Role
from gongzhi.graphql.context import Context
from gongzhi.graphql.decisions.queries import PUBLIC_BALLOTS, sees_ballots
from gongzhi.graphql.decisions.types import PublicBallot
from gongzhi.graphql.errors import NotFound, Refused, forbidden, invalid
from gongzhi.graphql.history.queries import community_target
from gongzhi.graphql.notices.types import (
    ArrearsReminder,
    ArrearsReminders,
    ArrearsRemindersResult,
    MyNoticesResult,
    Notice,
    NoticeConnection,
    NoticeHousehold,
    NoticeHouseholds,
    NoticeHouseholdsResult,
    NoticeMember,
    NoticeMembers,
    NoticeMembersResult,
    NoticesResult,
    notice_from_row,
)
from gongzhi.graphql.pagination import Key, PageInfo, keyset_page, page_size
from gongzhi.graphql.params import Params
from gongzhi.graphql.permissions import Action, allowed, community_scope
from gongzhi.graphql.personal_data import opener_for
from gongzhi.graphql.reading import CommunityArg, lookup
from gongzhi.graphql.unit_labels import unit_label_sql
from gongzhi.projections.committees import IN_OFFICE

NoticeArg = Annotated[strawberry.ID, Ref(Kind.NOTICE)]

TODAY = "(now() AT TIME ZONE 'Asia/Shanghai')::date"
# The households (units in use) a notice ``n`` is addressed to: its part of the community,
# narrowed by role (owners: a unit with owners recorded; residents: with someone living
# there). A notice to the committee addresses no household. One branch per audience, each
# skipped unless it is the notice's (a one-time filter) and each on its own index: one CASE
# over the community's units took 175 ms for a page of 20 reminders in 5,000 units.
_ADDRESSED_BRANCH = """
SELECT u.id, bl.number || '-' || en.number || '-' || u.number AS label
FROM units u
JOIN entrances en ON en.id = u.entrance_id
JOIN buildings bl ON bl.id = en.building_id
WHERE n.audience = '{audience}' AND {part} AND NOT u.retired
  AND CASE n.roles WHEN 'EVERYONE' THEN TRUE
                   WHEN 'OWNERS' THEN jsonb_array_length(u.owners) > 0
                   WHEN 'RESIDENTS' THEN EXISTS (
                       SELECT 1 FROM unit_residents r WHERE r.unit_id = u.id AND r.active)
                   ELSE FALSE END"""
ADDRESSED = " UNION ALL ".join(
    _ADDRESSED_BRANCH.format(audience=audience, part=part)
    for audience, part in (
        ("COMMUNITY", "u.community_id = n.community_id"),
        ("BUILDING", "en.building_id = n.audience_id AND u.community_id = n.community_id"),
        ("ENTRANCE", "u.entrance_id = n.audience_id AND u.community_id = n.community_id"),
        ("UNIT", "u.id = n.audience_id AND u.community_id = n.community_id"),
    )
)
CURRENT = f"(n.withdrawn_on IS NULL AND {TODAY} BETWEEN n.publish_from AND n.publish_until)"
# The members a notice to the committee (``n.roles = 'COMMITTEE'``) addresses: those of the
# community's committee in office today, in office order. Each reads it for themselves.
MEMBERS = f"""
SELECT (m.record->>'person_id')::uuid AS person_id, m.record->>'name' AS name,
       m.record->>'role' AS role, m.place
FROM committees k CROSS JOIN LATERAL jsonb_array_elements(k.members)
     WITH ORDINALITY AS m(record, place)
WHERE n.roles = 'COMMITTEE' AND k.community_id = n.community_id
  AND {IN_OFFICE.format(day=TODAY)}"""
MEMBER_READ = "r.notice_id = n.id AND r.person_id = {person}"


def steward_select(principal: Principal, params: Params) -> str:
    """Notices with the stewards' counts: households addressed and read, or for a notice to
    the committee its members and those who read it; ``read`` for a member themselves."""
    read = "NULL::boolean"
    if principal.role is Role.COMMITTEE_MEMBER and principal.person_id is not None:
        person = params(principal.person_id, "uuid")
        read = f"""CASE WHEN n.roles = 'COMMITTEE' THEN EXISTS (
            SELECT 1 FROM notice_member_reads r WHERE {MEMBER_READ.format(person=person)}) END"""
    return f"""
SELECT n.*, {CURRENT} AS current, {read} AS read,
       (SELECT count(*) FROM ({ADDRESSED}) a)::int AS households,
       (SELECT count(*) FROM ({ADDRESSED}) a
        JOIN notice_reads r ON r.notice_id = n.id AND r.unit_id = a.id)::int AS households_read,
       CASE WHEN n.roles = 'COMMITTEE' THEN (SELECT count(*) FROM ({MEMBERS}) a)::int END
         AS members,
       CASE WHEN n.roles = 'COMMITTEE' THEN (SELECT count(*) FROM ({MEMBERS}) a
         JOIN notice_member_reads r ON {MEMBER_READ.format(person="a.person_id")})::int END
         AS members_read
FROM notices n JOIN communities c ON c.id = n.community_id"""


NEWEST = (Key("n.publish_from", "publish_from", "date"), Key("n.id", "id", "uuid"))


def resident_select(units: str) -> str:
    """Notices addressed to one of the resident's units (``units``: the uuid[] parameter)."""
    return f"""
SELECT n.*, {CURRENT} AS current,
       EXISTS (SELECT 1 FROM notice_reads r
               WHERE r.notice_id = n.id AND r.unit_id = ANY({units})) AS read,
       NULL::int AS households, NULL::int AS households_read,
       NULL::int AS members, NULL::int AS members_read
FROM notices n"""


def addressed_to(units: str) -> str:
    return f"EXISTS (SELECT 1 FROM ({ADDRESSED}) a WHERE a.id = ANY({units}))"


def is_resident(principal: Principal) -> bool:
    return principal.role is Role.RESIDENT


async def _require(context: Context, action: Action, community_id: UUID) -> None:
    if not allowed(context.principal, action, await community_target(context, community_id)):
        raise Refused(forbidden(action.value))


async def _receipts_of(context: Context, notice_id: UUID) -> str:
    """That the caller may read the notice's receipts (NotFound, Forbidden); its roles."""
    row = await context.pool.fetchrow(
        "SELECT community_id, roles FROM notices WHERE id = $1", notice_id
    )
    if row is None:
        raise Refused(NotFound(field="noticeId", message="no such notice"))
    await _require(context, Action.READ_NOTICE_RECEIPTS, row["community_id"])
    return str(row["roles"])


async def _ballots(context: Context, rows: list[Any]) -> dict[UUID, list[PublicBallot]]:
    """The ballots of each DECISION_RESULT 公示, from the decision's own view (never named)."""
    if not sees_ballots(context.principal):
        return {}
    found = {}
    for row in rows:
        if row["publicity_kind"] == PublicityKind.DECISION_RESULT.value:
            ballots = await context.pool.fetch(PUBLIC_BALLOTS, row["source_id"])
            found[row["id"]] = [
                PublicBallot(rooms=list(b["rooms"]), area=b["area"], choice=b["choice"])
                for b in ballots
            ]
    return found


async def notices_of(context: Context, rows: list[Any], steward: bool) -> list[Notice]:
    ballots = await _ballots(context, rows)
    rows = await _with_unit_labels(context, rows)
    return [notice_from_row(r, ballots=ballots.get(r["id"]), steward=steward) for r in rows]


async def _with_unit_labels(context: Context, rows: list[Any]) -> list[Any]:
    """A common-income 公示's allocation names each unit by 楼栋-单元-房号 (``label``) beside
    its id: a community has a 101 in every entrance. Labels are read as the notice is shown
    (the projection stores what the event said; a unit's number never changes)."""
    allocations = {
        r["id"]: details["allocation"]
        for r in rows
        if isinstance(details := _details(r["details"]), dict) and details.get("allocation")
    }
    if not allocations:
        return rows
    unit_ids = sorted({UUID(s["unit_id"]) for a in allocations.values() for s in a})
    labels = {
        str(row["id"]): row["label"]
        for row in await context.pool.fetch(
            f"SELECT x.id, {unit_label_sql('x.id')} AS label FROM unnest($1::uuid[]) AS x(id)",
            unit_ids,
        )
    }
    shown = []
    for r in rows:
        if r["id"] not in allocations:
            shown.append(r)
            continue
        details = _details(r["details"])
        details["allocation"] = [
            {**share, "label": labels.get(str(share["unit_id"]))} for share in details["allocation"]
        ]
        shown.append({**dict(r), "details": details})
    return shown


def _details(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def fetch_notice(context: Context, notice_id: UUID) -> Any:
    """The notice as the caller sees it (a resident: only if addressed to an own unit)."""
    principal = context.principal
    params = Params([notice_id])
    if is_resident(principal):
        units = params(list(principal.unit_ids), "uuid[]")
        sql = f"{resident_select(units)} WHERE n.id = $1 AND {addressed_to(units)}"
    else:
        select = steward_select(principal, params)
        sql = f"{select} WHERE n.id = $1 AND {community_scope(principal, 'c', params)}"
    return await context.pool.fetchrow(sql, *params)


@strawberry.type
class NoticeQueries:
    @strawberry.field(
        description="通知, 公示 and 催缴通知 of a community, newest first, with household and "
        "read counts for its stewards; a resident sees those addressed to own households"
    )
    @lookup
    async def notices(
        self,
        info: Info[Context, None],
        community_id: CommunityArg,
        type: NoticeType | None = None,
        current_only: bool = False,
        first: int = 20,
        after: str | None = None,
    ) -> NoticesResult:
        principal = info.context.principal
        params = Params([UUID(community_id)])
        conditions = ["n.community_id = $1"]
        if is_resident(principal):
            units = params(list(principal.unit_ids), "uuid[]")
            select = resident_select(units)
            conditions.append(addressed_to(units))
        else:
            select = steward_select(principal, params)
            conditions.append(community_scope(principal, "c", params))
        if type is not None:
            conditions.append(f"n.kind = {params(type.value)}")
        if current_only:
            conditions.append(CURRENT)
        rows, page = await keyset_page(
            info.context.pool, select, conditions, params, NEWEST, first, after, descending=True
        )
        items = await notices_of(info.context, list(rows), not is_resident(principal))
        return NoticeConnection(notices=items, page_info=page)

    @strawberry.field(
        description="A resident's feed: the current notices, 公示 and reminders addressed to "
        "the own households, unread first, then newest first (at most 100)"
    )
    @lookup
    async def my_notices(self, info: Info[Context, None], first: int = 50) -> MyNoticesResult:
        principal = info.context.principal
        if not is_resident(principal):
            raise Refused(forbidden("read a household's feed: read notices(communityId:)"))
        limit = page_size(first)
        params = Params()
        units = params(list(principal.unit_ids), "uuid[]")
        feed = (
            f"SELECT * FROM ({resident_select(units)} WHERE {CURRENT} AND {addressed_to(units)}) f"
        )
        pool = info.context.pool
        rows = await pool.fetch(
            f"""{feed}
            ORDER BY f.read, f.publish_from DESC, f.published_at DESC, f.id
            LIMIT {limit + 1}""",
            *params,
        )
        items = await notices_of(info.context, list(rows[:limit]), steward=False)

        async def count() -> int:
            return int(await pool.fetchval(f"SELECT count(*) FROM ({feed}) counted", *params))

        return NoticeConnection(
            notices=items,
            page_info=PageInfo(has_next_page=len(rows) > limit, end_cursor=None, counter=count),
        )

    @strawberry.field(
        description="已读回执: how many addressed households read a notice, and those that have not"
    )
    @lookup
    async def notice_households(
        self, info: Info[Context, None], notice_id: NoticeArg
    ) -> NoticeHouseholdsResult:
        context = info.context
        await _receipts_of(context, UUID(notice_id))
        rows = await context.pool.fetch(
            f"""SELECT a.id, a.label, r.read_at FROM notices n CROSS JOIN LATERAL ({ADDRESSED}) a
            LEFT JOIN notice_reads r ON r.notice_id = n.id AND r.unit_id = a.id
            WHERE n.id = $1 ORDER BY a.label""",
            UUID(notice_id),
        )
        unread = [r for r in rows if r["read_at"] is None]
        return NoticeHouseholds(
            notice_id=notice_id,
            households=len(rows),
            households_read=len(rows) - len(unread),
            unread=[
                NoticeHousehold(
                    unit_id=strawberry.ID(str(r["id"])), label=r["label"], read=False, read_at=None
                )
                for r in unread[:1000]
            ],
        )

    @strawberry.field(
        description="已读回执 of a notice to the committee: each member of the committee in "
        "office, and whether and when they marked it read"
    )
    @lookup
    async def notice_members(
        self, info: Info[Context, None], notice_id: NoticeArg
    ) -> NoticeMembersResult:
        context = info.context
        if await _receipts_of(context, UUID(notice_id)) != NoticeRoles.COMMITTEE.value:
            raise Refused(invalid("noticeId", "is addressed to households: read noticeHouseholds"))
        rows = await context.pool.fetch(
            f"""SELECT a.person_id, a.name, a.role, r.read_at
            FROM notices n CROSS JOIN LATERAL ({MEMBERS}) a
            LEFT JOIN notice_member_reads r ON {MEMBER_READ.format(person="a.person_id")}
            WHERE n.id = $1 ORDER BY a.place""",
            UUID(notice_id),
        )
        opened = await opener_for(context, *rows)
        readers = [
            NoticeMember(
                person_id=strawberry.ID(str(r["person_id"])),
                name=opened(r["name"], "name"),
                role=MemberRole(r["role"]),
                read=r["read_at"] is not None,
                read_at=r["read_at"],
            )
            for r in rows
        ]
        return NoticeMembers(
            notice_id=notice_id,
            members=len(readers),
            members_read=sum(reader.read for reader in readers),
            readers=readers,
        )

    @strawberry.field(description="催缴 the reminders of a community's round, by unit label")
    @lookup
    async def arrears_reminders(
        self,
        info: Info[Context, None],
        community_id: CommunityArg,
        round: str,
    ) -> ArrearsRemindersResult:
        context = info.context
        await _require(context, Action.READ_NOTICE_RECEIPTS, UUID(community_id))
        rows = await reminders_of(context, UUID(community_id), round)
        return ArrearsReminders(reminders=rows)


async def reminders_of(
    context: Context, community_id: UUID, round_label: str
) -> list[ArrearsReminder]:
    rows = await context.pool.fetch(
        """SELECT m.*, EXISTS (SELECT 1 FROM notice_reads r
                               WHERE r.notice_id = m.notice_id AND r.unit_id = m.unit_id) AS read
        FROM arrears_reminders m WHERE m.community_id = $1 AND m.round = $2
        ORDER BY m.label LIMIT 10000""",
        community_id,
        round_label,
    )
    return [
        ArrearsReminder(
            unit_id=strawberry.ID(str(r["unit_id"])),
            label=r["label"],
            owed=r["owed_fen"],
            bills=r["bills"],
            oldest_due_on=r["oldest_due_on"],
            notice_id=strawberry.ID(str(r["notice_id"])),
            issued_at=r["issued_at"],
            read=r["read"],
        )
        for r in rows
    ]
