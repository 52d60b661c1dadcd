"""Many scheduled invites: start-up time, peak RSS and firing lateness of `confbot serve` over 10,000 stored invites.

The invites table is the schedule (docs/architecture.md): at start-up every scheduled row gets an
in-memory job, and the reconcile reads them all again every 30 s. This fills a fresh SQLite
database with 10,000 scheduled invites of one party each in one bulk insert (straight into the
tables, as thousands of `/dial`s would have left them), BATCH of them due within SPREAD_S seconds
of each other shortly after start-up and the rest spread over the next month. It then starts
`confbot serve` as a process and reports the time until `/readyz` answers 200, the process's peak
RSS (VmHWM in /proc/<pid>/status; goal ≤ 300 MB) and, from the rows, fired_at − due_at of the batch
(goal p99 ≤ 1 s). The baseline is the same server started on an empty database in the same run.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, select

from bench.serving import free_port, serve_env, start_serve
from bench.stats import percentile
from bot.emulator.server import SlackEmulator
from bot.kernel import db
from bot.kernel.tables import CallAttemptRow, InviteRow
from bot.loopback import LoopbackServer

TOKEN, SECRET = "xoxb-bench", "bench-signing-secret"
INVITES = 10_000
BATCH = 200  # due within SPREAD_S of each other
SPREAD_S = 3.0
LEAD_S = 45.0  # from the insert to the batch's first due time: start-up must fit in it
GOAL_RSS_MB, GOAL_P99_S = 300.0, 1.0


def _rows(first_due: datetime, now: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Invite and call rows: the first BATCH due within SPREAD_S from `first_due`, the rest within a month."""
    invites, calls = [], []
    for n in range(1, INVITES + 1):
        if n <= BATCH:
            due = first_due + timedelta(seconds=SPREAD_S * (n - 1) / BATCH)
        else:
            due = now + timedelta(days=1, minutes=(n * 7) % (60 * 24 * 30))
        invites.append(
            {
                "id": n,
                "team_id": "T1",
                "channel_id": "C1",
                "created_by": "U1",
                "provider": "sandbox",
                "target_kind": "conference",
                "target_id": str(1000 + n % 50),
                "due_at": due,
                "tz": "Asia/Shanghai",
                "locale": "en",
                "options": {},
                "status": "scheduled",
                "created_at": now,
                "source_text": f"+86138{n:08d} into conf {1000 + n % 50} at {due:%H:%M}",
                "request_key": f"bench:{n}",
            }
        )
        calls.append(
            {
                "invite_id": n,
                "position": 0,
                "provider": "sandbox",
                "party_kind": "phone",
                "address": f"+86138{n:08d}",
                "state": "queued",
                "context": {},
                "updated_at": now,
            }
        )
    return invites, calls


async def _fill(url: str, first_due: datetime) -> float:
    """Migrate and bulk-insert the invites; seconds the insert took."""
    engine = db.create_engine(url)
    try:
        await db.upgrade(engine)
        invites, calls = _rows(first_due, datetime.now(UTC))
        started = time.perf_counter()
        async with engine.begin() as conn:
            await conn.execute(insert(InviteRow.__table__), invites)  # type: ignore[attr-defined]
            await conn.execute(insert(CallAttemptRow.__table__), calls)  # type: ignore[attr-defined]
        return time.perf_counter() - started
    finally:
        await engine.dispose()


async def _batch_lateness(url: str) -> list[float]:
    """fired_at − due_at of the batch's invites that fired, in seconds."""
    engine = db.create_engine(url)
    try:
        table = InviteRow.__table__  # type: ignore[attr-defined]
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(table.c.due_at, table.c.fired_at).where(table.c.id <= BATCH, table.c.fired_at.is_not(None))
            )
            return [(fired - due).total_seconds() for due, fired in rows]
    finally:
        await engine.dispose()


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _serve(workdir: Path, url: str, slack_url: str) -> tuple[asyncio.subprocess.Process, str, float]:
    """Start `confbot serve`; the process, its base URL and seconds until /readyz answered 200."""
    port = free_port()
    # The calls stay ringing (SANDBOX_SPEED): their events are not what is measured.
    env = serve_env(TOKEN, SECRET, slack_url, url, port, SANDBOX_SPEED="0.01")
    started = time.perf_counter()
    process = await start_serve(env, workdir)
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(trust_env=False) as http:
        while time.perf_counter() - started < 120:
            try:
                if (await http.get(f"{base}/readyz")).status_code == 200:
                    return process, base, time.perf_counter() - started
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.05)
    return process, base, float("nan")


async def _stop(process: asyncio.subprocess.Process) -> None:
    process.terminate()
    await process.wait()


async def run() -> list[str]:
    workdir = Path(tempfile.mkdtemp(prefix="confbot-scheduled-"))
    emulator = SlackEmulator(TOKEN, channels=["C1"])
    emulator.add_user("U1", name="amy", tz="Asia/Shanghai")
    slack = LoopbackServer(emulator.app)
    await slack.start()
    try:
        empty_url = f"sqlite:///{workdir / 'empty.db'}"
        await _fill_nothing(empty_url)
        process, _, empty_start_s = await _serve(workdir, empty_url, slack.url)
        empty_rss = _peak_rss_mb(process.pid)
        await _stop(process)

        url = f"sqlite:///{workdir / 'many.db'}"
        first_due = datetime.now(UTC) + timedelta(seconds=LEAD_S)
        insert_s = await _fill(url, first_due)
        process, _, start_s = await _serve(workdir, url, slack.url)
        try:
            last_due = first_due + timedelta(seconds=SPREAD_S)
            while datetime.now(UTC) < last_due + timedelta(seconds=15):
                if len(await _batch_lateness(url)) == BATCH:
                    break
                await asyncio.sleep(0.5)
            lateness = await _batch_lateness(url)
            rss = _peak_rss_mb(process.pid)
        finally:
            await _stop(process)
    finally:
        await slack.stop()
    p99 = percentile(lateness, 99)
    return [
        f"{INVITES} scheduled invites bulk-inserted in {insert_s:.1f} s",
        f"start-up until /readyz 200: {start_s:.1f} s (empty database: {empty_start_s:.1f} s)",
        f"peak RSS (VmHWM): {rss:.0f} MB (empty database: {empty_rss:.0f} MB); goal ≤ {GOAL_RSS_MB:.0f} MB: "
        + ("met" if rss <= GOAL_RSS_MB else "MISSED"),
        f"batch of {BATCH} due within {SPREAD_S:.0f} s: {len(lateness)} fired; lateness p50 "
        f"{percentile(lateness, 50):.3f} s · p99 {p99:.3f} s · max {max(lateness, default=float('nan')):.3f} s; "
        f"goal p99 ≤ {GOAL_P99_S:.0f} s: " + ("met" if len(lateness) == BATCH and p99 <= GOAL_P99_S else "MISSED"),
    ]


async def _fill_nothing(url: str) -> None:
    """The baseline's database: migrated, no invites (so both starts skip the same migration work)."""
    engine = db.create_engine(url)
    try:
        await db.upgrade(engine)
    finally:
        await engine.dispose()
