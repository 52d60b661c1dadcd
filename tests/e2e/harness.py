"""Emulator ↔ bot ↔ sandbox over real loopback HTTP, as one object tests drive.

The sandbox runs as its own server so it outlives a bot restart and counts every dial.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import and_, exists, func, or_, select

from bot.config import Settings
from bot.dialout.core.models import Invite, InviteStatus
from bot.dialout.providers.sandbox.settings import SandboxSettings
from bot.emulator.driver import SlackDriver
from bot.emulator.server import Message, SlackEmulator
from bot.kernel.outbox import outbox
from bot.kernel.ports import Clock
from bot.loopback import LoopbackServer, reserve_socket
from bot.sandbox.server import SandboxTelco
from bot.wiring import Confbot, build_asgi, build_confbot
from tests.conftest import TestDatabase

CHANNEL = "C0OPS"
AMY = "U0AMY"  # asks, Shanghai, English
LI = "U0LI"  # asks, Shanghai, Chinese
BOB = "U0BOB"  # has a phone ending in 1 (answers)
NOPHONE = "U0NOPHONE"


async def wait_for(predicate: Callable[[], Awaitable[bool] | bool], timeout: float = 10.0, what: str = "") -> None:
    """Poll until `predicate` holds; fail the test with `what` when it does not in time."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await asyncio.sleep(0.02)


class Harness:
    """A running emulator, sandbox and bot; `restart_bot` swaps the bot for a fresh process-like instance."""

    def __init__(
        self,
        database: TestDatabase,
        *,
        speed: float = 40.0,
        chaos: frozenset[str] = frozenset(),
        watch_every_s: float = 0.2,
        min_update_interval_s: float = 0.1,
        clock: Clock | None = None,
        **overrides: Any,
    ) -> None:
        """`watch_every_s` and `min_update_interval_s` are shorter than production's 1 s, so tests wait less;
        the test of Slack's once-a-second rule passes 1.0 and checks it on the emulator's clock."""
        self.database = database
        self.clock = clock  # every bot instance's clock (None: the system's); a FakeClock moves reminders
        self.pace = {"watch_every_s": watch_every_s, "min_update_interval_s": min_update_interval_s}
        self.watch_rounds = 0  # finished rounds of the open-call watcher, over every bot instance
        self.token = "xoxb-test-" + secrets.token_hex(6)
        self.signing_secret = secrets.token_hex(16)
        self.emulator = SlackEmulator(self.token, channels=[CHANNEL])
        self.emulator.add_user(AMY, name="amy", tz="Asia/Shanghai", locale="en-US", phone="+8613900000001")
        self.emulator.add_user(LI, name="li", tz="Asia/Shanghai", locale="zh-CN", phone="+8613900000002")
        self.emulator.add_user(BOB, name="bob", tz="Europe/London", phone="+86 139 0000 0011")
        self.emulator.add_user(NOPHONE, name="nophone")
        self.sandbox = SandboxTelco("sandbox-test-key", "sandbox-test-secret", speed=speed, chaos=chaos)
        self.overrides = overrides
        self.bots: list[tuple[Confbot, LoopbackServer]] = []
        self.driver: SlackDriver | None = None
        self._last_port: int | None = None

    @property
    def services(self) -> Confbot:
        return self.bots[-1][0]

    async def __aenter__(self) -> Harness:
        self.emulator_server = LoopbackServer(self.emulator.app)
        self.sandbox_server = LoopbackServer(self.sandbox.app)
        await self.emulator_server.start()
        await self.sandbox_server.start()
        await self.start_bot()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self.driver:
            await self.driver.aclose()
        for _, server in reversed(self.bots):
            await server.stop()
        self.bots.clear()
        await self.sandbox.aclose()
        await self.sandbox_server.stop()
        await self.emulator_server.stop()

    def settings(self, public_url: str) -> Settings:
        values: dict[str, Any] = {
            "slack_bot_token": SecretStr(self.token),
            "slack_signing_secret": SecretStr(self.signing_secret),
            "slack_app_token": SecretStr(""),
            "slack_api_url": f"{self.emulator_server.url}/api/",
            "database_url": self.database.url,
            "public_url": public_url,
            "default_region": "CN",
            "default_provider": "sandbox",
            # Stories with many parties are about something else; the bulk-launch confirmation has its
            # own (tests/e2e/test_paced_bulk.py), which turns it back on.
            "bulk_confirm_over": 0,
        }
        overrides = dict(self.overrides)
        sandbox = SandboxSettings(
            enabled=True,
            base_url=self.sandbox_server.url,
            api_key=SecretStr("sandbox-test-key"),
            webhook_secret=SecretStr("sandbox-test-secret"),
        )
        values["providers"] = {"sandbox": sandbox, **overrides.pop("providers", {})}
        values.update(overrides)
        return Settings(**values)

    async def start_bot(self, *, same_address: bool = False) -> Confbot:
        """Start one more bot instance on the same database (a restart, or a second replica).

        `same_address` reuses the port of the instance stopped last: a restarted deployment keeps its
        PUBLIC_URL, so providers' callbacks for calls placed before the restart still reach it.
        """
        sock = reserve_socket(port=self._last_port if same_address and self._last_port else 0)
        host, port = sock.getsockname()[:2]
        services = build_confbot(
            self.settings(f"http://{host}:{port}"), schema=self.database.schema, clock=self.clock, **self.pace
        )
        watch = services.invites.watch

        async def counted_watch() -> None:
            await watch()
            self.watch_rounds += 1

        services.invites.watch = counted_watch  # type: ignore[method-assign]
        server = LoopbackServer(build_asgi(services), sock)
        await server.start()
        self.bots.append((services, server))
        if self.driver:
            await self.driver.aclose()
        self.driver = SlackDriver(server.url, self.signing_secret, self.emulator_server.url)
        return services

    async def stop_bot(self) -> None:
        """Stop the newest bot instance (as if its process died after a clean shutdown).

        The outbox worker is stopped first, once it has nothing due or in flight, so each story
        reads the same whichever instance would have sent a message (a stopping worker gives back
        the rows it still holds, and the next instance sends them at once: tests/slack/test_outbox_worker.py);
        the rest of the bot then stops as usual.
        """
        services = self.services
        await wait_for(lambda: self._outbox_idle(services), what="the outbox to have nothing due or in flight")
        await services.worker.stop()
        _, server = self.bots.pop()
        self._last_port = int(server.url.rsplit(":", 1)[1])
        await server.stop()

    @staticmethod
    async def _outbox_idle(services: Confbot) -> bool:
        now = services.clock.now()
        older = outbox.alias("older")
        behind = exists().where(  # rows behind an older one of their thread wait for it, not for the clock
            and_(older.c.thread_key == outbox.c.thread_key, older.c.status == "pending", older.c.id < outbox.c.id)
        )
        due = and_(outbox.c.next_attempt_at <= now, ~behind)
        busy = and_(outbox.c.status == "pending", or_(outbox.c.leased_until > now, due))
        async with services.engine.connect() as conn:
            return not (await conn.execute(select(func.count()).select_from(outbox).where(busy))).scalar_one()

    async def wait_watch_rounds(self, rounds: int) -> None:
        """Let the open-call watcher run `rounds` more times (a condition, not a guess in seconds)."""
        target = self.watch_rounds + rounds
        await wait_for(lambda: self.watch_rounds >= target, what=f"{rounds} rounds of the call watcher")

    async def restart_bot(self) -> Confbot:
        await self.stop_bot()
        return await self.start_bot()

    # --- Slack side -----------------------------------------------------------------------

    async def dial(
        self, text: str, user: str = AMY, channel: str = CHANNEL, *, answered: bool = True
    ) -> httpx.Response:
        """Type `/dial text`; unless `answered` is False, return once its answer has arrived.

        The answer is posted after the ack, while the thread parent goes out through the outbox: either
        may reach Slack first. Waiting here keeps a later "the Nth answer" in a story about the click
        that follows rather than about this command. An ack that carries its own text (busy) is the
        answer itself; an empty `/dial` opens the form and answers nothing.
        """
        assert self.driver is not None

        def answers() -> int:
            return len(self.ephemerals(user)) + len(self.emulator.responses)

        before = answers()
        response = await self.driver.slash(text, user_id=user, channel_id=channel)
        if answered and text.strip() and response.status_code == 200 and not response.content:
            await wait_for(lambda: answers() > before, what=f"the answer to /dial {text[:40]}")
        return response

    def ephemerals(self, user: str = AMY) -> list[str]:
        return [e.text for e in self.emulator.ephemerals_for(user)]

    async def wait_ephemeral(self, user: str = AMY, count: int = 1) -> str:
        await wait_for(lambda: len(self.ephemerals(user)) >= count, what="an ephemeral reply")
        return self.ephemerals(user)[count - 1]

    def parents(self) -> list[Message]:
        return self.emulator.channel_messages(CHANNEL)

    def thread(self, parent: Message) -> list[Message]:
        return self.emulator.thread(CHANNEL, parent.ts)

    def roster(self, invite: Invite) -> Message:
        assert invite.roster_ts
        message = self.emulator.find(CHANNEL, invite.roster_ts)
        assert message is not None
        return message

    def replies_text(self, invite: Invite) -> list[str]:
        assert invite.thread_ts
        return [m.text for m in self.emulator.thread(CHANNEL, invite.thread_ts)[1:] if m.ts != invite.roster_ts]

    # --- bot side -------------------------------------------------------------------------

    async def only_invite(self) -> Invite:
        invites = await self.services.store.recent_invites(CHANNEL, 5)
        assert len(invites) == 1, invites
        return invites[0]

    async def wait_done(self, timeout: float = 15.0) -> Invite:
        """Wait until the newest invite is done and Slack has every message."""

        async def done() -> bool:
            invites = await self.services.store.recent_invites(CHANNEL, 1)
            return (
                bool(invites)
                and invites[0].status is InviteStatus.DONE
                and (await self.services.outbox.pending_count() == 0)
            )

        await wait_for(done, timeout, "the invite to finish and Slack to be up to date")
        return (await self.services.store.recent_invites(CHANNEL, 1))[0]

    def sandbox_dials(self, number: str | None = None) -> int:
        return sum(1 for c in self.sandbox.calls.values() if number is None or c.to == number)
