"""对账 at its bound: a channel statement of 50,000 payments imported and reconciled.

The day: ``--rows`` payments booked on the sandbox channel of one community, written straight
into the fee view (``fee_payments``: the reconciliation reads the payments booked from it
and nothing else, so booking them through 收款 one by one would time the payments, not the
reconciliation). The statement: the sandbox's 交易账单 (WeChat Pay's layout) of the day,
with 1% of the booked payments missing from it, 1% of its lines not booked and 1% of other
amounts.

Timed: ``importPaymentStatement``'s handler (decode the file, read and check every row, read
the payments booked, reconcile, record the reconciliation: its items in events of 1,000, one
transaction), then the projection of its rows. Anchor, in the same run: reading the same
file into rows with ``gongzhi.infra.tabular.read_table`` alone (what the roster import's
reading costs). CSV and XLSX each.

    python -m bench.bench_reconciliation [--rows 50000]
"""

from __future__ import annotations

import argparse
import base64
import time
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert

from bench.dataset import BENCH_META, open_platform
from bench.support import temporary_database
from gongzhi.application.base import business_today
from gongzhi.application.reconciliation import ImportPaymentStatement, StatementFileFormat
from gongzhi.domain.community import Community
from gongzhi.domain.payment import PaymentChannel
from gongzhi.domain.reconciliation import Reconciliation
from gongzhi.infra.statements import Transaction, sandbox_statement
from gongzhi.infra.tabular import read_table
from gongzhi.projections.fees import fee_payments


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_reconciliation")
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args(argv)
    rows = args.rows
    day = business_today()
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC) - timedelta(hours=8)
    with temporary_database("gongzhi_bench_reconcile") as pg:
        platform = open_platform(pg.url())
        try:
            app = platform.app
            community = Community.register(
                name="对账小区",
                district="红塔区",
                street="玉兴街道",
                registered_on=date(2020, 1, 1),
            )
            app.record(BENCH_META, community)
            unit = uuid.uuid4()
            booked, on_statement = [], []
            for n in range(rows):
                txn, at = f"42000{n:010d}", start + timedelta(seconds=n % 86_000)
                amount = 10_000 + n % 5_000
                if n % 100 != 1:  # 1%: on the statement, not booked
                    booked.append(
                        {
                            "id": uuid.uuid4(),
                            "community_id": community.id,
                            "unit_id": unit,
                            "channel": "SANDBOX",
                            "transaction_id": txn,
                            "amount_fen": amount,
                            "received_on": day,
                            "receipt_number": None,
                        }
                    )
                if n % 100 != 2:  # 1%: booked, not on the statement
                    differs = 100 if n % 100 == 3 else 0  # 1%: another amount
                    on_statement.append(Transaction(txn, "", amount + differs, at))
            with platform.engine.begin() as conn:
                conn.execute(insert(fee_payments), booked)
            runner = platform.projection_runner()
            runner.catch_up()
            for file_format in ("CSV", "XLSX"):
                content = sandbox_statement(day, on_statement, file_format)
                began = time.perf_counter()
                read_table(content, file_format, max_rows=rows + 10)
                anchor = time.perf_counter() - began
                command = ImportPaymentStatement(
                    community_id=community.id,
                    channel=PaymentChannel.SANDBOX,
                    day=day,
                    format=StatementFileFormat(file_format),
                    content=base64.b64encode(content).decode(),
                )
                began = time.perf_counter()
                done = app.import_payment_statement(BENCH_META, command)
                imported = time.perf_counter() - began
                began = time.perf_counter()
                runner.catch_up()
                projected = time.perf_counter() - began
                r = app.repository.get(done.id)
                assert isinstance(r, Reconciliation)
                kinds: dict[str, int] = {}
                for item in r.items:
                    kinds[item.kind.value] = kinds.get(item.kind.value, 0) + 1
                print(
                    f"RESULT {file_format} {len(content) / 2**20:.1f} MiB, "
                    f"{len(on_statement):,} lines: import {imported:.2f} s, its rows projected "
                    f"in {projected:.2f} s; anchor read_table {anchor:.2f} s; "
                    f"ratio import/anchor {imported / anchor:.1f}; items {kinds}"
                )
        finally:
            platform.close()


if __name__ == "__main__":
    main()
