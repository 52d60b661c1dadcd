"""confbot's command line: serve (and its worker), demo, parse, when, providers, report, audit, purge, db upgrade."""

from __future__ import annotations

import argparse
import asyncio
import csv
import gc
import io
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import version as package_version

from bot.config import Settings
from bot.kernel.logs import configure_logging, uvicorn_log_config

log = logging.getLogger(__name__)


def log_bot_at(level: str) -> None:
    """confbot's own loggers (bot.*) at LOG_LEVEL; libraries stay at WARNING so their chatter does not drown it.

    uvicorn configures only its own loggers from its `log_level`; without this, bot.* stayed at the
    root's WARNING and INFO lines (rate limits, late runs) never showed.
    """
    logging.getLogger("bot").setLevel(level)


def _now(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# How many occurrences `confbot when` shows for a recurring phrase.
NEXT_SHOWN = 5


def cmd_when(args: argparse.Namespace) -> int:
    """Resolve a time phrase (one-off or recurring); exit 2 with a reason when it is unusable."""
    from bot.dialout.core.command import ParseError, ParseProblem
    from bot.dialout.slack.replies import build_parse_error
    from bot.kernel.recurrence import is_recurring, parse_recurrence
    from bot.kernel.when import WhenError, parse_when

    now = _now(args.now)
    try:
        if is_recurring(args.phrase):
            recurrence = parse_recurrence(args.phrase, now, args.tz)
            upcoming = [at.isoformat() for at in recurrence.occurrences(now, NEXT_SHOWN)]
            out = {
                "at": upcoming[0],
                "next": upcoming,
                "rule": recurrence.rule,
                "zone": recurrence.zone,
                "start": recurrence.start.isoformat(),
                "until": recurrence.until.isoformat() if recurrence.until else None,
            }
        else:
            at = parse_when(args.phrase, now, args.tz).at.isoformat()
            upcoming, out = [at], {"at": at, "next": [at]}
    except WhenError as exc:
        problem = ParseProblem(
            {"unreadable": "unreadable_time", "past": "past_time"}.get(exc.problem.value, exc.problem.value)
        )
        params = {"phrase": args.phrase, "tz": args.tz}
        if exc.at is not None:
            params["at"] = exc.at.isoformat()
        print(build_parse_error(ParseError(problem, params), args.locale), file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        print("\n".join(upcoming))
    return 0


def cmd_parse(args: argparse.Namespace) -> int:
    """Parse /dial text as the bot would; exit 2 with the user's message when it is wrong."""
    from bot.dialout.core.command import ParseContext, ParseError, parse_command
    from bot.dialout.feature import default_providers, dialing_policy
    from bot.dialout.providers import build_providers
    from bot.dialout.slack.replies import build_parse_error
    from bot.inbound.core.route_command import RouteError, is_route_text, parse_route_command
    from bot.inbound.slack.blocks import build_route_error

    settings = Settings()
    if args.region:
        settings = settings.model_copy(update={"default_region": args.region})
    if is_route_text(args.text):  # inbound routing's words of /dial, read by its own grammar
        try:
            route = parse_route_command(args.text, dialing_policy(settings))
        except RouteError as exc:
            print(build_route_error(exc, args.locale), file=sys.stderr)
            return 2
        print(json.dumps(_as_json(route), ensure_ascii=False, indent=None if args.json else 2))
        return 0

    async def infos() -> dict:
        providers = build_providers(settings)
        for provider in providers.values():
            await provider.aclose()
        return {name: p.info for name, p in providers.items()}

    context = ParseContext(
        now=_now(args.now),
        tz=args.tz,
        policy=dialing_policy(settings),
        providers=asyncio.run(infos()),
        default_provider=default_providers(settings),
    )
    try:
        command = parse_command(args.text, context)
    except ParseError as exc:
        print(build_parse_error(exc, args.locale), file=sys.stderr)
        return 2
    print(json.dumps(_as_json(command), ensure_ascii=False, indent=None if args.json else 2))
    return 0


def _as_json(command: object) -> dict:
    """A parsed command as `confbot parse` prints it."""
    as_json = getattr(command, "as_json", None)
    return as_json() if callable(as_json) else {"command": type(command).__name__, **vars(command)}


def missing_slack_settings(settings: Settings) -> list[str]:
    """What `confbot serve` still needs from Slack: the signing secret, and a bot token unless OAuth mode is on.

    Half of OAuth's pair set is a mistake worth naming (the other half), not a reason to ask for a bot token.
    """
    secret = settings.slack_client_secret.get_secret_value()
    missing: list[str] = []
    if settings.slack_client_id or secret:
        missing += [
            name
            for name, value in (("SLACK_CLIENT_ID", settings.slack_client_id), ("SLACK_CLIENT_SECRET", secret))
            if not value
        ]
    elif not settings.slack_bot_token.get_secret_value():
        missing.append("SLACK_BOT_TOKEN")
    if not settings.slack_signing_secret.get_secret_value():
        missing.append("SLACK_SIGNING_SECRET")
    return missing


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the real server (uvicorn) from the settings."""
    import uvicorn
    import uvicorn.config

    from bot.kernel.worker_process import WorkerProcess
    from bot.wiring import build_asgi, build_confbot, worker_env

    overrides = {k: v for k, v in {"host": args.host, "port": args.port}.items() if v is not None}
    settings = Settings(**overrides) if overrides else Settings()
    missing = missing_slack_settings(settings)
    if missing:
        print(
            f"confbot serve needs {', '.join(missing)} (see .env.example); `confbot demo` runs without them.",
            file=sys.stderr,
        )
        return 2
    from bot.kernel import failpoints

    failpoints.arm(settings.failpoints.split(","))
    log_format = settings.log_format or "json"
    configure_logging(log_format)  # before building: Bolt and the providers log while they are made
    log_bot_at(settings.log_level)
    confbot = build_confbot(settings)
    if not confbot.dialout.ready_providers():
        # Logged, not printed: with LOG_FORMAT=json every line on stderr is one JSON object.
        log.warning(
            "confbot serve: no dial-out provider is configured, so /dial will answer that none can dial. "
            "Set one up (`confbot providers` lists what each one misses; see .env.example), "
            "or set SANDBOX_ENABLED=true to try the built-in simulator."
        )
    # SERVE_WORKER_PROCESS: this process answers, a `confbot work` child carries out (bot/kernel/worker_process.py);
    # when the child dies, this process stops too and exits with status 3, for its process manager to restart.
    worker_died: list[int] = []

    def end_with_worker(code: int) -> None:
        worker_died.append(code)
        server.should_exit = True

    worker = (
        WorkerProcess(env=worker_env(settings), on_death=end_with_worker) if settings.serve_worker_process else None
    )
    app = build_asgi(confbot, worker)
    # What was made to start (modules, the app, its settings) lives as long as the process: frozen,
    # the garbage collector stops walking it, and its full collections under load (which held every
    # request in flight for 0.1–0.7 s, bench/ack_load.py) walk only what was made since.
    gc.collect()
    gc.freeze()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level.lower(),
            log_config=uvicorn_log_config(log_format) or uvicorn.config.LOGGING_CONFIG,
        )
    )
    server.run()
    return 3 if worker_died else 0


def cmd_work(args: argparse.Namespace) -> int:
    """A split `confbot serve`'s worker process (its front starts it): carry out what the front stores."""
    from pathlib import Path

    from bot.kernel.acks_first import SharedCount
    from bot.wiring import build_confbot, run_work

    settings = Settings()
    configure_logging(settings.log_format or "json")
    log_bot_at(settings.log_level)
    os.nice(settings.worker_nice)  # when CPU is short, the front's acks go first
    from bot.kernel import failpoints

    failpoints.arm(settings.failpoints.split(","))  # the work's points are here (tests only)
    confbot = build_confbot(settings)
    if args.acks_file:  # new steps wait while the front serves requests (bot/kernel/acks_first.py)
        confbot.inbox.acks_first.follow(SharedCount(Path(args.acks_file)))
    leads = SharedCount(Path(args.leader_file)) if args.leader_file else None
    gc.collect()
    gc.freeze()  # as in serve: what lives as long as the process is not walked again
    asyncio.run(run_work(confbot, leads))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Bot, Slack emulator and sandbox in one process; a scripted /dial shown live."""
    from bot.demo import run_demo

    settings = Settings()
    configure_logging(settings.log_format or "text")
    log_bot_at(settings.log_level)
    return asyncio.run(run_demo(speed=args.speed, timeout_s=args.timeout))


def cmd_providers(_args: argparse.Namespace) -> int:
    """List providers, what they can do, and whether their settings are complete."""
    from bot.dialout.providers import build_providers

    settings = Settings()

    async def collect() -> list[str]:
        providers = build_providers(settings)
        lines = []
        for name, provider in sorted(providers.items()):
            info = provider.info
            caps = ", ".join(sorted(c.value for c in info.capabilities))
            ready = "ready" if not info.missing_settings else "missing " + ", ".join(info.missing_settings)
            options = ", ".join(sorted(info.options)) or "—"
            extras = [word for word, able in _optional_capabilities(provider) if able]
            news = f"{info.status.value} ({', '.join(extras) or 'place only'})"
            lines.append(f"{name:16} {info.title:18} can: {caps:22} news: {news:34} options: {options:40} {ready}")
            await provider.aclose()
        missing = settings.cti.missing()  # inbound routing is a feature, not a provider; its readiness is shown too
        ready = "ready" if not missing else "missing " + ", ".join(missing)
        lines.append(f"{'cti':16} {'CTI inbound':18} feature: inbound routing {'':28} {ready}")
        return lines

    for line in asyncio.run(collect()):
        print(line)
    return 0


def _optional_capabilities(provider: object) -> list[tuple[str, bool]]:
    """Which optional provider protocols `provider` implements, by name."""
    from bot.dialout.core.ports import CancelsCalls, PollsCalls, ReceivesWebhooks

    return [
        ("poll", isinstance(provider, PollsCalls)),
        ("cancel", isinstance(provider, CancelsCalls)),
        ("webhooks", isinstance(provider, ReceivesWebhooks)),
    ]


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    """Create or migrate the database at DATABASE_URL to the latest schema."""
    from bot.kernel import db

    async def run() -> None:
        engine = db.create_engine(Settings().database_url)
        await db.upgrade(engine)
        await engine.dispose()

    asyncio.run(run())
    print("database is at the latest schema")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """What became of each party of invite <id>, read from DATABASE_URL: CSV with `--csv`, else a table.

    Full numbers: whoever runs this has the database (the CSV shared in Slack masks them).
    """
    from bot.dialout.core.run_report import CSV_COLUMNS, build_csv, run_rows
    from bot.dialout.store import SqlInviteStore
    from bot.kernel import db

    async def read() -> list | None:
        engine = db.create_engine(Settings().database_url)
        try:
            store = SqlInviteStore(engine)
            if await store.get_invite(args.invite_id) is None:
                return None
            return await store.attempts(args.invite_id)
        finally:
            await engine.dispose()

    attempts = asyncio.run(read())
    if attempts is None:
        print(f"there is no invite #{args.invite_id}", file=sys.stderr)
        return 2
    report = build_csv(run_rows(attempts))
    if args.csv:
        sys.stdout.write(report)
        return 0
    rows = list(csv.reader(io.StringIO(report)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(CSV_COLUMNS))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    """The audit trail from DATABASE_URL between --since and --until: CSV with `--csv`, else a table."""
    from bot.dialout.audit_store import SqlAuditLog
    from bot.dialout.core.audit_export import CSV_COLUMNS, audit_rows, build_audit_csv
    from bot.kernel import db

    since, until = _now(args.since), _now(args.until)
    if until <= since:
        print("--until must be after --since", file=sys.stderr)
        return 2

    async def read() -> list:
        engine = db.create_engine(Settings().database_url)
        try:
            log = SqlAuditLog(engine)
            return [e for team in args.team or [None] for e in await log.between(since, until, team)]
        finally:
            await engine.dispose()

    events = sorted(asyncio.run(read()), key=lambda e: e.at)
    if args.csv:
        sys.stdout.write(build_audit_csv(events, full_numbers=args.full_numbers))
        return 0
    rows = [list(CSV_COLUMNS), *audit_rows(events, full_numbers=args.full_numbers)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(CSV_COLUMNS) - 1)]
    for row in rows:  # the details column is left unpadded: it is long and last
        print("  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[-1]]).rstrip())
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    """Delete one workspace's dial-out history (invites, calls, Slack posts, series, audit events)."""
    from dataclasses import asdict

    from bot.dialout.audit_store import WorkspacePurge
    from bot.kernel import db

    if not args.yes:
        print(f"this deletes every invite, call and audit event of {args.team}: add --yes to do it", file=sys.stderr)
        return 2

    async def purge() -> dict[str, int]:
        engine = db.create_engine(Settings().database_url)
        try:
            return asdict(await WorkspacePurge(engine).purge(args.team))
        finally:
            await engine.dispose()

    for kind, count in asyncio.run(purge()).items():
        print(f"{kind}: {count}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests)."""
    parser = argparse.ArgumentParser(prog="confbot", description=__doc__)
    parser.add_argument("--version", action="version", version=f"confbot {package_version('confbot')}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the Slack app and webhooks (uvicorn)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=cmd_serve)

    work = sub.add_parser("work", help="the worker process `confbot serve` starts (SERVE_WORKER_PROCESS)")
    work.add_argument("--acks-file", help="the front's count of requests in flight (given by the front)")
    work.add_argument("--leader-file", help="where it says whether it runs the scheduler (given by the front)")
    work.set_defaults(func=cmd_work)

    demo = sub.add_parser("demo", help="run bot + Slack emulator + sandbox and a scripted /dial")
    demo.add_argument("--speed", type=float, default=8.0, help="sandbox speed-up (default 8)")
    demo.add_argument("--timeout", type=float, default=30.0)
    demo.set_defaults(func=cmd_demo)

    when = sub.add_parser("when", help="resolve a time phrase")
    when.add_argument("phrase")
    when.add_argument("--now")
    when.add_argument("--tz", default="UTC")
    when.add_argument("--locale", default="en")
    when.add_argument("--json", action="store_true")
    when.set_defaults(func=cmd_when)

    parse = sub.add_parser("parse", help="parse /dial text")
    parse.add_argument("text")
    parse.add_argument("--now")
    parse.add_argument("--tz", default="UTC")
    parse.add_argument("--region")
    parse.add_argument("--locale", default="en")
    parse.add_argument("--json", action="store_true")
    parse.set_defaults(func=cmd_parse)

    providers = sub.add_parser("providers", help="list providers and whether they are configured")
    providers.set_defaults(func=cmd_providers)

    report = sub.add_parser("report", help="who joined an invite's run, for how long, and who did not and why")
    report.add_argument("invite_id", type=int)
    report.add_argument("--csv", action="store_true", help="print CSV (the columns of the Slack attachment)")
    report.set_defaults(func=cmd_report)

    audit = sub.add_parser("audit", help="who scheduled, changed and dialled what (the audit trail)")
    audit.add_argument("--since", required=True, help="ISO date or time (UTC unless it says otherwise)")
    audit.add_argument("--until", default=None, help="ISO date or time, exclusive (default: now)")
    audit.add_argument("--team", action="append", help="only this workspace (repeatable)")
    audit.add_argument("--csv", action="store_true", help="CSV with a header instead of a table")
    audit.add_argument("--full-numbers", action="store_true", help="print phone numbers unmasked")
    audit.set_defaults(func=cmd_audit)

    purge = sub.add_parser("purge", help="delete a workspace's invites, calls, Slack posts and audit events")
    purge.add_argument("--team", required=True, help="the workspace (team id)")
    purge.add_argument("--yes", action="store_true", help="really delete")
    purge.set_defaults(func=cmd_purge)

    db_cmd = sub.add_parser("db", help="database commands")
    db_sub = db_cmd.add_subparsers(dest="db_command", required=True)
    upgrade = db_sub.add_parser("upgrade", help="migrate to the latest schema")
    upgrade.set_defaults(func=cmd_db_upgrade)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `confbot` console script."""
    args = build_parser().parse_args(argv)
    if args.command not in {"serve", "work", "demo"}:  # those read LOG_FORMAT themselves
        configure_logging("text")
    return int(args.func(args))
