"""`confbot serve` with SERVE_WORKER_PROCESS=true: the front acks, a `confbot work` child carries out.

Real processes on SQLite, driven as Slack drives them. The worker is found as the front's child
in /proc; stopping it (SIGSTOP) shows the front acks without it and does none of the work itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path

import httpx

from bot.emulator.driver import SlackDriver
from bot.emulator.server import SlackEmulator
from bot.loopback import LoopbackServer
from tests.e2e.harness import wait_for
from tests.serving import free_port, serve_env, start_serve

TOKEN, SECRET = "xoxb-split-test", "split-signing-secret"


def children_of(pid: int) -> list[int]:
    """Live processes whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


@contextlib.asynccontextmanager
async def split_serve(
    tmp_path: Path, emulator: SlackEmulator | None = None
) -> AsyncIterator[tuple[asyncio.subprocess.Process, SlackDriver, SlackEmulator]]:
    """A split `confbot serve` with a Slack emulator (a new one, or `emulator`); killed after (its worker too)."""
    if emulator is None:
        emulator = SlackEmulator(TOKEN, channels=["C1"])
        emulator.add_user("U1", name="amy", tz="Asia/Shanghai")
    slack = LoopbackServer(emulator.app)
    await slack.start()
    port = free_port()
    env = serve_env(
        TOKEN, SECRET, slack.url, tmp_path / "split.db", port, SERVE_WORKER_PROCESS="true", LOG_LEVEL="WARNING"
    )
    process = await start_serve(env, tmp_path, stdout=asyncio.subprocess.DEVNULL, stderr=None)
    driver = SlackDriver(f"http://127.0.0.1:{port}", SECRET, slack.url)
    try:
        yield process, driver, emulator
    finally:
        await driver.aclose()
        if process.returncode is None:
            process.kill()
        await process.wait()
        await slack.stop()


def scheduled(emulator: SlackEmulator, invite: int) -> bool:
    return any(e.text.startswith(f"Scheduled invite #{invite}") for e in emulator.ephemerals)


async def test_a_split_serve_acks_in_its_front_and_carries_out_in_its_worker_process(tmp_path) -> None:
    async with split_serve(tmp_path) as (front, driver, emulator):
        await wait_for(lambda: len(children_of(front.pid)) == 1, what="the worker process")
        (worker,) = children_of(front.pid)
        os.kill(worker, signal.SIGSTOP)  # the worker is frozen: the front must ack alone, and only ack
        try:
            response = await driver.slash("13800138001 into conf 42 in 2 hours", user_id="U1", channel_id="C1")
            assert response.status_code == 200
            await asyncio.sleep(0.5)  # a window for the front to (wrongly) carry it out itself
            assert not scheduled(emulator, 1) and emulator.channel_messages("C1") == []
        finally:
            os.kill(worker, signal.SIGCONT)
        await wait_for(lambda: scheduled(emulator, 1), timeout=15, what="the worker to carry the /dial out")
        await wait_for(lambda: len(emulator.channel_messages("C1")) == 1, what="its thread parent, by the worker")


async def scheduler_of(driver: SlackDriver) -> str:
    async with httpx.AsyncClient(trust_env=False) as http:
        return str((await http.get(f"{driver.bot_url}/readyz")).json().get("scheduler"))


async def test_a_split_serve_reports_the_scheduler_its_worker_runs(tmp_path) -> None:
    async with split_serve(tmp_path) as (_front, driver, _emulator):
        assert await scheduler_of(driver) == "leader"  # on SQLite its worker leads, from the start


async def _is(state: Awaitable[str], expected: str) -> bool:
    return await state == expected


async def test_a_worker_process_that_dies_takes_its_front_down_and_the_restarted_replica_does_the_work(
    tmp_path,
) -> None:
    async with split_serve(tmp_path) as (front, driver, emulator):
        await wait_for(lambda: len(children_of(front.pid)) == 1, what="the worker process")
        (worker,) = children_of(front.pid)
        os.kill(worker, signal.SIGSTOP)  # frozen: the /dial waits stored
        response = await driver.slash("13800138001 into conf 42 in 2 hours", user_id="U1", channel_id="C1")
        assert response.status_code == 200
        os.kill(worker, signal.SIGKILL)
        assert await asyncio.wait_for(front.wait(), 30) == 3  # the replica ends, for its manager to restart
        async with split_serve(tmp_path, emulator) as (_again, _driver, _emulator):
            await wait_for(lambda: scheduled(emulator, 1), timeout=20, what="the restarted replica to carry it out")


async def test_a_worker_process_ends_with_its_front_even_when_the_front_is_killed(tmp_path) -> None:
    async with split_serve(tmp_path) as (front, _driver, _emulator):
        await wait_for(lambda: len(children_of(front.pid)) == 1, what="the worker process")
        (worker,) = children_of(front.pid)
        front.kill()
        await front.wait()
        await wait_for(lambda: not alive(worker), timeout=15, what="the orphaned worker to stop")


async def test_a_split_serve_stopped_with_sigterm_stops_its_worker_first(tmp_path) -> None:
    async with split_serve(tmp_path) as (front, _driver, _emulator):
        await wait_for(lambda: len(children_of(front.pid)) == 1, what="the worker process")
        (worker,) = children_of(front.pid)
        front.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status tells what stopped it.
        assert await asyncio.wait_for(front.wait(), 30) in {0, -signal.SIGTERM}
        assert not alive(worker)
