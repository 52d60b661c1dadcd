"""A big invite: one 500-party sandbox invite, its 1,500 status events, and what reaches Slack.

Starts `confbot serve` as a process (SQLite in a temp dir, the sandbox at real speed: each call
rings after 1 s, is answered at 3 s and ends 12 s later) with the Slack emulator in this one, and
sends one signed `/dial` naming 500 numbers that all answer. Every call reports ringing, answered
and completed, so 1,500 events arrive within about a minute. It reports the Slack API calls made
(by method), the most `chat.update`s any one message got within a second (the outbox paces each
message to one per second), and the time from the last event stored to the roster's last update
on Slack (goal ≤ 2 s), measured by the emulator's clock against the database's.

With `DATABASE_URL` set to a PostgreSQL URL it runs on a fresh database created on that server
(and dropped afterwards) instead of SQLite.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from bench.serving import free_port, serve_env, start_serve
from bot.emulator.driver import SlackDriver
from bot.emulator.server import Message, SlackEmulator
from bot.loopback import LoopbackServer

TOKEN, SECRET = "xoxb-bench", "bench-signing-secret"
PARTIES = 500
EVENTS_PER_CALL = 3  # ringing, answered, completed
QUIET_S = 5.0  # no edit for this long once everything is final: the roster is final
GOAL_S = 2.0


def _number(n: int) -> str:
    """A sandbox number that answers (its last digit is 1–6)."""
    return f"+86138{n:07d}{1 + n % 6}"


@contextmanager
def _database(workdir: Path) -> Iterator[tuple[str, Engine]]:
    """The server's database URL and an engine to watch it: SQLite in `workdir`, or a fresh database
    on the PostgreSQL server `DATABASE_URL` names (dropped afterwards)."""
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith("postgresql"):
        url = f"sqlite:///{workdir / 'bench.db'}"
        engine = create_engine(url)
        try:
            yield url, engine
        finally:
            engine.dispose()
        return
    name = f"confbot_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    try:
        yield url, engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _one(db: Engine, sql: str) -> object:
    with db.connect() as conn:
        row = conn.execute(text(sql)).first()
        return row[0] if row else None


def _count(db: Engine, sql: str) -> int:
    try:
        return int(str(_one(db, sql) or 0))
    except DBAPIError:  # not migrated yet
        return 0


def _utc(value: object) -> datetime:
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


async def _until(condition: Callable[[], bool], timeout_s: float) -> bool:
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > timeout_s:
            return False
        await asyncio.sleep(0.2)
    return True


def _most_edits_within_a_second(message: Message) -> int:
    times, most, start = message.edit_times, 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def _wait_up(url: str) -> None:
    async with httpx.AsyncClient(trust_env=False) as http:
        for _ in range(600):
            try:
                if (await http.get(f"{url}/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} never became ready")


async def run() -> list[str]:
    workdir = Path(tempfile.mkdtemp(prefix="confbot-big-invite-"))
    with _database(workdir) as (url, db):
        return await _run(workdir, url, db)


async def _run(workdir: Path, url: str, db: Engine) -> list[str]:
    emulator = SlackEmulator(TOKEN, channels=["C1"])
    emulator.add_user("U1", name="amy", tz="Asia/Shanghai")
    slack = LoopbackServer(emulator.app)
    await slack.start()
    port = free_port()
    env = serve_env(
        TOKEN,
        SECRET,
        slack.url,
        url,
        port,
        SANDBOX_SPEED="1",
    )
    bot = await start_serve(env, workdir)
    base = f"http://127.0.0.1:{port}"
    driver = SlackDriver(base, SECRET, slack.url)
    try:
        await _wait_up(base)
        numbers = ", ".join(_number(n) for n in range(PARTIES))
        sent_at = datetime.now(UTC)
        await driver.slash(f"{numbers} into conf 42 now", user_id="U1", channel_id="C1")
        events = PARTIES * EVENTS_PER_CALL
        all_in = await _until(lambda: _count(db, "SELECT count(*) FROM call_events") >= events, 300)
        applied = await _until(lambda: _count(db, "SELECT count(*) FROM call_events WHERE NOT applied") == 0, 120)
        applied_at = datetime.now(UTC)  # within the 0.2 s the condition is looked at
        settled = await _until(
            lambda: (
                _count(db, "SELECT count(*) FROM invites WHERE status = 'done'") == 1
                and _count(db, "SELECT count(*) FROM slack_outbox WHERE status = 'pending'") == 0
            ),
            120,
        )
        await _until(lambda: _quiet_for(emulator, QUIET_S), 60)
        wall_minus_monotonic = time.time() - time.monotonic()
        stored = _count(db, "SELECT count(*) FROM call_events")
        first_event = _utc(_one(db, "SELECT min(received_at) FROM call_events"))
        last_event = _utc(_one(db, "SELECT max(received_at) FROM call_events"))
        roster_ts = str(_one(db, "SELECT roster_ts FROM invites"))
        roster = emulator.find("C1", roster_ts)
        messages = emulator.messages["C1"]
    finally:
        await driver.aclose()
        bot.terminate()
        await bot.wait()
        await slack.stop()
    if roster is None or not roster.edit_times:
        return [f"no roster was updated on Slack (events stored: {stored}); nothing measured"]
    roster_final = datetime.fromtimestamp(roster.edit_times[-1] + wall_minus_monotonic, UTC)
    behind = (roster_final - last_event).total_seconds()
    dialled_s = (first_event - sent_at).total_seconds()
    calls = ", ".join(f"{method} {count}" for method, count in sorted(emulator.calls.items()))
    edited = [m for m in messages if m.edits]
    most = max(_most_edits_within_a_second(m) for m in edited)
    return [
        f"on {db.dialect.name}: {PARTIES} parties; {stored} status events stored over "
        f"{(last_event - first_event).total_seconds():.1f} s "
        f"(first {dialled_s:.1f} s after the /dial)" + ("" if all_in and applied and settled else "; NOT all settled"),
        f"Slack API calls: {sum(emulator.calls.values())} ({calls})",
        f"chat.update: {sum(m.edits for m in edited)} over {len(edited)} messages; the roster "
        f"{roster.edits}; most to one message within 1 s: {most} (goal ≤ 1: {'met' if most <= 1 else 'MISSED'})",
        f"last event → final roster on Slack: {behind:.2f} s (goal ≤ {GOAL_S:.0f} s: "
        + ("met)" if behind <= GOAL_S else "MISSED)")
        + f"; the last event was applied {(applied_at - last_event).total_seconds():.1f} s after it was stored",
    ]


def _quiet_for(emulator: SlackEmulator, seconds: float) -> bool:
    """No message of the channel was edited in the last `seconds`."""
    last = max((m.edit_times[-1] for m in emulator.messages["C1"] if m.edit_times), default=0.0)
    return time.monotonic() - last >= seconds
