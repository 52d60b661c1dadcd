"""Inbound calls and lines as the core tests build them (one call, id 1; lines numbered from 1)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.inbound.core.answer import QueryOutcome
from bot.inbound.core.calls import InboundCall, InboundLeg
from bot.kernel.people import Party, PartyKind
from bot.kernel.states import CallState

T0 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def inbound_call(state: CallState = CallState.QUEUED, **overrides: Any) -> InboundCall:
    """A routed call to 4001234567, reported in C1."""
    values: dict[str, Any] = {
        "vcc_id": "V",
        "platform_call_id": "c",
        "sid": "s",
        "client_id": "x",
        "calling_number": "13812341234",
        "access_number": "4001234567",
        "outcome": QueryOutcome.ROUTED,
        "channel_id": "C1",
        "created_at": T0,
        "state": state,
        "id": 1,
    }
    return InboundCall(**(values | overrides))


def leg(leg_id: int, number: str, state: CallState = CallState.QUEUED, position: int | None = None) -> InboundLeg:
    """Line `leg_id` of call 1, ringing `number` (E.164) as the platform dials it."""
    return InboundLeg(
        call_id=1,
        position=leg_id if position is None else position,
        party=Party(PartyKind.PHONE, number),
        dialled=number.removeprefix("+86"),
        state=state,
        id=leg_id,
    )
