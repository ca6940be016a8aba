"""个人信息 in snapshots (issue 12 §1, second pass): a committee's snapshot holds its 筹备组,
candidates' and members' names sealed as its events do, so that no copy of the state keeps them
in clear, an erasure reaches the snapshot too, and ``gongzhi reseal`` retakes the snapshots
taken in clear before."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

import psycopg
from eventsourcing.persistence import EventStore

from gongzhi.application.base import Meta, business_today
from gongzhi.application.committees import (
    AppointInterimCommittee,
    CommitteeMember,
    FormPreparatoryGroup,
    NominateCommitteeCandidate,
)
from gongzhi.application.communities import RegisterCommunity
from gongzhi.application.owners import ErasePerson, RegisterPerson
from gongzhi.application.snapshots import GongzhiSnapshot
from gongzhi.bootstrap import Platform
from gongzhi.cli_audit import reseal_log
from gongzhi.domain.committee import Committee
from gongzhi.domain.committee_rules import MemberRole
from gongzhi.domain.person import ERASED_NAME
from tests.integration.test_personal_data import clear_values_found

META = Meta(actor="admin-1", reason="快照个人信息测试", actor_role="PLATFORM_ADMIN")
ERASED, KEPT, THIRD, GROUP = "宇文听澜", "公孙望舒", "濮阳知白", "筹备组长闻人远"
NAMES = {ERASED, KEPT, THIRD, GROUP}


def committees(platform: Platform) -> tuple[UUID, UUID, UUID]:
    """An interim committee whose members are three registered persons, and another
    community's committee in preparation (its 筹备组 in free text, one candidate)."""
    app = platform.app

    def community(name: str) -> UUID:
        return app.register_community(
            META, RegisterCommunity(name=name, district="红塔区", street="玉兴街道")
        ).id

    erased = app.register_person(META, RegisterPerson(name=ERASED, phone="13612340001")).id
    kept = app.register_person(META, RegisterPerson(name=KEPT)).id
    third = app.register_person(META, RegisterPerson(name=THIRD)).id
    interim = app.appoint_interim_committee(
        META,
        AppointInterimCommittee(
            community_id=community("澜园"),
            appointed_on=date(2026, 6, 1),
            term_ends_on=date(2028, 5, 31),
            members=[
                CommitteeMember(erased, ERASED, MemberRole.DIRECTOR),
                CommitteeMember(kept, KEPT, MemberRole.DEPUTY_DIRECTOR),
                CommitteeMember(third, THIRD, MemberRole.MEMBER),
            ],
        ),
    ).id
    preparing = app.form_preparatory_group(
        META, FormPreparatoryGroup(community_id=community("望园"), group_members=[GROUP])
    ).id
    app.nominate_committee_candidate(
        META,
        NominateCommitteeCandidate(
            committee_id=preparing, person_id=erased, name=ERASED, nominated_on=business_today()
        ),
    )
    return erased, interim, preparing


def from_snapshot(platform: Platform, committee: UUID) -> Any:
    """The committee as its latest snapshot holds it (not replayed from its events)."""
    assert platform.app.snapshots is not None
    snapshot = next(iter(platform.app.snapshots.get(committee, desc=True, limit=1)))
    return snapshot.mutate(None)


def names_of(committee: Any) -> dict[str, Any]:
    return {
        "members": [m.name for m in committee.members],
        "candidates": sorted(committee.candidates.values()),
        "group": list(committee.group_members),
    }


def test_a_committee_snapshot_holds_names_sealed_and_an_erasure_reaches_it(
    platform: Platform,
) -> None:
    # Given committees naming persons and a 筹备组, snapshotted
    erased, interim, preparing = committees(platform)
    platform.app.take_snapshot(interim)
    platform.app.take_snapshot(preparing)
    platform.projection_runner().catch_up()

    # Then no name is stored in clear anywhere, the snapshots' table included
    assert clear_values_found(platform, NAMES) == []
    # and the snapshots read back the names
    assert names_of(from_snapshot(platform, interim))["members"] == [ERASED, KEPT, THIRD]
    assert names_of(from_snapshot(platform, preparing)) == {
        "members": [],
        "candidates": [ERASED],
        "group": [GROUP],
    }

    # When the member is erased
    platform.app.erase_person(META, ErasePerson(person_id=erased, requested_by_person=True))

    # Then the snapshots read the member as erased, the other names as they were
    assert names_of(from_snapshot(platform, interim))["members"] == [ERASED_NAME, KEPT, THIRD]
    assert names_of(from_snapshot(platform, preparing))["candidates"] == [ERASED_NAME]
    assert names_of(from_snapshot(platform, preparing))["group"] == [GROUP]
    # and a snapshot taken after the erasure holds the name as erased, not in clear
    with psycopg.connect(platform.pg.url(), autocommit=True) as conn:
        conn.execute("DELETE FROM gongzhi_snapshots WHERE originator_id = %s", (interim,))
    platform.app.take_snapshot(interim)
    assert names_of(from_snapshot(platform, interim))["members"] == [ERASED_NAME, KEPT, THIRD]
    assert clear_values_found(platform, {ERASED}) == []


def test_reseal_retakes_a_snapshot_taken_in_clear(platform: Platform) -> None:
    # Given committee snapshots stored in clear, as they were before snapshots were sealed
    _, interim, preparing = committees(platform)
    app = platform.app
    assert app.snapshots is not None
    clear = EventStore(mapper=app.log_mapper(), recorder=app.snapshots.recorder)
    clear.put([GongzhiSnapshot.take(app.load(Committee, c, "id")) for c in (interim, preparing)])
    assert clear_values_found(platform, NAMES) == ["gongzhi_snapshots.state"]

    # When the log is resealed
    report = reseal_log(app, META)

    # Then both snapshots were taken again, sealed, and read the same
    assert report.snapshots == 2
    assert clear_values_found(platform, NAMES) == []
    assert names_of(from_snapshot(platform, interim))["members"] == [ERASED, KEPT, THIRD]
    assert names_of(from_snapshot(platform, preparing))["group"] == [GROUP]
    # and a second run finds none left
    assert reseal_log(app, META).snapshots == 0


def test_a_snapshot_whose_record_has_no_key_yet_is_not_taken(platform: Platform) -> None:
    # Given a committee in preparation recorded in clear before sealing (its record has no
    # data key until `gongzhi reseal` makes one)
    app = platform.app
    committee = Committee.form_preparatory_group(
        community_id=uuid4(),
        terms=[],
        group_members=[GROUP],
        formed_on=date(2025, 3, 1),
        today=date(2025, 3, 1),
    )
    events = committee.collect_events()
    for event in events:
        event.__dict__["meta"] = {"actor": "admin-1", "actor_role": "", "reason": "旧数据"}
    EventStore(mapper=app.log_mapper(), recorder=app.recorder).put(events)

    # When a snapshot of it is due
    app.take_snapshot(committee.id)

    # Then none is taken (never one in clear), and the committee still loads from its events
    assert app.snapshots is not None
    assert list(app.snapshots.get(committee.id)) == []
    assert app.repository.get(committee.id).group_members == [GROUP]
