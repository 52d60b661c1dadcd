"""Edit and Add people on the in-memory store: the edit moves the job and replaces queued calls in one
compare-and-set, added people are dialled once, nobody is added twice, and the dialing policy holds."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.dialout.core.command import MAX_PARTIES, ParseProblem
from bot.dialout.core.form import DialForm, FormErrors, FormField, form_of_invite, read_people
from bot.dialout.core.models import Invite, InviteChange, InviteStatus, Target, TargetKind
from bot.dialout.core.outcomes import Actor, AddPeopleOutcome, Editing, EditOutcome
from bot.dialout.core.ports import NoticeKind
from bot.kernel.people import Party, PartyKind
from bot.kernel.phone import DialingPolicy
from bot.kernel.states import CallState
from tests.dialout.core.fakes import ScriptedProvider
from tests.dialout.core.test_invites import World

AMY, BOB, CAROL = "+8613800138001", "+8613800138002", "+8613800138003"


@pytest.fixture
def world(clock) -> World:
    return World(clock, ScriptedProvider())


def phones(*numbers: str) -> tuple[Party, ...]:
    return tuple(Party(PartyKind.PHONE, n) for n in numbers)


async def opened(world: World, invite: Invite, actor: Actor | None = None) -> Editing:
    editing = await world.invites.editing(invite.id or 0, actor or Actor("U1"))
    assert isinstance(editing, Editing)
    return editing


def change(world: World, *numbers: str, in_minutes: float = 30, conference: str = "42") -> InviteChange:
    return InviteChange(
        provider=world.provider.name,
        target=Target(TargetKind.CONFERENCE, conference),
        due_at=world.clock.now() + timedelta(minutes=in_minutes),
        parties=phones(*numbers),
    )


async def test_an_edit_moves_the_job_replaces_the_queued_calls_and_says_who_did_what(world: World) -> None:
    invite = await world.schedule(AMY, BOB, in_minutes=30)
    editing = await opened(world, invite)
    actor = Actor("U1", name="li")
    edited = await world.invites.edit(invite.id or 0, actor, editing.version, change(world, BOB, CAROL, in_minutes=90))
    assert edited.outcome is EditOutcome.EDITED and edited.moved
    assert world.scheduler.jobs[invite.id or 0] == world.clock.now() + timedelta(minutes=90)
    assert [a.party.address for a in await world.store.attempts(invite.id or 0)] == [BOB, CAROL]
    [(_, notice)] = [n for n in world.notifier.notices if n[1].kind is NoticeKind.EDITED]
    assert (notice.params["name"], notice.params["added"], notice.params["removed"]) == ("li", 1, 1)
    assert invite.id in world.notifier.parent_changed
    world.clock.advance(minutes=31)
    await world.invites.fire(invite.id or 0)  # the old job, if it still fires, dials nobody early
    assert world.provider.requests == [] and world.scheduler.jobs[invite.id or 0] > world.clock.now()
    world.clock.advance(minutes=60)
    await world.invites.fire(invite.id or 0)
    assert sorted(world.provider.dialled) == [BOB, CAROL]


async def test_a_form_saved_unchanged_changes_nothing_and_tells_the_thread_nothing(world: World) -> None:
    invite = await world.schedule(AMY, in_minutes=30)
    editing = await opened(world, invite)
    same = InviteChange(world.provider.name, invite.target, invite.due_at, phones(AMY))
    edited = await world.invites.edit(invite.id or 0, Actor("U1"), editing.version, same)
    assert edited.outcome is EditOutcome.EDITED and not edited.moved
    assert world.notifier.notices == [] and world.notifier.parent_changed == []
    assert [a.id for a in await world.store.attempts(invite.id or 0)] == [a.id for a in editing.attempts]


async def test_an_edit_of_a_dialled_invite_is_refused_and_changes_nothing(world: World) -> None:
    invite = await world.schedule(AMY, in_minutes=30)
    editing = await opened(world, invite)
    await world.invites.dial_now(invite.id or 0, Actor("U1"))
    edited = await world.invites.edit(invite.id or 0, Actor("U1"), editing.version, change(world, BOB))
    assert edited.outcome is EditOutcome.ALREADY_DIALLED
    assert world.provider.dialled == [AMY]
    assert [a.party.address for a in await world.store.attempts(invite.id or 0)] == [AMY]
    assert await world.invites.editing(invite.id or 0, Actor("U1")) is EditOutcome.ALREADY_DIALLED


async def test_an_edit_from_a_form_opened_before_someone_elses_edit_is_refused(world: World) -> None:
    invite = await world.schedule(AMY, in_minutes=30)
    first, second = await opened(world, invite), await opened(world, invite)
    assert (await world.invites.edit(invite.id or 0, Actor("U1"), first.version, change(world, BOB))).outcome is (
        EditOutcome.EDITED
    )
    late = await world.invites.edit(invite.id or 0, Actor("U1"), second.version, change(world, CAROL))
    assert late.outcome is EditOutcome.CHANGED
    assert [a.party.address for a in await world.store.attempts(invite.id or 0)] == [BOB]


async def test_only_the_creator_or_a_privileged_user_may_edit(world: World) -> None:
    invite = await world.schedule(AMY, in_minutes=30)
    assert await world.invites.editing(invite.id or 0, Actor("U2")) is EditOutcome.NOT_ALLOWED
    editing = await opened(world, invite, Actor("U2", privileged=True))
    refused = await world.invites.edit(invite.id or 0, Actor("U2"), editing.version, change(world, BOB))
    assert refused.outcome is EditOutcome.NOT_ALLOWED
    await world.invites.cancel(invite.id or 0, Actor("U1"))
    assert await world.invites.editing(invite.id or 0, Actor("U1")) is EditOutcome.ALREADY_OVER


async def test_people_added_to_a_dialling_invite_are_dialled_once_however_often_submitted(world: World) -> None:
    invite = await world.schedule(AMY, in_minutes=0)
    await world.invites.fire(invite.id or 0)
    submits = [world.invites.add_people(invite.id or 0, Actor("U1"), phones(BOB)) for _ in range(3)]
    added = await asyncio.gather(*submits)
    await asyncio.gather(*(world.invites.place_added(invite.id or 0) for _ in range(3)))
    assert sorted(a.outcome.value for a in added) == ["added", "already_in", "already_in"]
    assert sorted(world.provider.dialled) == [AMY, BOB]
    states = await world.states(invite)
    assert states[BOB] == (CallState.DIALING, None)


async def test_people_added_as_the_last_call_ends_are_still_called(world: World) -> None:
    invite = await world.schedule(AMY, in_minutes=0)
    await world.invites.fire(invite.id or 0)
    added = await world.invites.add_people(invite.id or 0, Actor("U1"), phones(BOB))
    assert added.outcome is AddPeopleOutcome.ADDED
    # The invite was settled by a count taken before Bob's call was queued.
    assert await world.store.set_invite_status(invite.id or 0, InviteStatus.DONE, expected=InviteStatus.DIALING)
    await world.invites.place_added(invite.id or 0)
    assert sorted(world.provider.dialled) == [AMY, BOB]
    reopened = await world.store.get_invite(invite.id or 0)
    assert reopened is not None and reopened.status is InviteStatus.DIALING
    await world.invites.place_added(invite.id or 0)  # again: nobody is called twice
    assert len(world.provider.dialled) == 2


async def test_people_added_to_a_scheduled_invite_wait_for_its_time(world: World) -> None:
    invite = await world.schedule(AMY, in_minutes=30)
    added = await world.invites.add_people(invite.id or 0, Actor("U1", name="li"), phones(AMY, BOB))
    assert added.outcome is AddPeopleOutcome.ADDED
    assert [p.address for p in added.changes.already_in] == [AMY]
    await world.invites.place_added(invite.id or 0)
    assert world.provider.requests == []
    [(_, notice)] = [n for n in world.notifier.notices if n[1].kind is NoticeKind.PEOPLE_ADDED]
    assert notice.params == {"by": "U1", "name": "li", "n": 1}
    world.clock.advance(minutes=30)
    await world.invites.fire(invite.id or 0)
    assert sorted(world.provider.dialled) == [AMY, BOB]


async def test_an_invite_never_grows_past_the_most_parties_one_may_call(world: World) -> None:
    numbers = [f"+86138{n:08d}" for n in range(MAX_PARTIES - 1)]
    invite = await world.schedule(*numbers, in_minutes=30)
    too_many = await world.invites.add_people(invite.id or 0, Actor("U1"), phones(AMY, BOB))
    assert too_many.outcome is AddPeopleOutcome.TOO_MANY
    assert len(await world.store.attempts(invite.id or 0)) == MAX_PARTIES - 1
    again = phones(numbers[0], AMY)  # one already on it: only one is new
    assert (await world.invites.add_people(invite.id or 0, Actor("U1"), again)).outcome is AddPeopleOutcome.ADDED


async def test_nobody_is_added_to_a_finished_invite_or_by_a_stranger(world: World) -> None:
    invite = await world.schedule(AMY, in_minutes=30)
    assert (await world.invites.add_people(invite.id or 0, Actor("U2"), phones(BOB))).outcome is (
        AddPeopleOutcome.NOT_ALLOWED
    )
    await world.invites.cancel(invite.id or 0, Actor("U1"))
    assert (await world.invites.add_people(invite.id or 0, Actor("U1"), phones(BOB))).outcome is (
        AddPeopleOutcome.ALREADY_OVER
    )
    assert await world.invites.may_add_people(invite.id or 0, Actor("U1")) is AddPeopleOutcome.ALREADY_OVER
    assert [a.party.address for a in await world.store.attempts(invite.id or 0)] == [AMY]
    stored = await world.store.get_invite(invite.id or 0)
    assert stored is not None and stored.status is InviteStatus.CANCELLED


def test_added_numbers_go_through_the_dialing_policy() -> None:
    only_us = DialingPolicy(allowed_countries=frozenset({"US"}))
    with pytest.raises(FormErrors) as caught:
        read_people(DialForm(numbers="13800138000"), only_us)
    assert list(caught.value.errors) == [FormField.NUMBERS]
    with pytest.raises(FormErrors) as nobody:
        read_people(DialForm(), only_us)
    assert nobody.value.errors[FormField.PEOPLE].problem is ParseProblem.NO_PARTIES
    assert read_people(DialForm(people=("U7",), numbers="Amy <+1 415 555 0100>"), only_us).labels == {
        "+14155550100": "Amy"
    }


async def test_the_edit_form_shows_the_invite_as_typed(world: World) -> None:
    invite = await world.schedule(AMY, in_minutes=30)
    await world.store.add_attempts(
        invite.id or 0,
        [Party(PartyKind.PHONE, BOB, name="Bob"), Party(PartyKind.PHONE, CAROL, slack_user_id="U7")],
        [InviteStatus.SCHEDULED],
        world.clock.now(),
    )
    stored = await world.store.get_invite(invite.id or 0)
    assert stored is not None
    form = form_of_invite(stored, await world.store.attempts(invite.id or 0), "UTC")
    assert (form.provider, form.target_id, form.people) == (world.provider.name, "42", ("U7",))
    assert form.numbers == f"{AMY}\nBob <{BOB}>"
    assert form.when == f"{stored.due_at:%Y-%m-%d %H:%M}"
