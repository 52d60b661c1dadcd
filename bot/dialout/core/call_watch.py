"""Watching open calls: the one place the providers' declared Timing is applied.

How often a call is polled and how long it may go without news are what providers declare
(`ProviderInfo.timing`, or a call's own limits from when it was placed); providers only say what a
poll answer means. A call that stays silent past its limit is ended here with a reason the thread
can explain ("no news"), and an unknown one (maybe sent, never confirmed) is looked up while the
provider can be asked, then failed as unknown, so every invite ends.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.dialout.core.models import CallAttempt, CallEvent
from bot.dialout.core.ports import (
    InviteStore,
    Notice,
    NoticeKind,
    Notifier,
    PlacedCall,
    PollsCalls,
    Provider,
    ProviderError,
    ProviderInfo,
    StatusSource,
)
from bot.dialout.core.status import StatusService
from bot.kernel.ports import Clock
from bot.kernel.states import CallState, FailReason

log = logging.getLogger(__name__)

WATCHED = (CallState.UNKNOWN, CallState.DIALING, CallState.RINGING, CallState.ANSWERED)


@dataclass(frozen=True)
class _Silence:
    """After `after_s` without news a call `becomes` this state (with this reason and code)."""

    after_s: float
    becomes: CallState
    reason: FailReason | None
    code: str | None


async def follow_up(
    store: InviteStore,
    status: StatusService,
    provider: str,
    ask: Callable[[PlacedCall], Awaitable[CallEvent | None]],
    attempt: CallAttempt,
    action: str,
) -> None:
    """Poll or cancel a placed call, and apply whatever the provider answers."""
    call = await store.placed_call(attempt)
    if call is None or not call.provider_call_id:
        return
    try:
        event = await ask(call)
    except ProviderError as exc:
        log.warning("%s of %s call %s failed: %s", action, provider, call.provider_call_id, exc)
        return
    if event is not None:
        await status.apply(event)


class CallWatch:
    """Polls, reconciles and gives up open calls; run by the scheduler every `watch_every_s`."""

    def __init__(
        self,
        store: InviteStore,
        providers: Mapping[str, Provider],
        status: StatusService,
        notifier: Notifier,
        clock: Clock,
        unknown_give_up_s: int,
    ) -> None:
        self._store = store
        self._providers = providers
        self._status = status
        self._notifier = notifier
        self._clock = clock
        self._unknown_give_up_s = unknown_give_up_s
        self._last_poll: dict[int, datetime] = {}
        self._started = False  # the first round of this process asks about every call in flight

    async def watch(self) -> None:
        """Poll providers that report by polling, reconcile unknown calls, give up silent ones.

        The first round of a process also asks about every call in flight that its provider can be
        asked about: webhooks sent while no process was up are lost (a provider retries a while,
        then gives up), and the call would otherwise wait out its whole limit as "no news".
        """
        now = self._clock.now()
        first, self._started = not self._started, True
        for name, provider in self._providers.items():
            for attempt in await self._store.open_attempts(name, WATCHED):
                if isinstance(provider, PollsCalls) and self._poll_due(provider.info, attempt, now, first):
                    await follow_up(self._store, self._status, provider.info.name, provider.poll, attempt, "poll")
                await self._give_up_if_silent(provider.info, attempt, now)

    def _poll_due(self, info: ProviderInfo, attempt: CallAttempt, now: datetime, first: bool) -> bool:
        """Whether to poll this call now (and, if so, note that it was)."""
        assert attempt.id is not None
        timing = info.timing
        if info.status is not StatusSource.POLLING and attempt.state is not CallState.UNKNOWN:
            # Its news comes by webhook: it is looked up only after a start, or when it has been
            # quiet long enough that a lost webhook is likelier than a long call.
            quiet = timing.quiet_poll_after_s
            if not first and (attempt.updated_at is None or (now - attempt.updated_at).total_seconds() < quiet):
                return False
            last = self._last_poll.get(attempt.id)
            if not first and last is not None and (now - last).total_seconds() < quiet:
                return False
            self._last_poll[attempt.id] = now
            return True
        every = timing.poll_every_s
        if attempt.state is CallState.ANSWERED and timing.poll_answered_every_s is not None:
            every = timing.poll_answered_every_s
        last = self._last_poll.get(attempt.id)
        if last is not None and (now - last).total_seconds() < every:
            return False
        self._last_poll[attempt.id] = now
        return True

    def _silence_rule(self, info: ProviderInfo, attempt: CallAttempt) -> _Silence | None:
        """How long a call may stay silent in its state, and what it becomes after that.

        Unknown calls (maybe sent, never confirmed) become failed(unknown) after our own limit. The
        others follow the provider's declared limits, which a call may have replaced with its own
        when it was placed (its ring time, its maximum duration): a dialling or ringing call fails,
        an answered one whose end never arrives is completed.
        """
        if attempt.state is CallState.UNKNOWN:
            return _Silence(float(self._unknown_give_up_s), CallState.FAILED, FailReason.UNKNOWN, None)
        limits = attempt.limits.over(info.timing.limits)
        dialling = attempt.state in {CallState.DIALING, CallState.RINGING} and attempt.provider_call_id
        if dialling and limits.ring_s is not None:
            return _Silence(limits.ring_s, CallState.FAILED, info.timing.silence_reason, "no_news")
        if attempt.state is CallState.ANSWERED and limits.answered_s is not None:
            return _Silence(limits.answered_s, CallState.COMPLETED, None, "not_followed")
        return None

    async def _give_up_if_silent(self, info: ProviderInfo, attempt: CallAttempt, now: datetime) -> None:
        rule = self._silence_rule(info, attempt)
        if rule is None or attempt.updated_at is None:
            return
        silent_s = (now - attempt.updated_at).total_seconds()
        if silent_s < rule.after_s:
            return
        fresh = await self._store.get_attempt(attempt.id or 0)
        if fresh is None or fresh.state is not attempt.state or fresh.updated_at != attempt.updated_at:
            return  # news arrived meanwhile
        # An unknown call keeps what the provider last said (why it is unknown) as its code;
        # a silent one gets "no_news" (or "not_followed"), which providers explain in words.
        event = CallEvent(
            provider=info.name,
            provider_call_id=fresh.provider_call_id or f"attempt-{fresh.id}",
            state=rule.becomes,
            reason=rule.reason,
            code=rule.code,
            dedupe_key=f"give-up:{fresh.id}:{fresh.state.value}",
        )
        if fresh.state is CallState.UNKNOWN:
            await self._notifier.notice(fresh.invite_id, Notice(NoticeKind.UNKNOWN_OUTCOME, {"attempt_id": fresh.id}))
        log.info("call %s of invite %s: no news for %d s in %s", fresh.id, fresh.invite_id, silent_s, fresh.state)
        await self._status.advance(fresh, event)
