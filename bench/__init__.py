"""Benchmarks: each module has `async def run() -> list[str]` returning printable figures.

`python -m bench` (or `make bench`) runs them all; `python -m bench ack_latency` runs one.
Figures are printed, never asserted: speed goals live here, not in unit tests.
"""

from __future__ import annotations

MODULES = (
    "ack_latency",
    "ack_load",
    "dial_throughput",
    "cti_query",
    "webhook_burst",
    "time_phrases",
    "big_invite",
    "many_scheduled",
    "paced_bulk",
    "crash_scenarios",
)
