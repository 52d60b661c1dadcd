"""`confbot serve` in two processes: the front answers Slack and webhooks, a child (`confbot work`) does the work.

Why: the ack shared one event loop and the GIL with carrying commands out (profiles, storing invites,
thread parents through the outbox, call events, the scheduler). Holding background steps back while
requests were in flight (bot/kernel/acks_first.py) was not enough: a step already under way delayed
the ack, and /dial's ack p99 stayed 1.8–2.6× a bare Bolt app's (bench/ack_load.py). The front now only
stores (inbox rows, webhook events, outbox rows) and the work is done in another process.

How they talk: everything is in the database, so the worker finds it on its own (it looks every
WORKER_POLL_S). To make it quick, the front also writes one-word wake-ups on the child's stdin
("inbox", "outbox", "events", "invite <id>"): a pipe, so nothing listens on a port, and its end is
the parent's life: a worker whose stdin reaches end-of-file (its front was stopped or killed, even
with SIGKILL) stops, so no worker outlives its front and leads on beside the next one.

Supervision (choice): front and worker are one replica and end together. A worker that dies takes
its front down (`on_death`: `confbot serve` stops gracefully and exits with status 3), and the process
manager (compose's restart policy, systemd, Kubernetes) starts the replica again, as for any crash.
Restarting the worker from the front was tried first; it hid a worker dying over and over behind a
front that looked healthy, and made "a replica died" mean two different things on PostgreSQL, where
the other replicas must take over its leadership and its leases. Nothing is lost either way: commands
and events wait in their tables. A worker whose front is gone (its stdin ends) exits at once, as its
front did. On SIGTERM (uvicorn's shutdown) the front signals the child, which stops gracefully (after
`stop_grace_s` it is killed), and the pipe is closed once it has.

The worker still gives way to acks (bot/kernel/acks_first.py): the front publishes how many requests
it is serving in a small shared file, and the worker starts no new step while there are any (at most
ACKS_FIRST_MAX_WAIT_S); it also runs at a lower priority (WORKER_NICE), so a busy CPU serves the front.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import tempfile
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path

from bot.kernel.acks_first import SharedCount

log = logging.getLogger(__name__)

# Wake-ups the worker has not read yet beyond this many bytes are dropped (hints only, never unbounded).
WAKE_BUFFER_BYTES = 64 * 1024


def worker_command() -> list[str]:
    """The child's command line: this interpreter running `confbot work` (same code, same environment)."""
    return [sys.executable, "-m", "bot", "work"]


class WorkerProcess:
    """The front's handle on its worker: start, wake, notice when it dies, stop."""

    def __init__(
        self,
        command: Sequence[str] | None = None,
        *,
        env: Mapping[str, str] | None = None,
        stop_grace_s: float = 15.0,
        on_death: Callable[[int], None] = lambda _code: None,
    ) -> None:
        """`on_death(exit status)` is called when the worker ends without being asked to (the front ends then)."""
        self._on_death = on_death
        # The front's count of requests in flight, shared with the worker (bot/kernel/acks_first.py).
        self.waiting = SharedCount(_temporary("confbot-acks-"), create=True)
        # Whether the worker has started and runs the scheduler (bot/wiring.py): for /readyz and /metrics.
        self.leads = SharedCount(_temporary("confbot-leads-"), create=True)
        self._command = [
            *(command or worker_command()),
            *("--acks-file", str(self.waiting.path), "--leader-file", str(self.leads.path)),
        ]
        self._env = dict(env) if env is not None else None
        self._stop_grace_s = stop_grace_s
        self._process: asyncio.subprocess.Process | None = None
        self._watch: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def start(self) -> None:
        """Start the worker and watch it: `on_death` when it dies unasked."""
        self._stopping = False
        await self._spawn()
        self._watch = asyncio.create_task(self._supervise(), name="worker-process")

    def wake(self, word: str) -> None:
        """Tell the worker something was stored (a hint: it also looks on its own, so a lost one costs a delay)."""
        process = self._process
        if process is None or process.stdin is None or process.returncode is not None:
            return
        if process.stdin.transport.get_write_buffer_size() > WAKE_BUFFER_BYTES:
            return  # the worker is not reading (stalled or dying): it finds the work when it looks
        with contextlib.suppress(ConnectionError, RuntimeError):
            process.stdin.write(f"{word}\n".encode())

    async def stop(self) -> None:
        """Stop the worker: end of its stdin and SIGTERM, then SIGKILL after `stop_grace_s`."""
        self._stopping = True
        watch, self._watch = self._watch, None
        if watch is not None:
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            await self._end(process)
        self.leads.set(0)
        for shared in (self.waiting, self.leads):
            shared.close()
            shared.path.unlink(missing_ok=True)

    async def _end(self, process: asyncio.subprocess.Process) -> None:
        """SIGTERM first (a graceful stop); its stdin is closed after: an end of stdin means "the front is gone"."""
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(self._stop_grace_s):
                await process.wait()
        except TimeoutError:
            log.error("the worker process did not stop within %s s; killing it", self._stop_grace_s)
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
        if process.stdin is not None:
            process.stdin.close()

    async def _spawn(self) -> None:
        self._process = await asyncio.create_subprocess_exec(
            *self._command, stdin=asyncio.subprocess.PIPE, env=self._env
        )
        log.info("started the worker process (pid %s)", self._process.pid)

    async def _supervise(self) -> None:
        process = self._process
        assert process is not None
        code = await process.wait()
        if self._stopping:
            return
        self.leads.set(0)  # a dead worker leads nothing
        log.error("the worker process (pid %s) exited with %s; this replica stops too", process.pid, code)
        self._on_death(code)


def _temporary(prefix: str) -> Path:
    handle, name = tempfile.mkstemp(prefix=prefix)
    os.close(handle)
    return Path(name)


Wakes = Mapping[str, Callable[[str], Awaitable[None] | None]]


async def read_wakes(wakes: Wakes, stdin_fd: int | None = None) -> None:
    """The worker's side of the pipe: hand each line to `wakes[first word](rest)`; return at end-of-file.

    End-of-file means the front is gone (stopped, or killed without a word): the worker stops then.
    """
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    pipe = os.fdopen(sys.stdin.fileno() if stdin_fd is None else stdin_fd, "rb", buffering=0, closefd=False)
    transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), pipe)
    try:
        while line := await reader.readline():
            word, _, rest = line.decode(errors="replace").strip().partition(" ")
            handler = wakes.get(word)
            if handler is None:
                continue
            try:
                result = handler(rest)
                if result is not None:
                    await result
            except Exception:  # a wake-up is a hint; the worker's own looks cover what it missed
                log.exception("handling the wake-up %r failed", word)
    finally:
        transport.close()
