"""The reseal's record, as the chain's verifier finds it in the log (by topic, without
importing the domain), and the digest that proves a rewrite changed only the sealed paths."""

from __future__ import annotations

import psycopg
from eventsourcing.persistence import ProgrammingError
from eventsourcing.utils import get_topic

from gongzhi.cli_audit import _privilege_refused
from gongzhi.domain.reseal import Reseal
from gongzhi.infra.audit_chain import RESEAL_TOPIC, blanked_digest


def test_the_verifier_finds_the_reseals_record_by_its_topic() -> None:
    assert get_topic(Reseal.Recorded) == RESEAL_TOPIC


def test_a_rewrite_proves_only_the_paths_it_names_changed() -> None:
    before = b'{"mediator":"\xe7\x8e\x8b","attendees":["a","b"],"notes":"n"}'
    after = b'{"mediator":"pd1:xyz","attendees":["a","pd1:q"],"notes":"n"}'
    paths = [("mediator",), ("attendees", 1)]
    # The same digest once the sealed paths are blanked
    assert blanked_digest(before, paths) == blanked_digest(after, paths) is not None
    # but not when anything else changed, or a path is left out, or names nothing
    assert blanked_digest(after.replace(b'"n"', b'"m"'), paths) != blanked_digest(before, paths)
    assert blanked_digest(after, paths[:1]) != blanked_digest(before, paths[:1])
    assert blanked_digest(after, [("attendees", 5)]) is None


def test_a_privilege_refusal_is_recognised_however_the_library_wrapped_it() -> None:
    # The event store wraps psycopg's errors in its own: the reseal still says why it stopped.
    try:
        try:
            raise psycopg.errors.InsufficientPrivilege("permission denied for table")
        except psycopg.Error as refused:
            raise ProgrammingError(str(refused)) from refused
    except ProgrammingError as wrapped:
        assert _privilege_refused(wrapped)
    assert not _privilege_refused(ProgrammingError("syntax error"))
