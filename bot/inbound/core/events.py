"""The platform's event notifications (`method=event`): codes 15–44 and callResult reasons in our terms.

provider-notes.md §4 maps them; what an event then does to each callee's line is decided in
core/calls.py from these meanings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.kernel.states import CallState, FailReason

EVENT_CODES: dict[str, str] = {
    "15": "开始呼叫被叫 (started calling the callee)",
    "16": "被叫振铃 (callee ringing)",
    "22": "主叫挂机通话结束 (caller hung up, call over)",
    "30": "被叫不可达 (callee unreachable)",
    "31": "被叫摘机 (callee picked up)",
    "32": "被叫挂机通话结束 (callee hung up, call over)",
    "40": "通话开始 (conversation started)",
    "42": "通话到时结束 (maximum duration reached, call over)",
    "43": "通话最后一分钟提醒 (last-minute warning)",
    "44": "一方挂机通话结束 (one side hung up, call over)",
}

# callResult → our reason (provider-notes §4); 00 and 180 are not failures, and 13/113/18 are
# ours to decide: a forwarded call that failed is unreachable; a number needing a 0 was invalid.
CALL_RESULTS: dict[str, FailReason | None] = {
    "00": None,
    "01": FailReason.NETWORK,
    "02": FailReason.BUSY,
    "03": FailReason.UNREACHABLE,
    "04": FailReason.NO_ANSWER,
    "05": FailReason.UNREACHABLE,
    "06": FailReason.INVALID_NUMBER,
    "11": FailReason.BARRED,
    "12": FailReason.BARRED,
    "13": FailReason.UNREACHABLE,
    "18": FailReason.INVALID_NUMBER,
    "20": FailReason.BARRED,
    "21": FailReason.BARRED,
    "22": FailReason.BARRED,
    "23": FailReason.BUSY,
    "24": FailReason.REJECTED,
    "101": FailReason.NETWORK,
    "102": FailReason.BUSY,
    "103": FailReason.UNREACHABLE,
    "104": FailReason.NO_ANSWER,
    "108": FailReason.NETWORK,
    "109": FailReason.NETWORK,
    "110": FailReason.INVALID_NUMBER,
    "113": FailReason.UNREACHABLE,
    "180": None,
}
RINGING_RESULT = "180"
END_CODES = frozenset({"22", "32", "42", "44"})


def normalise_result(code: str | None) -> str | None:
    """'2', '02' and '20:' (the seed's own typography) → '02', '02', '20'; None or '' → None."""
    if code is None:
        return None
    cleaned = code.strip().rstrip(":：").strip()
    if not cleaned:
        return None
    return cleaned.zfill(2) if cleaned.isdigit() else cleaned


def result_reason(call_result: str | None) -> FailReason | None:
    """The failure a callResult names; None for none, 00, 180, and codes the seed does not list."""
    code = normalise_result(call_result)
    return CALL_RESULTS.get(code) if code else None


class EventScope(StrEnum):
    """What an event code is about."""

    LEG = "leg"  # one callee's line (15, 16, 30, 31)
    ANSWER = "answer"  # the conversation started (40)
    END = "end"  # the call is over (22, 32, 42, 44)
    WARNING = "warning"  # the last minute began (43): a reply, no state change
    NONE = "none"  # a code the seed does not document: stored, nothing else


@dataclass(frozen=True)
class EventMeaning:
    """An event code (and callResult) read in our terms."""

    scope: EventScope
    state: CallState | None = None
    reason: FailReason | None = None


def map_event(code: str, call_result: str | None = None) -> EventMeaning:
    """The meaning of event `code` with `callResult` (provider-notes §4).

    15 → dialing; 16, or callResult 180 on a call-progress event → ringing; 31 → answered;
    30 → failed with the callResult's reason (unknown without one); 40 → answered;
    22/32/42/44 → the end (what it means per callee is `end_state`); 43 → the warning.
    """
    code = code.strip()
    ringing = normalise_result(call_result) == RINGING_RESULT
    if code == "15":
        return EventMeaning(EventScope.LEG, CallState.RINGING if ringing else CallState.DIALING)
    if code == "16":
        return EventMeaning(EventScope.LEG, CallState.RINGING)
    if code == "31":
        return EventMeaning(EventScope.LEG, CallState.ANSWERED)
    if code == "30":
        return EventMeaning(EventScope.LEG, CallState.FAILED, result_reason(call_result) or FailReason.UNKNOWN)
    if code == "40":
        return EventMeaning(EventScope.ANSWER, CallState.ANSWERED)
    if code in END_CODES:
        return EventMeaning(EventScope.END, reason=FailReason.MAX_DURATION if code == "42" else None)
    if code == "43":
        return EventMeaning(EventScope.WARNING)
    if ringing:
        return EventMeaning(EventScope.LEG, CallState.RINGING)
    return EventMeaning(EventScope.NONE)


def end_state(code: str, call_result: str | None, answered: bool) -> tuple[CallState, FailReason | None]:
    """What an end event means for one callee's line.

    Answered: completed (42 keeps max_duration as why it ended). Not answered: the callResult's
    failure when it names one; else 32 (the callee hung up while being rung) is a rejection,
    and 22/44 mean the caller gave up: cancelled.
    """
    if answered:
        return CallState.COMPLETED, FailReason.MAX_DURATION if code == "42" else None
    reason = result_reason(call_result)
    if reason is not None:
        return CallState.FAILED, reason
    if code == "32":
        return CallState.FAILED, FailReason.REJECTED
    if code == "42":
        return CallState.FAILED, FailReason.MAX_DURATION
    return CallState.CANCELLED, None


@dataclass(frozen=True)
class InboundEvent:
    """An event notification (`method=event`) as the platform sent it."""

    sid: str
    vcc_id: str
    call_id: str
    seq: str
    code: str
    charge_ext: str = ""
    client_id: str | None = None
    call_result: str | None = None
    callee_numbers: tuple[str, ...] = ()  # number/translate of userList users with type 1
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def dedupe_key(self) -> str:
        """Identical re-deliveries share it. `seq` alone is not trusted (the seed leaves its scope open)."""
        numbers = ",".join(sorted(self.callee_numbers))
        return f"{self.call_id}|{self.seq}|{self.code}|{normalise_result(self.call_result) or ''}|{numbers}"
