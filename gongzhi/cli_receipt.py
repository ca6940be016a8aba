"""``gongzhi receipt``: print a receipt (收据) as PDF by its payment id or its number."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def cmd_receipt(args: argparse.Namespace) -> int:
    """打印收据 to a file (or standard output): the next copy, recorded as printed (the first
    is the original, later ones say 补打), or with ``--copy`` a copy printed before."""
    import anyio

    from gongzhi.graphql.auth import Principal, Role
    from gongzhi.graphql.fees.receipt_file import receipt_to_file

    if args.copy is not None and args.copy < 1:
        print("not printed: --copy counts from 1 (the original)", file=sys.stderr)
        return 2
    principal: Principal | str = args.token or Principal(
        subject=args.actor, name=args.actor, role=Role.PLATFORM_ADMIN
    )
    wiring = args.wiring  # gongzhi.cli_audit.Wiring, handed over by gongzhi.cli
    settings, embedded = wiring.settings()
    platform = wiring.bootstrap(settings)
    out = None if args.out == "-" else Path(args.out)

    async def run() -> Any:
        return await receipt_to_file(
            settings,
            platform.app,
            principal,
            payment=args.payment,
            number=args.number,
            copy=args.copy,
            reason=args.reason,
            out=out,
        )

    try:
        written = anyio.run(run)
    finally:
        platform.close()
        if embedded:
            embedded.close()
    if written.problem:
        print(f"not printed: {written.problem}", file=sys.stderr)
        return 1
    kind = "original" if written.copy == 1 else f"补打, copy {written.copy}"
    print(f"{args.out if out else 'stdout'}: {written.file_name} ({kind})", file=sys.stderr)
    return 0


def add_receipt_command(commands: Any, wiring: Any) -> None:
    receipt = commands.add_parser("receipt", help="打印收据: a receipt as PDF")
    which = receipt.add_mutually_exclusive_group(required=True)
    which.add_argument("--payment", help="the payment's id")
    which.add_argument("--number", help="the receipt's number (收据编号)")
    receipt.add_argument("--out", required=True, help="the PDF file to write; - for stdout")
    receipt.add_argument(
        "--copy", type=int, help="remake this copy printed before (1: the original) instead"
    )
    receipt.add_argument("--reason", default="打印收据", help="why it is printed (recorded)")
    receipt.add_argument(
        "--token", help="print as this bearer token's holder (default: as a platform operator)"
    )
    receipt.add_argument("--actor", default="cli-receipt")
    receipt.set_defaults(handler=cmd_receipt, wiring=wiring)
