"""Fakes for the core's ports (the store is the real SQL one: it is where the claims live)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.dialout.core.models import CallEvent, CallLimits, Capability
from bot.dialout.core.ports import (
    DialRequest,
    Notice,
    PlacedCall,
    PlaceResult,
    ProviderError,
    ProviderInfo,
    StatusSource,
    Timing,
)
from bot.kernel.states import CallState


class RecordingNotifier:
    """Remembers what the core asked Slack to show."""

    def __init__(self) -> None:
        self.created: list[int] = []
        self.changed: list[int] = []
        self.failed: list[int] = []
        self.notices: list[tuple[int, Notice]] = []

    async def invite_created(self, invite_id: int) -> None:
        self.created.append(invite_id)

    async def invite_changed(self, invite_id: int) -> None:
        self.changed.append(invite_id)

    async def calls_changed(self, invite_id: int) -> None:
        self.changed.append(invite_id)

    async def calls_failed(self, invite_id: int) -> None:
        self.failed.append(invite_id)

    async def notice(self, invite_id: int, notice: Notice) -> None:
        self.notices.append((invite_id, notice))


class RecordingScheduler:
    def __init__(self) -> None:
        self.jobs: dict[int, datetime] = {}

    def schedule_fire(self, invite_id: int, at: datetime) -> None:
        self.jobs[invite_id] = at

    def unschedule(self, invite_id: int) -> None:
        self.jobs.pop(invite_id, None)


@dataclass
class ScriptedProvider:
    """A provider whose answers the test decides; it counts every call it was asked to place."""

    name: str = "fake"
    answer: Callable[[DialRequest], list[PlaceResult]] | None = None
    error: ProviderError | None = None
    poll_answer: CallEvent | None = None
    polls: bool = False
    give_up_after_s: float | None = None
    requests: list[DialRequest] = field(default_factory=list)
    polled: list[PlacedCall] = field(default_factory=list)
    cancelled: list[PlacedCall] = field(default_factory=list)

    @property
    def info(self) -> ProviderInfo:
        return ProviderInfo(
            self.name,
            self.name.title(),
            frozenset({Capability.CONFERENCE}),
            status=StatusSource.POLLING if self.polls else StatusSource.WEBHOOKS,
            timing=Timing(poll_every_s=0, limits=CallLimits(ring_s=self.give_up_after_s)),
        )

    async def place(self, request: DialRequest) -> list[PlaceResult]:
        self.requests.append(request)
        if self.error is not None:
            raise self.error
        if self.answer is not None:
            return self.answer(request)
        return [
            PlaceResult(c.attempt_id, CallState.DIALING, provider_call_id=f"call-{c.attempt_id}") for c in request.calls
        ]

    async def poll(self, call: PlacedCall) -> CallEvent | None:
        self.polled.append(call)
        return self.poll_answer

    async def cancel(self, call: PlacedCall) -> CallEvent | None:
        self.cancelled.append(call)
        return CallEvent(self.name, call.provider_call_id, CallState.CANCELLED, dedupe_key=f"cancel:{call.attempt_id}")

    async def aclose(self) -> None:
        return None

    @property
    def dialled(self) -> list[str]:
        return [c.party.address for r in self.requests for c in r.calls]
