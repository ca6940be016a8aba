"""`gongzhi receipt` run as a user runs it, on the test's database (its views kept by the
test's projector): a receipt printed by payment id or by number, a reprint says 补打, a copy
remade records nothing, and every refusal is a plain sentence with exit status 1."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from uuid import uuid4

from pypdf import PdfReader

from gongzhi.graphql.auth import Principal, Role, issue_token
from tests.e2e.conftest import ROOT, process_env
from tests.integration.conftest import Api
from tests.integration.test_graphql_fees import billed_estate, pay
from tests.integration.test_graphql_receipts import receipt


def gongzhi(api: Api, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "gongzhi.cli", "receipt", *args],
        env=process_env(api.settings),
        cwd=ROOT,
        capture_output=True,
        timeout=120,
        check=False,
    )


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_receipt_is_printed_by_payment_or_number_and_a_reprint_says_so(
    api: Api, tmp_path: Path
) -> None:
    e = billed_estate(api)
    paid = pay(api, e, "101", 50_000, "wx-cli")
    number = paid["receiptNumber"]
    first = tmp_path / "收据.pdf"

    # By payment id: the original, recorded as printed by the CLI's operator
    done = gongzhi(api, "--payment", paid["paymentId"], "--out", str(first))
    assert done.returncode == 0, done.stderr.decode()
    assert f"收据-{number}.pdf (original)" in done.stderr.decode()
    original = text_of(first.read_bytes())
    assert number in original and "500.00" in original and "伍佰元整" in original
    assert "补打" not in original

    # By number, to standard output: the second copy, a 补打
    again = gongzhi(api, "--number", number.lower(), "--out", "-", "--reason", "住户遗失")
    assert again.returncode == 0, again.stderr.decode()
    assert again.stdout.startswith(b"%PDF")
    assert "补打" in text_of(again.stdout)
    prints = receipt(api, paid["paymentId"], e.staff)["prints"]
    assert [(p["copy"], p["reprint"], p["actor"]) for p in prints] == [
        (1, False, "cli-receipt"),
        (2, True, "cli-receipt"),
    ]

    # A copy remade: the original again, nothing recorded
    remade = gongzhi(api, "--number", number, "--copy", "1", "--out", "-")
    assert remade.returncode == 0, remade.stderr.decode()
    assert "补打" not in text_of(remade.stdout)
    assert len(receipt(api, paid["paymentId"], e.staff)["prints"]) == 2


def test_what_cannot_be_printed_is_said_in_plain_words(api: Api, tmp_path: Path) -> None:
    e = billed_estate(api)
    paid = pay(api, e, "101", 1000, "wx-cli-refused")
    out = tmp_path / "收据.pdf"
    stranger = issue_token(
        api.settings.jwt_secret,
        Principal(subject="staff-9", role=Role.COMPANY_STAFF, company_id=uuid4()),
    )
    cases = [
        (
            ["--number", "NOPE-2026-000001"],
            "no receipt numbered NOPE-2026-000001 that you may read",
        ),
        (["--payment", "42"], "42 is not a payment id (a UUID); give --number for a 收据编号"),
        (["--payment", paid["paymentId"], "--copy", "3"], "copy 3 of this receipt was not printed"),
        (["--number", paid["receiptNumber"], "--token", stranger], "no receipt numbered"),
        (["--payment", paid["paymentId"], "--token", "not-a-token"], "the token is not valid"),
    ]
    for args, said in cases:
        refused = gongzhi(api, *args, "--out", str(out))
        stderr = refused.stderr.decode()
        assert refused.returncode == 1, (args, stderr)
        assert said in stderr, (args, stderr)
        assert stderr.startswith("not printed: ") and "Traceback" not in stderr
        assert not out.exists()
    # nothing was printed by any of them
    assert receipt(api, paid["paymentId"], e.staff)["prints"] == []
