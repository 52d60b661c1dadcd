"""`confbot serve` as the benchmarks run it: its own process, on the embedded sandbox, pointed at the emulator.

Each benchmark measures the real server from outside, as Slack and the providers reach it; this is
the one place that knows how it is started.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.loopback import reserve_socket


def free_port() -> int:
    """A loopback port nothing listens on (reserved, then let go for the server to take)."""
    sock = reserve_socket()
    port = int(sock.getsockname()[1])
    sock.close()
    return port


def serve_env(token: str, secret: str, slack_url: str, db: Path | str, port: int, **more: str) -> dict[str, str]:
    """The environment of a benchmarked `confbot serve`; `db` is an SQLite file or a database URL,
    `more` adds settings by their variable names."""
    return {
        **os.environ,
        "SLACK_BOT_TOKEN": token,
        "SLACK_SIGNING_SECRET": secret,
        "SLACK_API_URL": f"{slack_url}/api/",
        "DATABASE_URL": f"sqlite:///{db}" if isinstance(db, Path) else db,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "SANDBOX_ENABLED": "true",
        "LOG_LEVEL": "WARNING",
        **more,
    }


async def start_serve(env: dict[str, str], workdir: Path, log: Path | None = None) -> asyncio.subprocess.Process:
    """Start `confbot serve` in `workdir`; its log goes to `log` (or nowhere)."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "serve",
        env=env,
        cwd=workdir,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=log.open("w") if log else asyncio.subprocess.DEVNULL,
    )
