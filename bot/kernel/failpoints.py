"""Named points where a process can be made to die on purpose, to test recovery from exactly there.

A crash between two steps (a call claimed but not yet sent, sent but its id not yet written down,
a Slack post made but not yet marked sent) is where exactly-once promises are kept or broken, and a
timed SIGKILL from outside hits such a point only by luck. The FAILPOINTS setting (comma-separated
names) arms points when the process starts (`arm`); a process reaching an armed one kills itself
with SIGKILL, as the OOM killer would, with no clean-up. Unset (always, outside tests) each point is
one set lookup.
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Iterable

log = logging.getLogger(__name__)

DIAL_AFTER_CLAIM = "dial.after_claim"  # calls claimed for sending, the provider not asked yet
DIAL_AFTER_PLACE = "dial.after_place"  # the provider asked and answered, its answer not recorded
OUTBOX_AFTER_SEND = "outbox.after_send"  # a Slack post made, not marked sent
OUTBOX_AFTER_POST = "outbox.after_post"  # a kept message's first post made, its ts not remembered

KNOWN = frozenset({DIAL_AFTER_CLAIM, DIAL_AFTER_PLACE, OUTBOX_AFTER_SEND, OUTBOX_AFTER_POST})
_armed: frozenset[str] = frozenset()


def arm(names: Iterable[str]) -> None:
    """Arm these points for the rest of this process (unknown names are refused, not ignored)."""
    global _armed
    chosen = frozenset(name.strip() for name in names if name.strip())
    if chosen - KNOWN:
        raise ValueError(f"unknown failpoints: {sorted(chosen - KNOWN)}; known: {sorted(KNOWN)}")
    _armed = chosen


def reached(name: str) -> None:
    """Die here (SIGKILL) if `name` is armed."""
    if name in _armed:
        log.critical("failpoint %s reached: killing this process", name)
        os.kill(os.getpid(), signal.SIGKILL)
