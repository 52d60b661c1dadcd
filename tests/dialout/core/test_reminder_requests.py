"""Use another number in the core: who may change which call, which numbers are taken, and what a
refusal says (the Slack layer words it); nothing changes unless the answer is CHANGED."""

from __future__ import annotations

from datetime import timedelta

from bot.dialout.core.models import Invite, Target, TargetKind
from bot.dialout.core.reminder_requests import NumberChangeOutcome, ReminderRequests
from bot.kernel.people import Party, PartyKind, UserProfile
from bot.kernel.phone import DialingPolicy, NumberProblemKind
from bot.kernel.workspace_settings import WorkspaceSettings
from tests.conftest import FakeClock
from tests.dialout.core.fakes import InMemoryInviteStore, RecordingNotifier

BOB = Party(PartyKind.PHONE, "+8613900000011", slack_user_id="U0BOB", name="bob")
ROOM = Party(PartyKind.ROOM, "room-7", slack_user_id="U0ROOM")
NEW = "+8613800138999"


class Directory:
    async def profile(self, user_id: str) -> UserProfile | None:
        return UserProfile(user_id, tz="Europe/London", locale="zh-CN" if user_id == "U0LI" else "en-US")

    async def can_post(self, channel_id: str) -> bool:
        return True


def locale_of(locale: str | None, default: str) -> str:
    return (locale or default)[:2]


async def setup(
    policy: DialingPolicy | None = None,
) -> tuple[ReminderRequests, InMemoryInviteStore, RecordingNotifier, FakeClock, int]:
    clock, store, notifier = FakeClock(), InMemoryInviteStore(), RecordingNotifier()
    invite = Invite(
        team_id="T",
        channel_id="C",
        created_by="U0AMY",
        provider="sandbox",
        target=Target(TargetKind.CONFERENCE, "42"),
        due_at=clock.now() + timedelta(minutes=10),
        tz="UTC",
        created_at=clock.now() - timedelta(hours=1),
    )
    added = await store.add_invite(invite, [BOB, ROOM])
    assert added.id is not None
    requests = ReminderRequests(
        store, store, notifier, Directory(), clock, policy or DialingPolicy(), locale_of, "en", "UTC"
    )
    return requests, store, notifier, clock, added.id


async def test_the_person_called_moves_only_their_call_to_a_number_read_in_the_workspace_region() -> None:
    requests, store, notifier, _, invite_id = await setup()
    bob, room = await store.attempts(invite_id)
    assert bob.id is not None
    opened = await requests.open_another_number(invite_id, bob.id, "U0BOB")
    assert opened.outcome is NumberChangeOutcome.READY and opened.region == "CN"
    reply = await requests.use_another_number(invite_id, bob.id, "U0BOB", "138 0013 8999")
    assert reply.outcome is NumberChangeOutcome.CHANGED and reply.tz == "Europe/London"
    assert reply.attempt is not None and reply.attempt.party.address == NEW
    assert notifier.changed == [invite_id]
    assert [a.party.address for a in await store.attempts(invite_id)] == [NEW, room.party.address]


async def test_a_number_refused_by_the_policy_says_why_and_changes_nothing() -> None:
    requests, store, notifier, _, invite_id = await setup(DialingPolicy(allowed_countries=frozenset({"CN"})))
    [bob, _] = await store.attempts(invite_id)
    assert bob.id is not None
    reply = await requests.use_another_number(invite_id, bob.id, "U0BOB", "+1 415 555 2671")
    assert reply.outcome is NumberChangeOutcome.BAD_NUMBER and reply.problem is not None
    assert reply.problem.kind is NumberProblemKind.COUNTRY_NOT_ALLOWED and reply.problem.region == "US"
    short = await requests.use_another_number(invite_id, bob.id, "U0BOB", "12345")
    assert short.outcome is NumberChangeOutcome.BAD_NUMBER and short.problem is not None
    assert (await store.get_attempt(bob.id)).party.address == BOB.address  # type: ignore[union-attr]
    assert notifier.changed == []


async def test_someone_elses_call_a_room_and_a_call_from_another_invite_are_refused_in_their_language() -> None:
    requests, store, notifier, _, invite_id = await setup()
    bob, room = await store.attempts(invite_id)
    assert bob.id is not None and room.id is not None
    stranger = await requests.use_another_number(invite_id, bob.id, "U0LI", "13800138999")
    assert stranger.outcome is NumberChangeOutcome.NOT_YOURS and stranger.locale == "zh"
    assert (await requests.open_another_number(invite_id, room.id, "U0ROOM")).outcome is NumberChangeOutcome.NOT_YOURS
    assert (await requests.open_another_number(invite_id + 1, bob.id, "U0BOB")).outcome is NumberChangeOutcome.NOT_FOUND
    assert notifier.changed == []


async def test_too_late_skipped_or_cancelled_each_say_what_happened() -> None:
    requests, store, _, clock, invite_id = await setup()
    bob, room = await store.attempts(invite_id)
    assert bob.id is not None and room.id is not None
    assert await store.cancel_unsent(bob.id, clock.now())
    skipped = await requests.use_another_number(invite_id, bob.id, "U0BOB", "13800138999")
    assert skipped.outcome is NumberChangeOutcome.SKIPPED
    assert await store.claim_due_invite(invite_id, clock.now(), None) is not None
    dialled = await requests.open_another_number(invite_id, bob.id, "U0BOB")
    assert dialled.outcome is NumberChangeOutcome.ALREADY_DIALLED


async def test_a_number_changed_between_the_read_and_the_write_is_not_overwritten() -> None:
    requests, store, notifier, clock, invite_id = await setup()
    [bob, _] = await store.attempts(invite_id)
    assert bob.id is not None
    # Another submit lands between this one's read and its write.
    original = store.change_unsent_number

    async def after_another_submit(attempt_id: int, old: str, new: str, now: object) -> bool:
        await original(attempt_id, old, "+8613800138777", clock.now())
        return await original(attempt_id, old, new, clock.now())

    store.change_unsent_number = after_another_submit  # type: ignore[method-assign]
    reply = await requests.use_another_number(invite_id, bob.id, "U0BOB", "13800138999")
    assert reply.outcome is NumberChangeOutcome.CHANGED_MEANWHILE
    assert (await store.get_attempt(bob.id)).party.address == "+8613800138777"  # type: ignore[union-attr]
    assert notifier.changed == []


async def test_the_number_is_read_by_the_invites_own_workspace_policy() -> None:
    _, store, notifier, clock, invite_id = await setup()
    teams = {"T": WorkspaceSettings(policy=DialingPolicy(region="HK", allowed_countries=frozenset({"HK"})))}
    requests = ReminderRequests(
        store,
        store,
        notifier,
        Directory(),
        clock,
        DialingPolicy(),
        locale_of,
        "en",
        "UTC",
        workspace_settings=TeamSettings(teams),
    )
    [bob, _] = await store.attempts(invite_id)
    assert bob.id is not None
    assert (await requests.open_another_number(invite_id, bob.id, "U0BOB")).region == "HK"
    refused = await requests.use_another_number(invite_id, bob.id, "U0BOB", "+86 138 0013 8999")
    assert refused.problem is not None and refused.problem.kind is NumberProblemKind.COUNTRY_NOT_ALLOWED
    changed = await requests.use_another_number(invite_id, bob.id, "U0BOB", "9123 4567")  # read as a HK number
    assert changed.attempt is not None and changed.attempt.party.address == "+85291234567"


class TeamSettings:
    """Each team's settings, by team id."""

    def __init__(self, teams: dict[str, WorkspaceSettings]) -> None:
        self.teams = teams

    async def for_team(self, team_id: str) -> WorkspaceSettings:
        return self.teams.get(team_id, WorkspaceSettings())
