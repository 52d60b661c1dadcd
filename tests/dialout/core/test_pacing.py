"""The pacer on a fake clock: a burst goes at once, then one request per 60/pace seconds, per provider
and per workspace, across every invite of the process; the time left follows the pace."""

from __future__ import annotations

import asyncio

import pytest

from bot.dialout.core.pacing import Pacer, Schedule, effective_pace, estimate_s
from bot.kernel.workspace_settings import WorkspaceSettings


class FakeTime:
    """Monotonic seconds that move only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def pacer(time: FakeTime, paces: dict[str, float], workspace: float = 0.0, burst: int = 3) -> Pacer:
    return Pacer(paces, workspace, burst=burst, monotonic=time.monotonic, sleep=time.sleep)


def test_a_burst_goes_at_once_then_one_request_per_interval() -> None:
    schedule = Schedule(per_min=60, burst=3)
    slots = []
    for _ in range(6):
        slot = schedule.earliest(0.0)
        schedule.take(slot)
        slots.append(slot)
    assert slots == [0.0, 0.0, 0.0, 1.0, 2.0, 3.0]


def test_an_idle_schedule_refills_only_up_to_its_burst() -> None:
    schedule = Schedule(per_min=60, burst=2)
    for _ in range(2):
        schedule.take(schedule.earliest(0.0))
    # An hour idle: still only two at once, then the pace.
    slots = []
    for _ in range(4):
        slot = schedule.earliest(3600.0)
        schedule.take(slot)
        slots.append(slot)
    assert slots == [3600.0, 3600.0, 3601.0, 3602.0]


def test_an_unlimited_schedule_never_waits() -> None:
    schedule = Schedule(per_min=0)
    for _ in range(1000):
        assert schedule.earliest(5.0) == 5.0
        schedule.take(5.0)


def test_invites_of_one_provider_share_its_pace_whoever_asks_first() -> None:
    time = FakeTime()
    pace = pacer(time, {"tencent_meeting": 120})  # one every 0.5 s after a burst of 3
    # Two invites asking in turn, as their senders do on the loop: one schedule, distinct slots.
    slots = [pace.reserve("tencent_meeting", team) for _ in range(10) for team in ("T1", "T1")]
    assert slots == sorted(slots)
    offsets = [slot - 1000.0 for slot in slots]
    assert offsets[:3] == [0.0, 0.0, 0.0]
    assert offsets[3:] == pytest.approx([0.5 * k for k in range(1, 18)])


async def test_a_turn_waits_for_its_slot_and_no_longer() -> None:
    time = FakeTime()
    pace = pacer(time, {"voipnow": 60}, burst=1)
    waits: list[float] = []
    for _ in range(4):
        before = time.now
        await pace.turn("voipnow", "T1")
        waits.append(time.now - before)
    assert waits == pytest.approx([0.0, 1.0, 1.0, 1.0])


async def test_providers_have_their_own_pace() -> None:
    time = FakeTime()
    pace = pacer(time, {"tencent_meeting": 60, "yunhuni": 0})
    for _ in range(5):
        await pace.turn("tencent_meeting", "T1")
    slow_done = time.now
    for _ in range(100):
        await pace.turn("yunhuni", "T1")
    assert slow_done - 1000.0 == pytest.approx(2.0)
    assert time.now == slow_done  # the unlimited provider waited for nobody


async def test_the_workspace_pace_caps_every_provider_together() -> None:
    time = FakeTime()
    pace = pacer(time, {"a": 600, "b": 600}, workspace=60)
    for provider in ["a", "b"] * 3:
        await pace.turn(provider, "T1")
    assert time.now - 1000.0 == pytest.approx(3.0)  # 6 requests: 3 at once, then 1 a second
    time_before = time.now
    await pace.turn("a", "T2")  # another workspace has its own cap
    assert time.now == time_before


def test_an_invite_is_sent_at_the_slowest_of_its_limits() -> None:
    assert effective_pace(240, 0) == 240
    assert effective_pace(240, 60) == 60
    assert effective_pace(0, 0) == 0
    assert Pacer({"x": 240}, 100).pace_for("x", "T") == 100
    assert Pacer({"x": 240}).pace_for("unknown", "T") == 0


def test_the_time_left_is_the_waiting_calls_at_the_pace() -> None:
    assert estimate_s(180, 240) == pytest.approx(45.0)
    assert estimate_s(0, 240) is None
    assert estimate_s(10, 0) is None


class TeamPaces:
    """A WorkspaceSettingsSource where each team has its own pace (the others the environment's)."""

    def __init__(self, paces: dict[str, float]) -> None:
        self.paces = paces

    async def for_team(self, team_id: str) -> WorkspaceSettings:
        return WorkspaceSettings(pace_per_min=self.paces.get(team_id, 0.0))


async def test_each_workspace_is_paced_at_the_pace_its_admins_set_even_when_they_change_it() -> None:
    time = FakeTime()
    teams = TeamPaces({"T1": 60})
    pace = Pacer({"a": 0}, 0, burst=3, monotonic=time.monotonic, sleep=time.sleep, workspace_settings=teams)
    for _ in range(6):
        await pace.turn("a", "T1")
    assert time.now - 1000.0 == pytest.approx(3.0)  # T1: 3 at once, then 1 a second
    before = time.now
    for _ in range(6):
        await pace.turn("a", "T2")  # T2 set none: unlimited
    assert time.now == before
    assert await pace.pace_of("a", "T1") == 60 and await pace.pace_of("a", "T2") == 0
    teams.paces["T1"] = 0  # its admins lift the limit
    for _ in range(6):
        await pace.turn("a", "T1")
    assert time.now == before
