"""The dialing policy holds at the moment of dialling, whatever changed since the invite was scheduled."""

from __future__ import annotations

import asyncio
from datetime import time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.dialout.core.invites import DialingRules, InviteService
from bot.dialout.core.limits import in_quiet_hours
from bot.dialout.core.models import Invite, Target, TargetKind
from bot.dialout.core.status import StatusService
from bot.kernel.people import Party, PartyKind
from bot.kernel.phone import DialingPolicy, normalise
from bot.kernel.states import CallState, FailReason
from bot.kernel.workspace_settings import DialLimits, FixedWorkspaceSettings, QuietHours, WorkspaceSettings
from tests.conftest import FakeClock
from tests.dialout.core.fakes import InMemoryInviteStore, RecordingNotifier, RecordingScheduler, ScriptedProvider


class World:
    """A store and a provider shared by the bot that scheduled and the one that dials (a restart between)."""

    def __init__(self) -> None:
        self.clock = FakeClock()
        self.store = InMemoryInviteStore()
        self.notifier = RecordingNotifier()
        self.provider = ScriptedProvider()

    def service(self, policy: DialingPolicy, limits: DialLimits | None = None) -> InviteService:
        status = StatusService(self.store, self.notifier, self.clock, {self.provider.name: self.provider.info})
        return InviteService(
            self.store,
            RecordingScheduler(),
            self.notifier,
            {self.provider.name: self.provider},
            status,
            self.clock,
            callback_url=lambda name: f"http://127.0.0.1:9/webhooks/{name}",
            rules=DialingRules(policy=policy),
            workspace_settings=FixedWorkspaceSettings(WorkspaceSettings(policy=policy, limits=limits or DialLimits())),
        )

    async def schedule(self, policy: DialingPolicy, parties: list[Party]) -> int:
        now = self.clock.now()
        invite = Invite(
            team_id="T",
            channel_id="C",
            created_by="U1",
            provider=self.provider.name,
            target=Target(TargetKind.CONFERENCE, "42"),
            due_at=now + timedelta(minutes=5),
            tz="Asia/Shanghai",
            created_at=now,
        )
        saved = await self.service(policy).schedule(invite, parties)
        assert saved.id is not None
        return saved.id


def phones(*numbers: str) -> list[Party]:
    return [Party(PartyKind.PHONE, n) for n in numbers]


async def test_a_number_outside_the_policy_set_after_scheduling_is_failed_for_policy_and_never_sent() -> None:
    world = World()
    invite_id = await world.schedule(DialingPolicy("CN"), phones("+85291234567", "+8613800138001"))
    world.clock.advance(minutes=5)
    await world.service(DialingPolicy("CN", allowed_countries=frozenset({"CN"}))).fire(invite_id)
    assert world.provider.dialled == ["+8613800138001"]
    states = {a.party.address: (a.state, a.reason, a.provider_code) for a in await world.store.attempts(invite_id)}
    assert states["+85291234567"] == (CallState.FAILED, FailReason.POLICY, "country_not_allowed")
    assert states["+8613800138001"][0] is CallState.DIALING
    assert world.notifier.failed == [invite_id]


async def test_rooms_are_not_phone_numbers_and_are_left_to_the_provider() -> None:
    world = World()
    invite_id = await world.schedule(DialingPolicy("CN"), [Party(PartyKind.SIP, "room1@10.1.2.3")])
    world.clock.advance(minutes=5)
    await world.service(DialingPolicy("CN", allowed_countries=frozenset({"CN"}))).fire(invite_id)
    assert len(world.provider.requests) == 1


# Numbers of every kind the policy judges: home mobiles and landlines, other countries, the toll-fraud
# types, numbers of no country, and anything a profile or a route might hold.
SAMPLE_NUMBERS = [
    "+8613800138001",
    "+861058512042",
    "+864008001234",
    "+85291234567",
    "+14155552671",
    "+19005550100",
    "+447011123456",
    "+443451234567",
    "+442079460958",
    "+8816123456789",
    "+870773123456",
    "+882161234567",
    "+41860123456789",
    "+80012345678",
]
REGIONS = ["CN", "HK", "US", "GB", "001"]

policies = st.builds(
    DialingPolicy,
    region=st.sampled_from(["CN", "US", "GB"]),
    allowed_countries=st.none() | st.frozensets(st.sampled_from(REGIONS), max_size=3),
    block_premium_rate=st.booleans(),
    block_shared_cost=st.booleans(),
    block_personal_numbers=st.booleans(),
    block_uan=st.booleans(),
    block_voicemail=st.booleans(),
    block_international_networks=st.booleans(),
)
# As people type them (national forms, spaces, letters, 00 prefixes) and as profiles hold them.
TYPED = [
    "1-900-FLOWERS",
    "+1-900-FLOWERS",
    "138 0013 8001",
    "852 9123 4567",
    "07011 123456",
    "00881612345678",
    "(021) 6123 4567",
    "400 800 1234",
    "1 (415) 555-2671",
    "+44 70 1112 3456",
    "0044 345 123 4567",
]
numbers = (
    st.sampled_from(SAMPLE_NUMBERS)
    | st.sampled_from(TYPED)
    | st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True)
    | st.from_regex(r"(00|\+)?[0-9 ()\-]{3,18}", fullmatch=True)
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scheduled_under=policies,
    dialled_under=policies,
    written=st.lists(numbers, min_size=1, max_size=6),
)
def test_nothing_outside_the_policy_of_the_moment_ever_reaches_a_provider(
    scheduled_under: DialingPolicy, dialled_under: DialingPolicy, written: list[str]
) -> None:
    async def scenario() -> None:
        world = World()
        # Scheduling reads numbers under the policy of that moment: only what passed it is stored.
        accepted = [n for n in dict.fromkeys(normalise(w, scheduled_under) for w in written) if isinstance(n, str)]
        if not accepted:
            return
        invite_id = await world.schedule(scheduled_under, phones(*accepted))
        world.clock.advance(minutes=5)
        await world.service(dialled_under).fire(invite_id)
        for number in world.provider.dialled:
            assert normalise(number, dialled_under) == number, f"{number} reached the provider"
        for attempt in await world.store.attempts(invite_id):
            allowed = normalise(attempt.party.address, dialled_under) == attempt.party.address
            assert (attempt.reason is FailReason.POLICY) is not allowed

    asyncio.run(scenario())


limits = st.builds(
    DialLimits,
    daily_per_user=st.integers(0, 4),
    daily_per_workspace=st.integers(0, 6),
    quiet_hours=st.none()
    | st.builds(QuietHours, st.builds(time, st.integers(0, 23)), st.builds(time, st.integers(0, 23))),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    dialled_under=policies,
    within=limits,
    hour=st.integers(0, 23),
    runs=st.lists(
        st.lists(st.sampled_from(SAMPLE_NUMBERS), min_size=1, max_size=5, unique=True), min_size=1, max_size=3
    ),
)
def test_nothing_outside_the_limits_of_the_moment_ever_reaches_a_provider(
    dialled_under: DialingPolicy, within: DialLimits, hour: int, runs: list[list[str]]
) -> None:
    """Quiet hours on each callee's clock and the daily limits hold at dial time, over several runs a day."""

    async def scenario() -> None:
        world = World()
        world.clock.advance(hours=hour)  # the fixed day's 02:00 UTC, moved to some hour of it
        for numbers in runs:
            invite_id = await world.schedule(DialingPolicy("CN"), phones(*numbers))
            world.clock.advance(minutes=5)
            sent_before = len(world.provider.dialled)
            await world.service(dialled_under, within).fire(invite_id)
            now = world.clock.now()
            for number in world.provider.dialled[sent_before:]:
                assert normalise(number, dialled_under) == number, f"{number} reached the provider"
                party = Party(PartyKind.PHONE, number)
                assert not in_quiet_hours(party, now, within.quiet_hours, "UTC"), f"{number} dialled in quiet hours"
            for attempt in await world.store.attempts(invite_id):
                assert attempt.state is CallState.DIALING or attempt.reason is FailReason.POLICY
        limit = min(x for x in (within.daily_per_user, within.daily_per_workspace, 10**6) if x)
        assert len(world.provider.dialled) <= limit  # one user, one workspace, one day

    asyncio.run(scenario())
