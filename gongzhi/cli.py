"""gongzhi: the one entry point (run, serve, project, work, schedule, demo, export, receipt,
token, schema)."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from gongzhi.infra.embedded import EmbeddedServers
from gongzhi.infra.settings import ConfigurationError, Settings

log = logging.getLogger("gongzhi")

PROCESSES = ("serve", "project", "work", "schedule")


def _settings() -> tuple[Settings, EmbeddedServers | None]:
    """Settings with every URL filled in; embedded servers are started when one is missing."""
    from gongzhi.bootstrap import resolve_urls

    settings = Settings.from_env()
    embedded = None
    if settings.database_url is None or settings.broker_url is None:
        embedded = EmbeddedServers(settings.data_dir)
    return resolve_urls(settings, embedded), embedded


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from gongzhi.bootstrap import bootstrap
    from gongzhi.graphql.app import create_app

    settings, embedded = _settings()
    # Served where asked: the address the sandbox's cashier and the notify URL are built on.
    settings = replace(
        settings,
        http_host=args.host or settings.http_host,
        http_port=args.port or settings.http_port,
    )
    platform = bootstrap(settings)
    # The API reads with asyncpg and writes through the event store: the connection the
    # migration opened is not kept for the process's lifetime (the connection budget).
    platform.engine.dispose()
    try:
        app = create_app(settings, platform.app)
        uvicorn.run(
            app,
            host=settings.http_host,
            port=settings.http_port,
            log_level="warning",
        )
    finally:
        platform.close()
        if embedded:
            embedded.close()
    return 0


def cmd_project(args: argparse.Namespace) -> int:
    from gongzhi.bootstrap import bootstrap
    from gongzhi.infra.broker import make_broker
    from gongzhi.workers.outbox import outbox_relay

    settings, embedded = _settings()
    platform = bootstrap(settings)
    # Start-up objects live as long as the process: keep them out of every full collection
    # (a fifth of catch-up time otherwise; see BENCHMARKS.md).
    gc.freeze()
    try:
        assert settings.broker_url
        broker = make_broker(settings.broker_url, settings.broker_namespace)
        relay = outbox_relay(platform.engine, broker)
        runner = platform.projection_runner(after_commit=relay, batch_size=args.batch_size)
        if args.rebuild:
            started = time.monotonic()
            count = runner.rebuild(progress=_progress("rebuilt"))
            print(f"\nrebuilt views from {count} events in {time.monotonic() - started:.1f}s")
            return 0
        if args.once:
            print(f"projected {runner.catch_up()} events")
            return 0
        stop = _stop_on_signals()
        runner.run(stop, poll_interval=args.poll_interval)
    finally:
        platform.close()
        if embedded:
            embedded.close()
    return 0


def cmd_work(args: argparse.Namespace) -> int:
    from gongzhi.workers.main import run_worker

    settings, embedded = _settings()
    try:
        return run_worker(
            settings,
            processes=args.processes,
            threads=args.threads,
            namespace=settings.broker_namespace,
        )
    finally:
        if embedded:
            embedded.close()


def cmd_schedule(_: argparse.Namespace) -> int:
    from gongzhi.workers.scheduler import run_scheduler

    settings, embedded = _settings()
    try:
        run_scheduler(settings, _stop_on_signals(), namespace=settings.broker_namespace)
    finally:
        if embedded:
            embedded.close()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from gongzhi.bootstrap import bootstrap
    from gongzhi.demo import load_demo

    settings, embedded = _settings()
    platform = bootstrap(settings)
    try:
        summary = load_demo(
            platform.app, communities=args.communities, progress=_progress("communities")
        )
        print(f"\nloaded {len(summary.communities)} communities, {summary.units} units")
    finally:
        platform.close()
        if embedded:
            embedded.close()
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """花名册导入 from the command line: a dry run unless --apply; exit 1 on any bad row."""
    from pathlib import Path

    from gongzhi.application.base import Meta
    from gongzhi.application.roster import plan_file
    from gongzhi.bootstrap import bootstrap
    from gongzhi.domain.errors import DomainError
    from gongzhi.infra.tabular import read_table

    path = Path(args.file)
    file_format = args.format or ("XLSX" if path.suffix.lower() in {".xlsx", ".xlsm"} else "CSV")
    try:
        plan, rows = plan_file(path.read_bytes(), file_format, read_table)
    except DomainError as error:
        print(f"cannot read {path}: {error.message}")
        return 2
    print(f"{path}: {rows} rows, {len(plan.units)} units")
    settings, embedded = _settings()
    platform = bootstrap(settings)
    try:
        meta = Meta(actor=args.actor, reason=args.reason, actor_role="PLATFORM_ADMIN")
        report = platform.app.apply_roster(
            meta,
            UUID(args.community),
            plan,
            rows=rows,
            dry_run=not args.apply,
            progress=_bar(len(plan.units)),
        )
    finally:
        platform.close()
        if embedded:
            embedded.close()
    print()
    for problem in report.problems:
        print(f"  line {problem.line}, {problem.field}: {problem.message}")
    if report.problems:
        print(f"{len(report.problems)} problems: nothing imported")
        return 1
    if not report.imported:
        print("dry run: every row is good; run again with --apply to import")
        return 0
    print(
        f"imported {report.units_added} units, {report.buildings_added} buildings, "
        f"{report.entrances_added} entrances, {report.owners_registered} owners"
    )
    return 0


def cmd_bill(args: argparse.Namespace) -> int:
    """计费 from the command line: one community, or every community of a district."""
    from sqlalchemy import select

    from gongzhi.application.base import Meta
    from gongzhi.application.billing import RunBilling
    from gongzhi.bootstrap import bootstrap
    from gongzhi.domain.errors import DomainError
    from gongzhi.projections.communities import communities

    settings, embedded = _settings()
    platform = bootstrap(settings)
    try:
        if args.community:
            ids = [UUID(args.community)]
        else:
            with platform.engine.connect() as conn:
                query = select(communities.c.id).where(communities.c.district == args.district)
                ids = [row.id for row in conn.execute(query.order_by(communities.c.name))]
        meta = Meta(actor=args.actor, reason=args.reason, actor_role="PLATFORM_ADMIN")
        status = 0
        for community_id in ids:
            units = len(platform.app.community(community_id).unit_index)
            print(f"{community_id} {args.period}: {units} units")
            try:
                report = platform.app.run_billing(
                    meta,
                    RunBilling(community_id, args.period),
                    batch_size=args.batch_size,
                    progress=_bar(units),
                )
            except DomainError as error:
                print(f"  not billed: {error.field}: {error.message}")
                status = 1
                continue
            print()
            if report.nothing_new:
                print(f"  billed before: nothing new ({report.bills_total} bills)")
            else:
                print(
                    f"  {report.bills_created} bills created ({report.bills_total} in all, "
                    f"{report.amount_fen} fen), {report.units_already_covered} units covered "
                    "by an earlier, interrupted run"
                )
    finally:
        platform.close()
        if embedded:
            embedded.close()
    return status


def cmd_export(args: argparse.Namespace) -> int:
    """导出 to a file: the rows of the query the export mirrors, as the token given (or as
    an operator of the platform), with a progress bar on stderr."""
    from pathlib import Path

    import anyio

    from gongzhi.graphql.auth import Principal, Role
    from gongzhi.graphql.exports.catalogue import ExportKind
    from gongzhi.graphql.exports.files import export_to_file
    from gongzhi.graphql.exports.writers import ExportFormat

    kind = ExportKind(args.what.upper().replace("-", "_"))
    file_format = ExportFormat(args.format.upper())
    given = {
        "communityId": args.community,
        "unitId": args.unit,
        "decisionId": args.decision,
        "companyId": args.company,
        "district": args.district,
        "period": args.period,
        "round": args.round,
        "year": args.year,
        "asOf": args.as_of,
    }
    principal: Principal | str = args.token or Principal(
        subject=args.actor, name=args.actor, role=Role.PLATFORM_ADMIN
    )
    settings, embedded = _settings()
    platform = _bootstrap(settings)
    try:
        written = anyio.run(
            export_to_file,
            settings,
            platform.app,
            principal,
            kind,
            file_format,
            given,
            Path(args.out),
            _stderr_bar(),
        )
    finally:
        platform.close()
        if embedded:
            embedded.close()
    print(file=sys.stderr)
    if written.problem:
        print(f"not exported: {written.problem}", file=sys.stderr)
        return 1
    print(f"{args.out}: {written.rows} rows", file=sys.stderr)
    return 0


def _stderr_bar(width: int = 30) -> Callable[[int, int], None]:
    """[#####-----]  50%  5000/10000 rows, redrawn in place on stderr (stdout stays clean)."""

    def report(done: int, total: int) -> None:
        filled = width * min(done, total) // max(total, 1)
        percent = 100 * min(done, total) // max(total, 1)
        bar = f"[{'#' * filled}{'-' * (width - filled)}] {percent:3d}%  {done}/{total} rows"
        print(f"\r  {bar}", end="", file=sys.stderr, flush=True)

    return report


def cmd_token(args: argparse.Namespace) -> int:
    from gongzhi.graphql.auth import PERSONAL_ROLES, Principal, Role, issue_token

    settings = Settings.from_env()
    role = Role(args.role)
    if role in PERSONAL_ROLES and not args.person:
        # Without the person, the committee seat or the home cannot be checked on each
        # request (graphql/access.py), and production refuses the token.
        print(f"a {role.value} token needs --person <person id>", file=sys.stderr)
        return 2
    token_id = uuid4()
    principal = Principal(
        subject=args.subject,
        name=args.name or args.subject,
        role=role,
        districts=tuple(args.district or ()),
        company_id=UUID(args.company) if args.company else None,
        community_id=UUID(args.community) if args.community else None,
        unit_ids=tuple(UUID(u) for u in args.unit or ()),
        person_id=UUID(args.person) if args.person else None,
        token_id=token_id,
    )
    print(issue_token(settings.jwt_secret, principal, args.ttl))
    # The token alone on stdout (for scripts); what it is, on stderr.
    print(
        f"token {token_id} for {args.subject} ({role.value}), valid for {_duration(args.ttl)}; "
        "revoke it with revokeToken",
        file=sys.stderr,
    )
    return 0


def _ttl(text: str) -> timedelta:
    """A token lifetime: ``8h``, ``90m``, ``2d`` (at most 30 days)."""
    units = {"m": "minutes", "h": "hours", "d": "days"}
    try:
        ttl = timedelta(**{units[text[-1]]: float(text[:-1])})
    except (KeyError, ValueError, IndexError):
        raise argparse.ArgumentTypeError("give a lifetime like 8h, 90m or 2d") from None
    if not timedelta(0) < ttl <= timedelta(days=30):
        raise argparse.ArgumentTypeError("a lifetime must be positive and at most 30 days")
    return ttl


def _duration(ttl: timedelta) -> str:
    minutes = int(ttl.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def _bootstrap(settings: Settings) -> Any:
    from gongzhi.bootstrap import bootstrap

    return bootstrap(settings)


def cmd_schema(args: argparse.Namespace) -> int:
    from gongzhi.graphql.schema import export_schema

    print(f"wrote {export_schema()}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """API, projector, worker and scheduler, supervised together; Ctrl-C stops them all."""
    from gongzhi.bootstrap import bootstrap
    from gongzhi.demo import load_demo
    from gongzhi.graphql.auth import DEFAULT_TTL, Principal, Role, issue_token

    settings, embedded = _settings()
    platform = bootstrap(settings)
    try:
        if not args.no_demo and not platform.app.recorder.max_notification_id():
            print("loading the demo district (first run) …")
            load_demo(platform.app, progress=_progress("communities"))
            print()
    finally:
        platform.close()
    env = dict(os.environ)
    env["GONGZHI_DATABASE_URL"] = settings.database_url or ""
    env["GONGZHI_BROKER_URL"] = settings.broker_url or ""
    env["GONGZHI_JWT_SECRET"] = settings.jwt_secret
    if args.port:
        env["GONGZHI_HTTP_PORT"] = str(args.port)
    port = args.port or settings.http_port
    from gongzhi.supervisor import Child, Supervisor

    supervisor = Supervisor(
        [Child(command, [sys.executable, "-m", "gongzhi.cli", command]) for command in PROCESSES],
        env,
    )
    stop = _stop_on_signals()
    supervisor.start_all()
    token = issue_token(
        settings.jwt_secret,
        Principal(subject="dev-admin", name="Development admin", role=Role.PLATFORM_ADMIN),
        DEFAULT_TTL,
    )
    _wait_for_api(settings.http_host, port, stop)
    print(
        # The token rides in the link's fragment, which the browser keeps to itself: the
        # GraphiQL page fills the Authorization header from it (gongzhi/graphql/ide), the
        # console signs in with it (console/src/main.js).
        f"\ngongzhi is running.\n  GraphiQL: http://{settings.http_host}:{port}/graphql#token={token}\n"
        f"  Console:  http://{settings.http_host}:{port}/console/#token={token}\n"
        f"  Development token (platform admin, valid for {_duration(DEFAULT_TTL)}; "
        "another: gongzhi token --role PLATFORM_ADMIN); in GraphiQL's Headers tab put:\n"
        f'  {{"Authorization": "Bearer {token}"}}\n  Ctrl-C stops everything.\n',
        flush=True,
    )
    try:
        while not stop.wait(0.5):
            supervisor.tick()
    finally:
        supervisor.stop_all()
        if embedded:
            embedded.close()
    return 0


def _wait_for_api(host: str, port: int, stop: threading.Event, timeout: float = 60) -> None:
    """Print the address only once the API answers, so the first click works."""
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stop.is_set():
        try:
            with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=1):
                return
        except OSError:
            stop.wait(0.2)
    log.warning("the API did not answer on %s:%s within %.0fs", host, port, timeout)


def _bar(total: int, width: int = 30) -> Callable[[str, int], None]:
    """A progress bar on one terminal line: [#####-----]  50%  checked 5000/10000."""

    def report(stage: str, done: int) -> None:
        filled = width * done // max(total, 1)
        percent = 100 * done // max(total, 1)
        line = f"[{'#' * filled}{'-' * (width - filled)}] {percent:3d}%  {stage} {done}/{total}"
        print(f"\r  {line}", end="", flush=True)

    return report


def _progress(unit: str) -> Callable[[int], None]:
    def report(done: int) -> None:
        print(f"\r  {done} {unit}", end="", flush=True)

    return report


def _bill_parser(commands: Any) -> None:
    billing = commands.add_parser("bill", help="计费: bill a community or a district")
    where = billing.add_mutually_exclusive_group(required=True)
    where.add_argument("--community", help="the community's id")
    where.add_argument("--district", help="every community of this district")
    billing.add_argument("--period", required=True, help="2026-10, 2026-Q4 or 2026")
    billing.add_argument("--batch-size", type=int, default=5000)
    billing.add_argument("--reason", default="物业费计费")
    billing.add_argument("--actor", default="cli-bill")
    billing.set_defaults(handler=cmd_bill)


def _export_parser(commands: Any) -> None:
    from gongzhi.graphql.exports.catalogue import ExportKind

    export = commands.add_parser("export", help="导出: an export as CSV or XLSX")
    export.add_argument(
        "what", choices=[kind.value.lower().replace("_", "-") for kind in ExportKind]
    )
    export.add_argument("--format", choices=["csv", "xlsx"], required=True)
    export.add_argument("--out", required=True, help="the file to write")
    export.add_argument("--community", help="the community's id")
    export.add_argument("--unit", help="the unit's id (a statement)")
    export.add_argument("--decision", help="the decision's id (a tally)")
    export.add_argument("--company", help="the company's id (a credit evaluation or its records)")
    export.add_argument("--district")
    export.add_argument("--year", type=int, help="2026 (community companies)")
    export.add_argument("--period", help="2026-10, 2026-Q4 or 2026")
    export.add_argument("--round", help="a reminders' round, 2026-11 (催缴通知)")
    export.add_argument("--as-of", help="a date, 2026-12-01")
    export.add_argument(
        "--token", help="export as this bearer token's holder (default: as a platform operator)"
    )
    export.add_argument("--actor", default="cli-export")
    export.set_defaults(handler=cmd_export)


def _document_parsers(commands: Any) -> None:
    """导出 and 打印收据: files made from the views, as a caller of the API."""
    from gongzhi.cli_audit import Wiring
    from gongzhi.cli_receipt import add_receipt_command

    _export_parser(commands)
    add_receipt_command(commands, Wiring(_settings, _bootstrap))


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="gongzhi", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="API, projector, worker and scheduler together")
    run.add_argument("--no-demo", action="store_true", help="do not load the demo district")
    run.add_argument("--port", type=int)
    run.set_defaults(handler=cmd_run)

    serve = commands.add_parser("serve", help="the GraphQL API")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(handler=cmd_serve)

    project = commands.add_parser("project", help="the projector (read models)")
    project.add_argument("--rebuild", action="store_true", help="rebuild every view from zero")
    project.add_argument("--once", action="store_true", help="catch up, then exit")
    project.add_argument("--batch-size", type=int, default=2000)
    project.add_argument("--poll-interval", type=float, default=1.0)
    project.set_defaults(handler=cmd_project)

    work = commands.add_parser("work", help="the dramatiq worker")
    work.add_argument("--processes", type=int, default=1)
    work.add_argument("--threads", type=int, default=4)
    work.set_defaults(handler=cmd_work)

    schedule = commands.add_parser("schedule", help="the periodic-job scheduler (one leader)")
    schedule.set_defaults(handler=cmd_schedule)

    demo = commands.add_parser("demo", help="load the demo district")
    demo.add_argument("--communities", type=int, default=36)
    demo.set_defaults(handler=cmd_demo)

    roster = commands.add_parser("import", help="import a roster (花名册) from CSV or XLSX")
    roster.add_argument("--community", required=True, help="the community's id")
    roster.add_argument("--file", required=True)
    roster.add_argument("--format", choices=["CSV", "XLSX"])
    roster.add_argument("--apply", action="store_true", help="import (default: dry run)")
    roster.add_argument("--reason", default="花名册导入")
    roster.add_argument("--actor", default="cli-import")
    roster.set_defaults(handler=cmd_import)

    _bill_parser(commands)
    _document_parsers(commands)
    from gongzhi.cli_audit import Wiring, add_audit_commands

    add_audit_commands(commands, Wiring(_settings, _bootstrap))  # verify, seal, db-roles

    token = commands.add_parser("token", help="print a signed bearer token")
    token.add_argument(
        "--role",
        required=True,
        choices=["PLATFORM_ADMIN", "REGULATOR", "COMPANY_STAFF", "COMMITTEE_MEMBER", "RESIDENT"],
    )
    token.add_argument("--subject", default="dev-user")
    token.add_argument("--name")
    token.add_argument("--district", action="append")
    token.add_argument("--company")
    token.add_argument("--community")
    token.add_argument("--unit", action="append")
    token.add_argument(
        "--person", help="the person (id) a committee member's or resident's token speaks for"
    )
    token.add_argument(
        "--ttl",
        type=_ttl,
        default="8h",
        help="lifetime: 8h (default), 90m, 2d; at most 30 days",
    )
    token.set_defaults(handler=cmd_token)

    schema = commands.add_parser("schema", help="write schema.graphql")
    schema.set_defaults(handler=cmd_schema)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    from gongzhi.infra.logs import configure_logging

    try:
        configure_logging(
            os.environ.get("GONGZHI_LOG_LEVEL", "INFO"),
            os.environ.get("GONGZHI_LOG_FORMAT", "text"),
        )
    except ValueError as refusal:
        print(f"gongzhi: {refusal}", file=sys.stderr)
        return 2
    args = parser().parse_args(argv)
    # Every connection this process opens is named after it (libpq and our pools read
    # PGAPPNAME), so that pg_stat_activity shows each process's share of the connection
    # budget; a name the deployer chose is kept, one inherited from `gongzhi run` is not.
    if os.environ.get("PGAPPNAME", "gongzhi-").startswith("gongzhi-"):
        os.environ["PGAPPNAME"] = f"gongzhi-{args.command}"
    handler = args.handler
    try:
        result: int = handler(args)
    except ConfigurationError as refusal:
        print(f"gongzhi: {refusal}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
