"""`confbot serve` as the tests run it: its own process, configured only by its environment, on the embedded
sandbox, pointed at a Slack emulator; the one place the tests know how it is started and when it is up.

Each test stops it its own way (SIGTERM for a graceful stop, SIGKILL for a crash), so stopping stays with them.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import httpx

from bot.loopback import reserve_socket
from tests.e2e.harness import wait_for

# What the process's output may be sent to: a pipe, another stream, nowhere (asyncio.subprocess's values).
Output = int | None


def free_port() -> int:
    """A loopback port nothing listens on (reserved, then let go for the server to take)."""
    sock = reserve_socket()
    port = int(sock.getsockname()[1])
    sock.close()
    return port


def serve_env(token: str, secret: str, slack_url: str, database: Path, port: int, **more: str) -> dict[str, str]:
    """The environment of a tested `confbot serve`: this one's, plus Slack (the emulator at `slack_url`), an
    SQLite file, the port and the sandbox; `more` adds or replaces settings by their variable names.

    The runner's own SLACK_APP_TOKEN (Socket Mode) and LOG_FORMAT are dropped unless given in `more`: the
    tests speak HTTP to it and read the default (JSON) log.
    """
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": token,
        "SLACK_SIGNING_SECRET": secret,
        "SLACK_API_URL": f"{slack_url}/api/",
        "DATABASE_URL": f"sqlite:///{database}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "SANDBOX_ENABLED": "true",
        "LOG_LEVEL": "INFO",
    }
    env.pop("SLACK_APP_TOKEN", None)
    env.pop("LOG_FORMAT", None)
    env.update(more)
    return env


async def start_serve(
    env: dict[str, str],
    workdir: Path,
    *,
    stdout: Output = asyncio.subprocess.PIPE,
    stderr: Output = asyncio.subprocess.PIPE,
    healthy: bool = True,
) -> asyncio.subprocess.Process:
    """Start `confbot serve` in `workdir` and return once it answers /healthz (killed if it never does);
    with `healthy=False` at once, for a process meant to refuse to start."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", env=env, cwd=workdir, stdout=stdout, stderr=stderr
    )
    if not healthy:
        return process
    try:
        await wait_healthy(f"http://127.0.0.1:{env['PORT']}")
    except BaseException:
        if process.returncode is None:
            process.kill()
        await process.communicate()  # reads what is piped, so a full pipe cannot hold the exit up
        raise
    return process


async def wait_healthy(base_url: str, timeout: float = 30) -> None:
    """Wait until the server at `base_url` says it is healthy (`{"ok": true}` from /healthz)."""
    async with httpx.AsyncClient(trust_env=False) as http:

        async def healthy() -> bool:
            try:
                response = await http.get(f"{base_url}/healthz")
                return response.status_code == 200 and response.json().get("ok") is True
            except (httpx.HTTPError, ValueError):
                return False

        await wait_for(healthy, timeout=timeout, what="confbot serve to answer /healthz")
