"""The command inbox: stored before the ack, carried out a few at a time, taken over when its process died."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.kernel.inbox import CommandInbox, InboxItem, SqlInbox, team_of
from bot.kernel.logs import LogContext
from tests.e2e.harness import wait_for


class Recorder:
    def __init__(self) -> None:
        self.done: list[str] = []
        self.told: list[str] = []
        self.running = 0
        self.most_at_once = 0
        self.release = asyncio.Event()
        self.release.set()

    async def handle(self, item: InboxItem) -> None:
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            await self.release.wait()
            if item.payload.get("bug"):
                raise KeyError("bug")
            self.done.append(item.payload["text"])
        finally:
            self.running -= 1

    async def give_up(self, item: InboxItem) -> None:
        self.told.append(item.payload["text"])


def inbox_on(engine, clock, recorder: Recorder, **kwargs) -> CommandInbox:
    inbox = CommandInbox(SqlInbox(engine), clock, **kwargs)
    inbox.add_handler("dial", recorder.handle, recorder.give_up)
    return inbox


async def test_an_accepted_command_is_carried_out_once_and_then_forgotten(engine, clock) -> None:
    recorder = Recorder()
    inbox = inbox_on(engine, clock, recorder)
    item = await inbox.accept("dial", {"text": "a"})
    assert item is not None and await SqlInbox(engine).count() == 1
    inbox.carry_out(item)
    await wait_for(lambda: recorder.done == ["a"])
    await inbox.stop()  # lets the row's deletion finish
    assert await SqlInbox(engine).count() == 0


async def test_no_more_than_concurrency_commands_run_at_once(engine, clock) -> None:
    recorder = Recorder()
    recorder.release.clear()
    inbox = inbox_on(engine, clock, recorder, concurrency=2)
    for n in range(6):
        item = await inbox.accept("dial", {"text": str(n)})
        assert item is not None
        inbox.carry_out(item)
    await wait_for(lambda: recorder.running == 2)
    recorder.release.set()
    await wait_for(lambda: len(recorder.done) == 6)
    assert recorder.most_at_once == 2
    await inbox.stop()


async def test_a_full_process_refuses_new_commands_and_stores_nothing(engine, clock) -> None:
    recorder = Recorder()
    recorder.release.clear()
    inbox = inbox_on(engine, clock, recorder, capacity=2)
    for n in range(2):
        item = await inbox.accept("dial", {"text": str(n)})
        assert item is not None
        inbox.carry_out(item)
    assert inbox.busy and await inbox.accept("dial", {"text": "late"}) is None
    assert await SqlInbox(engine).count() == 2
    recorder.release.set()
    await wait_for(lambda: not inbox.busy)
    assert await inbox.accept("dial", {"text": "now fine"}) is not None
    await inbox.stop()


async def test_a_dead_processs_commands_are_taken_over_once_its_lease_ran_out(engine, clock) -> None:
    dead = inbox_on(engine, clock, Recorder(), lease_s=30)
    await dead.accept("dial", {"text": "orphan"})  # acknowledged, then the process died
    survivor, other = Recorder(), Recorder()
    first = inbox_on(engine, clock, survivor, lease_s=30)
    second = inbox_on(engine, clock, other, lease_s=30)
    await first._tend()
    assert survivor.done == []  # still held by the dead process for all it knows
    clock.advance(seconds=31)
    await asyncio.gather(first._tend(), second._tend())
    await wait_for(lambda: len(survivor.done) + len(other.done) == 1)
    assert survivor.done + other.done == ["orphan"]  # taken over by exactly one
    await first.stop()
    await second.stop()


async def test_a_live_process_keeps_its_commands_by_renewing_them(engine, clock) -> None:
    recorder = Recorder()
    recorder.release.clear()
    holder = inbox_on(engine, clock, recorder, lease_s=30)
    item = await holder.accept("dial", {"text": "slow"})
    assert item is not None
    holder.carry_out(item)
    clock.advance(seconds=20)
    await holder._tend()  # the heartbeat
    clock.advance(seconds=20)  # 40 s after the ack, 20 s after the renewal
    rival_recorder = Recorder()
    rival = inbox_on(engine, clock, rival_recorder, lease_s=30)
    await rival._tend()
    recorder.release.set()
    await wait_for(lambda: recorder.done == ["slow"])
    assert rival_recorder.done == []
    await holder.stop()
    await rival.stop()


async def test_a_bug_while_carrying_out_tells_the_user_and_is_not_retried(engine, clock) -> None:
    recorder = Recorder()
    inbox = inbox_on(engine, clock, recorder)
    item = await inbox.accept("dial", {"text": "x", "bug": True})
    assert item is not None
    inbox.carry_out(item)
    await wait_for(lambda: recorder.told == ["x"])
    await inbox.stop()
    assert recorder.done == [] and await SqlInbox(engine).count() == 0


async def test_a_command_whose_process_keeps_dying_is_given_up_with_word_to_the_user(engine, clock) -> None:
    store = SqlInbox(engine)
    await store.accept("dial", {"text": "cursed"}, clock.now(), timedelta(seconds=1))
    for _ in range(3):  # three processes took it over and died
        clock.advance(seconds=2)
        assert len(await store.take_over(clock.now(), timedelta(seconds=1), 10)) == 1
    clock.advance(seconds=2)
    recorder = Recorder()
    inbox = inbox_on(engine, clock, recorder, lease_s=1, max_attempts=3)
    await inbox._tend()
    await wait_for(lambda: recorder.told == ["cursed"])
    assert recorder.done == []
    await inbox.stop()


async def test_lines_logged_while_a_command_is_carried_out_name_its_workspace(engine, clock, caplog) -> None:
    caplog.handler.addFilter(LogContext())  # what each of confbot's handlers has
    caplog.set_level(logging.INFO, logger="tests")
    recorder = Recorder()

    async def handle(item: InboxItem) -> None:
        logging.getLogger("tests.inbox").info("carrying out %s", item.payload["text"])
        await recorder.handle(item)

    inbox = CommandInbox(SqlInbox(engine), clock)
    inbox.add_handler("dial", handle, recorder.give_up)
    for payload in ({"text": "command", "team_id": "T1"}, {"text": "button", "team": {"id": "T2"}}):
        item = await inbox.accept("dial", payload)
        assert item is not None
        inbox.carry_out(item)
    await wait_for(lambda: len(recorder.done) == 2)
    await inbox.stop()
    teams = {r.getMessage(): getattr(r, "team", None) for r in caplog.records if r.name == "tests.inbox"}
    assert teams == {"carrying out command": "T1", "carrying out button": "T2"}
    assert team_of({"text": "no team"}) is None


async def test_a_command_a_front_stored_is_carried_out_by_the_worker_as_its_first_try(engine, clock) -> None:
    front_saw, worker_saw = Recorder(), Recorder()
    front = inbox_on(engine, clock, front_saw)
    woken: list[str] = []
    front.carry_out_elsewhere(lambda: woken.append("inbox"))
    worker = inbox_on(engine, clock, worker_saw, look_every_s=3600)  # its first look, then when woken
    tries: list[int] = []
    worker._handlers["dial"] = (lambda item: _note(tries, item, worker_saw), worker_saw.give_up)
    worker.start()
    item = await front.accept("dial", {"text": "a"})
    assert item is not None
    front.carry_out(item)
    assert woken == ["inbox"] and front_saw.done == []  # the front only stores and tells
    worker.wake()
    await wait_for(lambda: worker_saw.done == ["a"])
    assert tries == [1]  # taken from the front, not from a dead process: its first try
    await wait_for(lambda: _empty(engine), what="the carried-out row to be forgotten")
    await worker.stop()


async def test_a_front_answers_busy_when_the_table_holds_the_backlog_whoever_stored_it(engine, clock) -> None:
    first, second = (inbox_on(engine, clock, Recorder(), capacity=2) for _ in range(2))
    for front in (first, second):
        front.carry_out_elsewhere(lambda: None)
    assert await first.accept("dial", {"text": "a"}) is not None
    assert await first.accept("dial", {"text": "b"}) is not None
    assert await second.accept("dial", {"text": "c"}) is None  # it holds none itself, the table holds two
    assert await SqlInbox(engine).count() == 2


async def _note(tries: list[int], item: InboxItem, recorder: Recorder) -> None:
    tries.append(item.attempts)
    await recorder.handle(item)


async def _empty(engine) -> bool:
    return await SqlInbox(engine).count() == 0
