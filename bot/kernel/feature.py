"""What a feature (dial-out, inbound routing, a future front-end) offers the composition root.

`bot/wiring.py` builds each feature from settings and the shared pieces (engine, clock, Slack
client, outbox) and then only talks to it through this shape: mount its HTTP routes, register its
Slack listeners, start and stop its background work. A new feature is a new slice that implements
this, not branches in the webhook, notifier or request code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # typing only: the kernel does not depend on Bolt or Starlette at run time
    from slack_bolt.async_app import AsyncApp
    from starlette.routing import BaseRoute


class Feature(Protocol):
    """A slice of confbot, as the composition root sees it."""

    def routes(self) -> Sequence[BaseRoute]:
        """The HTTP endpoints it serves (webhooks, platform callbacks)."""
        ...

    def register(self, app: AsyncApp) -> None:
        """Attach its Slack listeners (commands, actions, events) to the Bolt app."""
        ...

    async def start(self, *, work: bool = True) -> None:
        """Start its background work inside the running loop (after the database is migrated).

        `work=False`: only what answering requests needs (the front of a split `confbot serve`,
        bot/kernel/worker_process.py); the worker process starts the rest.
        """
        ...

    async def stop(self) -> None:
        """Stop its background work; what is pending stays in the database."""
        ...


@dataclass(frozen=True)
class Asker:
    """Who typed a command, and where."""

    user_id: str
    team_id: str
    channel_id: str


class Subcommand(Protocol):
    """Words of `/dial` that another feature owns (inbound routing owns `/dial route …`, `/dial routes`)."""

    def claims(self, text: str) -> bool:
        """Whether the command text is this subcommand's."""
        ...

    async def handle(self, text: str, asker: Asker) -> str:
        """Carry the command out and return the private answer (Slack mrkdwn) in the asker's language."""
        ...
