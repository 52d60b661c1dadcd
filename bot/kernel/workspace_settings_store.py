"""Workspace settings on SQL: the environment's values, overridden by what each workspace's admins saved.

Every dial and every Slack request asks for its workspace's settings, so they are kept in process for
a few seconds (`cache_s`): a save clears its own process's copy at once, and other replicas read the
new values when their copy expires. The row keeps only the values that differ from the environment's,
so a value an admin never changed follows the environment.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.kernel.ports import Clock
from bot.kernel.tables import WorkspaceSettingsRow
from bot.kernel.workspace_settings import WorkspaceSettings, overrides, with_values

_table = WorkspaceSettingsRow.__table__  # type: ignore[attr-defined]

CACHE_S = 5.0


class SqlWorkspaceSettings:
    """A WorkspaceSettingsSource on an async engine, with `save` for App Home's settings form."""

    def __init__(
        self,
        engine: AsyncEngine,
        defaults: WorkspaceSettings,
        clock: Clock,
        *,
        cache_s: float = CACHE_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.defaults = defaults
        self._clock = clock
        self._cache_s = cache_s
        self._monotonic = monotonic
        self._cached: dict[str, tuple[float, WorkspaceSettings]] = {}

    async def for_team(self, team_id: str) -> WorkspaceSettings:
        """The team's settings now (at most `cache_s` old when another process saved them)."""
        hit = self._cached.get(team_id)
        now = self._monotonic()
        if hit is not None and hit[0] > now:
            return hit[1]
        async with self.engine.connect() as conn:
            saved = (await conn.execute(select(_table.c.saved).where(_table.c.team_id == team_id))).scalar()
        settings = with_values(self.defaults, _loaded(saved))
        self._cached[team_id] = (now + self._cache_s, settings)
        return settings

    async def save(self, team_id: str, settings: WorkspaceSettings, by: str) -> None:
        """Store `settings` as the team's (what differs from the environment's) and forget the cached copy."""
        values = {
            "team_id": team_id,
            "saved": json.dumps(overrides(self.defaults, settings), ensure_ascii=False, sort_keys=True),
            "updated_at": self._clock.now(),
            "updated_by": by,
        }
        insert: Any = postgresql.insert(_table) if self.engine.dialect.name == "postgresql" else sqlite.insert(_table)
        upsert = insert.values(**values).on_conflict_do_update(
            index_elements=[_table.c.team_id],
            set_={k: v for k, v in values.items() if k != "team_id"},
        )
        try:
            async with self.engine.begin() as conn:
                await conn.execute(upsert)
        finally:
            self._cached.pop(team_id, None)


def _loaded(saved: str | None) -> dict[str, Any]:
    """The stored JSON object; a row that is not one (hand-edited) counts as nothing saved."""
    if not saved:
        return {}
    try:
        value = json.loads(saved)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
