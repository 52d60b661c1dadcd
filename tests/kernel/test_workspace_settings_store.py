"""The workspace settings store on SQLite, and on PostgreSQL when CONFBOT_TEST_DATABASE_URL is set."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.kernel.tables import WorkspaceSettingsRow
from bot.kernel.workspace_settings import DialLimits, parse_quiet_hours
from bot.kernel.workspace_settings_store import SqlWorkspaceSettings

DEFAULTS = Settings(default_region="CN", retry_policy="off", reminder_minutes=10).workspace_defaults()


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_a_team_that_saved_nothing_gets_the_environments_settings(engine: AsyncEngine, clock) -> None:
    assert await SqlWorkspaceSettings(engine, DEFAULTS, clock).for_team("T1") == DEFAULTS


async def test_a_save_applies_to_its_team_only_and_at_once_in_the_saving_process(engine: AsyncEngine, clock) -> None:
    store = SqlWorkspaceSettings(engine, DEFAULTS, clock)
    assert await store.for_team("T1") == DEFAULTS  # now cached
    chosen = replace(
        DEFAULTS,
        policy=replace(DEFAULTS.policy, allowed_countries=frozenset({"CN", "HK"}), block_uan=False),
        limits=DialLimits(max_parties=20, quiet_hours=parse_quiet_hours("22:00-07:00")),
        default_providers={"conference": "sandbox", "meeting": "tencent_meeting", "event": "quanshi"},
        retry_policy="busy=3x2m",
        tencent_operators={"U1": "op1"},
        route_admin_group="S1",
    )
    await store.save("T1", chosen, by="UADMIN")
    assert await store.for_team("T1") == chosen
    assert await store.for_team("T2") == DEFAULTS


async def test_other_processes_see_a_save_once_their_copy_expires(engine: AsyncEngine, clock) -> None:
    ticks = Ticks()
    saver = SqlWorkspaceSettings(engine, DEFAULTS, clock)
    other = SqlWorkspaceSettings(engine, DEFAULTS, clock, cache_s=5, monotonic=ticks)
    assert await other.for_team("T1") == DEFAULTS
    await saver.save("T1", replace(DEFAULTS, reminder_minutes=3), by="UADMIN")
    ticks.now = 4.9
    assert (await other.for_team("T1")).reminder_minutes == 10
    ticks.now = 5.1
    assert (await other.for_team("T1")).reminder_minutes == 3


async def test_only_changed_values_are_stored_so_the_rest_follow_the_environment(engine: AsyncEngine, clock) -> None:
    await SqlWorkspaceSettings(engine, DEFAULTS, clock).save("T1", replace(DEFAULTS, reminder_minutes=3), by="UA")
    async with engine.connect() as conn:
        row = (await conn.execute(WorkspaceSettingsRow.__table__.select())).one()  # type: ignore[attr-defined]
    assert (row.team_id, row.saved, row.updated_by) == ("T1", '{"reminder_minutes": 3}', "UA")
    later_env = replace(DEFAULTS, retry_policy="busy=2")
    read = await SqlWorkspaceSettings(engine, later_env, clock).for_team("T1")
    assert (read.reminder_minutes, read.retry_policy) == (3, "busy=2")


async def test_saving_twice_replaces_the_first_save(engine: AsyncEngine, clock) -> None:
    store = SqlWorkspaceSettings(engine, DEFAULTS, clock)
    await store.save("T1", replace(DEFAULTS, reminder_minutes=3), by="UA")
    await store.save("T1", replace(DEFAULTS, pace_per_min=30.0), by="UB")
    read = await store.for_team("T1")
    assert (read.reminder_minutes, read.pace_per_min) == (10, 30.0)
