"""A receipt's PDF written on this machine (``gongzhi receipt``), found by its payment id or
its number (收据编号), as the token given or an operator of the platform.

Printing runs ``printReceipt`` through the schema as the caller, as the API would (its access
rule, its reason, its record of the copy: the first is the original, every later one 补打);
``copy`` remakes a copy printed before and records nothing. Whatever is refused is said in
plain words, never as a trace."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from gongzhi.application.app import Gongzhi
from gongzhi.graphql.auth import AuthenticationFailed, Principal
from gongzhi.graphql.context import Context
from gongzhi.graphql.errors import Refused
from gongzhi.graphql.exports.files import caller_context, refusal
from gongzhi.graphql.fees.receipts import fetch_receipt, receipt_document
from gongzhi.infra.settings import Settings

PRINT = """mutation($input: PrintReceiptInput!) { printReceipt(input: $input) { __typename
    ... on ReceiptPrintPayload { copy reprint }
    ... on ValidationError { field message } ... on NotFound { field message }
    ... on Forbidden { message } ... on Conflict { message } ... on RateLimited { message }
    ... on Unavailable { message } ... on Recorded { position } } }"""
BY_NUMBER = "SELECT id FROM fee_payments WHERE receipt_number = $1"


@dataclass(frozen=True)
class ReceiptFile:
    file_name: str = ""
    copy: int = 0
    problem: str | None = None  # why no PDF was written, in plain words


async def receipt_to_file(
    settings: Settings,
    app: Gongzhi,
    principal: Principal | str,
    *,
    payment: str | None,
    number: str | None,
    copy: int | None,
    reason: str,
    out: Path | None,
) -> ReceiptFile:
    """Print (or, with ``copy``, remake) the receipt and write its PDF to ``out``, whole or
    not at all; ``None`` writes it to standard output (``| lp``)."""
    try:
        async with caller_context(settings, app, principal) as context:
            payment_id = await _payment_id(context, payment, number)
            if isinstance(payment_id, str):
                return ReceiptFile(problem=payment_id)
            if copy is None:
                printed = await _print(context, payment_id, reason)
                if isinstance(printed, str):
                    return ReceiptFile(problem=printed)
                copy = printed
            try:
                document = await receipt_document(
                    context, {"paymentId": str(payment_id), "copy": str(copy)}
                )
            except Refused as refused:
                return ReceiptFile(problem=refusal(refused))
    except AuthenticationFailed as failure:
        return ReceiptFile(problem=str(failure))
    if out is None:
        sys.stdout.buffer.write(document.content)
        sys.stdout.buffer.flush()
    else:
        part = out.with_name(out.name + ".part")
        part.write_bytes(document.content)
        os.replace(part, out)
    return ReceiptFile(document.name, copy)


async def _payment_id(context: Context, payment: str | None, number: str | None) -> UUID | str:
    """The payment named, or what is wrong with the name."""
    if number is not None:
        found = await context.pool.fetchval(BY_NUMBER, number.strip().upper())
        # The same answer whether no such number exists or it is not the caller's to read.
        unknown = f"no receipt numbered {number} that you may read"
        if found is None:
            return unknown
        try:
            await fetch_receipt(context, found)
        except Refused:
            return unknown
        return UUID(str(found))
    try:
        return UUID(str(payment))
    except ValueError:
        return f"{payment} is not a payment id (a UUID); give --number for a 收据编号"


async def _print(context: Context, payment_id: UUID, reason: str) -> int | str:
    """The copy ``printReceipt`` recorded, or why it did not."""
    from gongzhi.graphql.schema import schema  # the schema holds this module's caller

    variables = {"input": {"paymentId": str(payment_id), "reason": reason}}
    result = await schema.execute(PRINT, variables, context_value=context)
    if result.errors:
        return "; ".join(error.message for error in result.errors)
    assert result.data is not None
    answer = result.data["printReceipt"]
    kind = answer["__typename"]
    if kind == "ReceiptPrintPayload":
        return int(answer["copy"])
    if kind == "Recorded":
        return (
            "the copy was recorded, but the platform's views did not show it in time (is "
            "the projector running: gongzhi run or gongzhi project?); remake it later with "
            "--copy and the copy's number from the receipt's prints"
        )
    field = answer.get("field")
    return f"{kind}: {field + ' ' if field else ''}{answer['message']}"
