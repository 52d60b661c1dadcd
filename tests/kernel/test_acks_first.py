"""Acks first: commands wait while Slack requests are served, resume when they are answered, and never starve."""

from __future__ import annotations

import asyncio
import contextlib

from bot.kernel.acks_first import AcksFirst, SharedCount
from tests.e2e.harness import wait_for
from tests.kernel.test_inbox import Recorder, inbox_on


async def test_a_command_waits_while_a_request_is_served_and_runs_once_it_is_answered(engine, clock) -> None:
    acks_first = AcksFirst(max_wait_s=60)
    recorder = Recorder()
    commands = inbox_on(engine, clock, recorder, acks_first=acks_first)
    with acks_first.acking():  # a Slack request is being served
        item = await commands.accept("dial", {"text": "later"})
        assert item is not None
        commands.carry_out(item)
        await asyncio.sleep(0.05)  # not a wait for a result: time the command would have taken to run
        assert recorder.done == []
    await wait_for(lambda: recorder.done == ["later"])
    await commands.stop()
    assert acks_first.waiting == 0


async def test_commands_resume_only_when_the_last_waiting_request_is_answered() -> None:
    acks_first = AcksFirst(max_wait_s=60)
    with contextlib.ExitStack() as second:
        with acks_first.acking():
            second.enter_context(acks_first.acking())
            step = asyncio.create_task(acks_first.step())
        await asyncio.sleep(0.02)  # not a wait for a result: the step had its chance to go
        assert not step.done()
    await asyncio.wait_for(step, 5)


async def test_under_a_flood_of_requests_a_command_still_starts_after_the_longest_wait(engine, clock) -> None:
    acks_first = AcksFirst(max_wait_s=0.05)
    recorder = Recorder()
    commands = inbox_on(engine, clock, recorder, acks_first=acks_first)
    with acks_first.acking():  # requests never stop coming
        for text in ("a", "b"):
            item = await commands.accept("dial", {"text": text})
            assert item is not None
            commands.carry_out(item)
        await wait_for(lambda: sorted(recorder.done) == ["a", "b"])
    await commands.stop()


async def test_a_request_that_fails_still_lets_commands_go(engine, clock) -> None:
    acks_first = AcksFirst(max_wait_s=60)
    with contextlib.suppress(RuntimeError), acks_first.acking():
        raise RuntimeError("the listener broke")
    await asyncio.wait_for(acks_first.step(), 1)
    assert acks_first.waiting == 0


async def test_a_worker_process_step_waits_while_its_front_serves_a_request_through_the_shared_count(
    tmp_path,
) -> None:
    path = tmp_path / "acks"
    front, worker = AcksFirst(max_wait_s=60), AcksFirst(max_wait_s=60)
    front.publish(SharedCount(path, create=True))
    worker.follow(SharedCount(path))  # its own mapping of the file, as the worker process has
    with front.acking():
        step = asyncio.create_task(worker.step())
        await asyncio.sleep(0.05)  # not a wait for a result: the step had its chance to go
        assert not step.done()
    await asyncio.wait_for(step, 5)
    await asyncio.wait_for(worker.step(), 5)  # nobody waits: at once


async def test_a_worker_process_step_goes_after_the_longest_wait_however_busy_its_front(tmp_path) -> None:
    path = tmp_path / "acks"
    front, worker = AcksFirst(), AcksFirst(max_wait_s=0.05)
    front.publish(SharedCount(path, create=True))
    worker.follow(SharedCount(path))
    with front.acking():
        await asyncio.wait_for(worker.step(), 5)
