"""Two `confbot serve` replicas on one PostgreSQL schema: one schedules, and the other takes over.

Real processes, the leader killed with SIGKILL as a crash or an OOM kill would: invites typed on the
follower are fired by the leader (NOTIFY, long before the 30 s reconcile), and after the kill the
follower leads, rebuilds and fires the rest. The simulated provider runs in this test, behind
nothing, so it records every call whichever replica placed it; provider webhooks go through a
small front that forwards to whichever replica still answers, as a load balancer would.
Skips when PostgreSQL is not reachable (see test_claims_pg).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

import httpx
import psycopg
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.emulator.driver import SlackDriver
from bot.emulator.server import SlackEmulator
from bot.loopback import LoopbackServer, reserve_socket
from bot.sandbox.server import SandboxTelco
from tests.conftest import PG_DEFAULT, PG_ENV, create_pg_schema, drop_pg_schema
from tests.e2e.harness import wait_for
from tests.pg.test_claims_pg import _SKIP

URL = os.environ.get(PG_ENV, PG_DEFAULT)
pytestmark = pytest.mark.skipif(_SKIP is not None, reason=_SKIP or "")
TOKEN, SECRET = "xoxb-replicas-test", "replicas-signing-secret"
API_KEY, WEBHOOK_SECRET = "replicas-sandbox-key", "replicas-sandbox-webhook-secret"
INVITES = 20  # half typed "now" on the follower, half due a few seconds on (fired after the kill)


def numbers(invite: int) -> tuple[str, str]:
    """The invite's two parties; they end in 1 and 2, which the simulator answers."""
    return (f"1380013{invite * 10 + 1:04d}", f"1380013{invite * 10 + 2:04d}")


def front(replicas: Sequence[str]) -> Starlette:
    """Forwards provider webhooks to the first replica that answers, as a load balancer would."""

    http = httpx.AsyncClient(timeout=5.0, trust_env=False, limits=httpx.Limits(max_connections=200))

    async def handle_webhook(request: Request) -> Response:
        body = await request.body()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in {"host", "content-length"}}
        for replica in replicas:
            try:
                answer = await http.post(f"{replica}{request.url.path}", content=body, headers=headers)
            except httpx.TransportError:
                continue  # that replica is dead: the next one gets it
            return Response(answer.content, status_code=answer.status_code)
        return Response(status_code=502)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        await http.aclose()

    return Starlette(routes=[Route("/webhooks/{provider}", handle_webhook, methods=["POST"])], lifespan=lifespan)


@asynccontextmanager
async def replica(
    tmp_path: Path,
    name: str,
    database_url: str,
    slack: str,
    sandbox: str,
    webhooks: str,
    port: int,
    **settings: str,
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`confbot serve` on `port`, with `settings` besides the shared ones; answering /healthz when yielded."""
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": f"{slack}/api/",
        "DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PUBLIC_URL": webhooks,
        "SANDBOX_ENABLED": "true",
        "SANDBOX_BASE_URL": sandbox,
        "SANDBOX_API_KEY": API_KEY,
        "SANDBOX_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "LOG_LEVEL": "INFO",
        **settings,
    }
    env.pop("SLACK_APP_TOKEN", None)
    with (tmp_path / f"{name}.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve", env=env, cwd=tmp_path, stdout=log, stderr=log
        )
        try:
            async with httpx.AsyncClient() as http:

                async def healthy() -> bool:
                    try:
                        return (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200
                    except httpx.HTTPError:
                        return False

                await wait_for(healthy, timeout=30, what=f"replica {name} to answer /healthz")
            yield process
        finally:
            if process.returncode is None:
                process.kill()
            await process.wait()


async def scheduler_of(port: int) -> str:
    async with httpx.AsyncClient() as http:
        return str((await http.get(f"http://127.0.0.1:{port}/readyz")).json().get("scheduler"))


async def invite_statuses(schema: str) -> list[str]:
    conninfo = URL.replace("postgresql+psycopg://", "postgresql://")
    async with await psycopg.AsyncConnection.connect(conninfo, options=f"-csearch_path={schema}") as conn:
        cursor = await conn.execute("SELECT status FROM invites ORDER BY id")
        return [row[0] for row in await cursor.fetchall()]


def free_port() -> int:
    sock = reserve_socket()
    port = int(sock.getsockname()[1])
    sock.close()
    return port


async def test_when_the_leader_is_killed_the_other_replica_dials_the_rest_and_nobody_twice(tmp_path) -> None:
    schema = create_pg_schema(URL)
    database_url = f"{URL}?options={quote(f'-csearch_path={schema}')}"
    emulator = SlackEmulator(TOKEN, channels=["C1"])
    emulator.add_user("U1", name="amy", tz="Asia/Shanghai")
    slack = LoopbackServer(emulator.app)
    ports = [free_port(), free_port()]
    webhooks = LoopbackServer(front([f"http://127.0.0.1:{p}" for p in ports]))
    telco = SandboxTelco(API_KEY, WEBHOOK_SECRET, speed=50, callback_prefix=f"{webhooks.url}/webhooks/")
    sandbox = LoopbackServer(telco.app)
    for server in (slack, webhooks, sandbox):
        await server.start()
    first, second = (SlackDriver(f"http://127.0.0.1:{port}", SECRET, slack.url) for port in ports)
    urls = (database_url, slack.url, sandbox.url, webhooks.url)

    async def stored() -> bool:
        return len(await invite_statuses(schema)) == INVITES

    async def ended() -> bool:
        return set(await invite_statuses(schema)) == {"done"}

    async def second_leads() -> bool:
        return await scheduler_of(ports[1]) == "leader"

    try:
        async with replica(tmp_path, "a", *urls, ports[0]) as leader:
            assert await scheduler_of(ports[0]) == "leader"
            async with replica(tmp_path, "b", *urls, ports[1]):
                assert await scheduler_of(ports[1]) == "follower"

                # Typed on the follower, due now: the leader hears of each and dials it at once.
                for invite in range(INVITES // 2):
                    text = f"{', '.join(numbers(invite))} into conf 42 now"
                    assert (await second.slash(text, user_id="U1", channel_id="C1")).status_code == 200
                await wait_for(
                    lambda: len(telco.calls) == 2 * (INVITES // 2),
                    timeout=20,  # well inside the 30 s reconcile: only the NOTIFY can explain it
                    what="the leader to dial what the follower stored",
                )

                # Due a few seconds on, typed on both; the leader dies before they come due.
                for invite in range(INVITES // 2, INVITES):
                    driver = first if invite % 2 else second
                    text = f"{', '.join(numbers(invite))} into conf 42 in 8 seconds"
                    assert (await driver.slash(text, user_id="U1", channel_id="C1")).status_code == 200
                await wait_for(stored, timeout=20, what="every invite to be stored")
                leader.kill()
                await leader.wait()

                await wait_for(second_leads, timeout=10, what="the follower to take over")
                await wait_for(lambda: len(telco.calls) == 2 * INVITES, timeout=30, what="every party to be dialled")
                await wait_for(ended, timeout=30, what="every invite to end")
    finally:
        for driver in (first, second):
            await driver.aclose()
        for server in (sandbox, webhooks, slack):
            await server.stop()
        await telco.aclose()
        drop_pg_schema(URL, schema)
    dialled = Counter(call.to for call in telco.calls.values())
    expected = {f"+86{n}" for invite in range(INVITES) for n in numbers(invite)}
    assert set(dialled) == expected and set(dialled.values()) == {1}, dialled
