"""重新加密 records written before sealing (issue 12 §1): ``gongzhi reseal`` rewrites the stored
events that hold declared personal values in clear with those values sealed, records which
events it rewrote and how in the log, and the hash chain accepts exactly those rewrites: a
checkpoint kept from before still proves, an edit of a resealed event or of the reseal's own
record is still named."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import psycopg
from eventsourcing.persistence import EventStore

from gongzhi.application.base import Meta
from gongzhi.application.owners import RegisterPerson
from gongzhi.bootstrap import Platform
from gongzhi.cli_audit import reseal_log
from gongzhi.domain.dispute import Dispute, DisputeParty
from gongzhi.domain.person import Person
from gongzhi.infra.audit_chain import EDITED, RESEAL_TOPIC, verify_chain
from gongzhi.infra.audit_keys import AuditKey
from gongzhi.infra.audit_seal import make_checkpoint, verify_checkpoint
from tests.integration.test_personal_data import clear_values_found

META = Meta(actor="admin-1", reason="存量个人信息加密", actor_role="PLATFORM_ADMIN")
NAME, PHONE = "夏侯知秋", "13655551234"
PARTIES = ("百里青禾", "钟离暮雪")
MEDIATOR, ATTENDEE = "万俟守拙", "东郭远山"
CLEAR = {NAME, PHONE, *PARTIES, MEDIATOR, ATTENDEE}


def recorded_before_sealing(platform: Platform) -> tuple[UUID, UUID]:
    """A person and a mediated dispute, stored in clear as the earlier platform stored them
    (through the same recorder and chain, without the sealing mapper)."""
    person = Person.register(name=NAME, phone=PHONE)
    dispute = Dispute.open(
        community_id=uuid4(),
        subject="漏水纠纷",
        parties=[DisputeParty(name, "OWNER") for name in PARTIES],
        opened_on=date(2025, 3, 1),
    )
    dispute.hold_mediation(
        held_on=date(2025, 3, 5), mediator=MEDIATOR, attendees=[ATTENDEE], notes="双方同意"
    )
    events = [*person.collect_events(), *dispute.collect_events()]
    for event in events:
        event.__dict__["meta"] = {"actor": "admin-1", "actor_role": "", "reason": "旧数据"}
    EventStore(mapper=platform.app.log_mapper(), recorder=platform.app.recorder).put(events)
    return person.id, dispute.id


def test_reseal_seals_old_clear_records_and_verify_accepts_exactly_the_recorded_rewrites(
    platform: Platform,
) -> None:
    # Given a person and a dispute recorded in clear, a later event, and a checkpoint kept
    person, dispute = recorded_before_sealing(platform)
    platform.app.register_person(META, RegisterPerson(name="新登记"))
    platform.projection_runner().catch_up()
    assert "gongzhi_events.state" in clear_values_found(platform, CLEAR)
    key = AuditKey(platform.settings.audit_signing_key)
    conn = psycopg.connect(platform.pg.url(), autocommit=True)
    kept = make_checkpoint(conn, key, "业委会", "换届前封存")
    assert kept is not None

    # When the log is resealed and the views rebuilt
    report = reseal_log(platform.app, META)
    platform.projection_runner().rebuild()

    # Then the three events written in clear were rewritten, none left unproved
    assert len(report.rewritten) == 3 and report.unproved == []
    # and nothing of them is stored in clear anywhere: not the log, not a view
    assert clear_values_found(platform, CLEAR) == []
    # and the records still read as recorded, the phone still matches by its keyed hash
    assert platform.app.repository.get(person).name == NAME
    loaded = platform.app.repository.get(dispute)
    assert [p["name"] for p in loaded.parties] == list(PARTIES)
    mediation = platform.app.recorder.select_events(dispute)[-1]
    assert b"pd1:" in mediation.state and MEDIATOR.encode() not in mediation.state
    assert platform.app.sealing.persons_with_phones([PHONE]) == {PHONE: [person]}
    # and the chain verifies, with exactly the rewritten events accepted as resealed
    verified = verify_chain(conn)
    assert verified.intact and list(verified.resealed) == report.rewritten
    # and the checkpoint kept from before still proves the log up to it
    assert verify_checkpoint(conn, kept.checkpoint, key.public_key).valid
    # and a second run finds nothing left to seal
    assert reseal_log(platform.app, META).rewritten == []

    # When a resealed event is edited afterwards
    target = report.rewritten[1]
    original = conn.execute(
        "SELECT state FROM gongzhi_events WHERE notification_id = %s", (target,)
    ).fetchone()
    assert original is not None
    conn.execute(
        "UPDATE gongzhi_events SET state = "
        "convert_to(replace(convert_from(state, 'UTF8'), '漏水', '噪音'), 'UTF8') "
        "WHERE notification_id = %s",
        (target,),
    )
    # Then verify names it, as it names any edit
    broken = verify_chain(conn).broken
    assert broken is not None and (broken.position, broken.problem) == (target, EDITED)
    conn.execute(
        "UPDATE gongzhi_events SET state = %s WHERE notification_id = %s", (original[0], target)
    )
    assert verify_chain(conn).intact

    # When the reseal's own record is altered (to vouch for something else)
    reseal = conn.execute(
        "SELECT notification_id FROM gongzhi_events WHERE topic = %s", (RESEAL_TOPIC,)
    ).fetchone()
    assert reseal is not None
    conn.execute(
        "UPDATE gongzhi_events SET state = "
        "convert_to(replace(convert_from(state, 'UTF8'), '\"paths\"', '\"paths\" '), 'UTF8') "
        "WHERE notification_id = %s",
        (reseal[0],),
    )
    # Then verify names the reseal's position, also when asked to stop at the checkpoint
    broken = verify_chain(conn).broken
    assert broken is not None and broken.position == reseal[0]
    verdict = verify_checkpoint(conn, kept.checkpoint, key.public_key)
    assert not verdict.valid and verdict.broken is not None
    assert verdict.broken.position == reseal[0]
    conn.close()
