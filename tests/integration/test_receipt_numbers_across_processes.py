"""收据编号 under a burst from several API processes at once, on PostgreSQL: every payment is
recorded, numbered 1..N with no gap and no number twice, none refused; the book is queued on
across processes by its advisory lock, whose wait is bounded."""

from __future__ import annotations

import logging
import multiprocessing
import threading
from dataclasses import replace
from typing import Any
from uuid import UUID

import psycopg
import pytest

from gongzhi.application.base import business_today
from gongzhi.application.fee_payments import RecordPayment
from gongzhi.bootstrap import Platform
from gongzhi.domain.payment import PaymentChannel
from gongzhi.domain.receipt_book import receipt_book_id
from gongzhi.infra.eventstore import WriteTimedOut
from gongzhi.infra.settings import Settings
from tests.integration.conftest import Api
from tests.integration.test_graphql_fees import META, billed_estate, pay
from tests.integration.test_graphql_receipts import prefix

PROCESSES = 4
THREADS = 4
UNITS = ("101", "201", "301", "401")


def _cash(community: str, unit: str, amount_fen: int) -> RecordPayment:
    return RecordPayment(
        community_id=UUID(community),
        unit_id=UUID(unit),
        channel=PaymentChannel.CASH,
        amount_fen=amount_fen,
    )


class _LostRaces(logging.Handler):
    """Counts the saves that lost a race in the store and were run again."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += "lost a race" in record.getMessage()


def _api_process(
    settings: Settings, community: str, units: list[str], start: Any, answers: Any
) -> None:
    """One API process: its own platform (pools, caches, in-process locks), ``THREADS``
    requests recording a cash payment each as soon as every process is ready."""
    platform = Platform(settings)
    lost = _LostRaces()
    logging.getLogger("gongzhi.application.base").addHandler(lost)
    logging.getLogger("gongzhi.application.base").setLevel(logging.INFO)

    def request(n: int) -> None:
        start.wait()
        try:
            done = platform.app.record_payment(META, _cash(community, units[n % len(units)], 100))
            answers.put(("ok", str(done.id)))
        except BaseException as error:  # the parent's assertion names it
            answers.put(("error", repr(error)))

    threads = [threading.Thread(target=request, args=(n,)) for n in range(THREADS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        platform.close()
    answers.put(("lost races", lost.count))


def test_a_burst_from_several_processes_is_numbered_without_gap_duplicate_or_error(
    api: Api,
) -> None:
    # Given four API processes of the one company, four requests in each
    e = billed_estate(api)
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(PROCESSES * THREADS)
    answers = spawn.Queue()
    units = [e.units[u] for u in UNITS]
    processes = [
        spawn.Process(target=_api_process, args=(api.settings, e.community, units, start, answers))
        for _ in range(PROCESSES)
    ]
    # When all sixteen record a payment at the same moment
    for process in processes:
        process.start()
    got = [answers.get(timeout=120) for _ in range(PROCESSES * (THREADS + 1))]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    # Then none was refused, none even lost a race and ran again (they queued for the
    # book), and the numbers are 1..16: none skipped, none twice
    assert [answer for answer in got if answer[0] == "error"] == []
    assert [answer for answer in got if answer[0] == "lost races"] == [("lost races", 0)] * 4
    got = [answer for answer in got if answer[0] == "ok"]
    app = api.platform.app
    numbers = sorted(app.repository.get(UUID(answer[1])).receipt_number for answer in got)
    assert numbers == [f"{prefix(api, e)}{n:06d}" for n in range(1, PROCESSES * THREADS + 1)]


def _advisory_key(book: UUID) -> int:
    key = book.int >> 64
    return key - (1 << 64) if key >= 1 << 63 else key


def _waiting_for(conn: psycopg.Connection[Any], key: int) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
        "AND ((classid::bigint << 32) | objid::bigint) = %s",
        (key,),
    ).fetchone()
    return bool(row and row[0])


def test_a_payment_waits_for_the_book_held_by_another_process_then_takes_the_next_number(
    api: Api,
) -> None:
    # Given the company's receipt book of this year held by another session (a payment
    # being recorded by another process)
    e = billed_estate(api)
    first = pay(api, e, "101", 100, "wx-first")
    key = _advisory_key(receipt_book_id(UUID(e.company), business_today().year))
    url = api.platform.pg.url()
    answers: list[Any] = []
    with psycopg.connect(url, autocommit=True) as holder, psycopg.connect(url) as watcher:
        holder.execute("SELECT pg_advisory_lock(%s)", (key,))
        watcher.autocommit = True
        # When a payment is recorded meanwhile
        paying = threading.Thread(
            target=lambda: answers.append(
                api.platform.app.record_payment(META, _cash(e.community, e.units["201"], 200))
            )
        )
        paying.start()
        # Then it waits for the book (seen waiting on its lock), saving nothing
        while not _waiting_for(watcher, key):
            assert paying.is_alive(), answers
        assert answers == []
        # and once the other is done, takes the next number
        holder.execute("SELECT pg_advisory_unlock(%s)", (key,))
        paying.join(timeout=30)
    assert len(answers) == 1
    numbers = [
        api.platform.app.repository.get(UUID(p)).receipt_number
        for p in (first["paymentId"], str(answers[0].id))
    ]
    assert numbers == [prefix(api, e) + "000001", prefix(api, e) + "000002"]


def test_a_book_held_past_the_write_timeout_refuses_the_payment_as_busy(api: Api) -> None:
    # Given a platform whose saves wait one second at most, and the book held meanwhile
    e = billed_estate(api)
    pay(api, e, "101", 100, "wx-first")
    quick = Platform(replace(api.settings, write_timeout=1))
    key = _advisory_key(receipt_book_id(UUID(e.company), business_today().year))
    try:
        with psycopg.connect(api.platform.pg.url(), autocommit=True) as holder:
            holder.execute("SELECT pg_advisory_lock(%s)", (key,))
            # When a payment is recorded, it is refused as busy (to be sent again), not
            # left waiting
            with pytest.raises(WriteTimedOut):
                quick.app.record_payment(META, _cash(e.community, e.units["201"], 200))
    finally:
        quick.close()
    # and once the book is free, the next payment takes the next number: none was used
    again = pay(api, e, "201", 200, "wx-again")
    assert again["receiptNumber"] == prefix(api, e) + "000002"
