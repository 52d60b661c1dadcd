"""Percentiles for latency samples."""

from __future__ import annotations

import statistics


def percentile(samples: list[float], p: float) -> float:
    """The p-th percentile (0–100) by nearest rank."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))
    return ordered[rank]


def summary_ms(samples: list[float]) -> str:
    """'p50 12.3 ms · p99 45.6 ms · max 78.9 ms · mean 13.0 ms (n=300)' for samples in seconds."""
    ms = [s * 1000 for s in samples]
    return (
        f"p50 {percentile(ms, 50):.1f} ms · p99 {percentile(ms, 99):.1f} ms · max {max(ms):.1f} ms · "
        f"mean {statistics.fmean(ms):.1f} ms (n={len(ms)})"
    )
