"""Scheduler jobs: module-level functions taking ids only, as APScheduler wants them.

`app_key` names the running confbot instance (several can share a process in tests);
the job looks its services up at run time instead of carrying them in its arguments.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.wiring import Services

log = logging.getLogger(__name__)

RUNNING: dict[str, Services] = {}


async def fire_invite(app_key: str, invite_id: int) -> None:
    """An invite's due time has come."""
    services = RUNNING.get(app_key)
    if services is not None:
        await services.invites.fire(invite_id)


async def reconcile(app_key: str) -> None:
    """Re-read the schedule from the rows (catches invites another replica wrote)."""
    services = RUNNING.get(app_key)
    if services is not None:
        await services.invites.rebuild()


async def watch_calls(app_key: str) -> None:
    """Poll providers, reconcile unknown calls, give up calls with no news."""
    services = RUNNING.get(app_key)
    if services is not None:
        await services.invites.watch()
