"""Time phrases: p50/p99 of parse_when over 4,000 mixed English and Chinese phrases, against datetime.fromisoformat.

`parse_when` runs for every `/dial` (off the event loop, but a slow phrase still holds a worker
thread): the goal is p99 ≤ 10 ms after warm-up. The phrases are templates filled with varied
numbers and zones, so caches keyed on the text see mostly new strings; unreadable ones are
included, as users type them too. The baseline parses ISO strings with `datetime.fromisoformat`
in the same run, which puts the machine's speed beside the figures.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bench.stats import percentile
from bot.kernel.when import WhenError, parse_when

PHRASES = 4_000
WARM_UP = 200
GOAL_P99_MS = 10.0

ZONES = ("Asia/Shanghai", "UTC", "America/New_York", "Europe/London", "Asia/Tokyo")
DAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAYS_ZH = ("一", "二", "三", "四", "五", "六", "日")
MONTHS_EN = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
CN_NUMBERS = ("一", "两", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")


def _phrase(rng: random.Random) -> str:
    """One phrase a user might type, English or Chinese, now and then one that cannot be read."""
    h12, h24, minute = rng.randint(1, 12), rng.randint(0, 23), rng.choice((0, 15, 30, 45))
    day, month = rng.randint(1, 28), rng.randint(1, 12)
    templates = (
        lambda: f"in {rng.randint(1, 180)} minutes",
        lambda: f"in {rng.randint(1, 12)}h {rng.randint(0, 59)}m",
        lambda: f"{h12}{rng.choice(('am', 'pm'))}",
        lambda: f"{h24:02d}:{minute:02d}",
        lambda: f"tomorrow at {h12}{rng.choice(('am', 'pm'))}",
        lambda: f"{rng.choice(DAYS_EN)} {h12}:{minute:02d}{rng.choice(('am', 'pm'))}",
        lambda: f"next {rng.choice(DAYS_EN)} {h24}:{minute:02d}",
        lambda: f"{day} {rng.choice(MONTHS_EN)} at {h12}pm",
        lambda: f"2027-{month:02d}-{day:02d} {h24:02d}:{minute:02d}",
        lambda: f"{rng.randint(1, 120)}分钟后",
        lambda: f"{rng.randint(1, 9)}小时{rng.randint(1, 59)}分钟后",
        lambda: f"明天下午{h12}点",
        lambda: f"后天{h12}点半",
        lambda: f"下周{rng.choice(DAYS_ZH)}上午{h12}:{minute:02d}",
        lambda: f"{month}月{day}日下午{h12}点",
        lambda: f"{CN_NUMBERS[month - 1]}月{CN_NUMBERS[rng.randint(0, 9)]}日下午{CN_NUMBERS[h12 - 1]}点",
        lambda: f"2027年{month}月{day}日 {h24:02d}:{minute:02d}",
        lambda: rng.choice(("now", "现在", "noon", "midnight", "明天中午", "今晚8点")),
        lambda: rng.choice(("whenever bob is free", "下个月某天", "25:00", "13pm", "yesterday at 3")),
    )
    return rng.choice(templates)()


Parse = Callable[[str, datetime, str], object]


def _timed(parse: Parse, inputs: list[tuple[str, datetime, str]]) -> tuple[list[float], int]:
    """Seconds each input took, and how many were refused."""
    samples, refused = [], 0
    for phrase, now, tz in inputs:
        started = time.perf_counter()
        try:
            parse(phrase, now, tz)
        except WhenError:
            refused += 1
        samples.append(time.perf_counter() - started)
    return samples, refused


async def run() -> list[str]:
    rng = random.Random(11)
    base = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    inputs = [
        (_phrase(rng), base + timedelta(minutes=rng.randint(0, 60 * 24 * 30)), rng.choice(ZONES))
        for _ in range(PHRASES + WARM_UP)
    ]
    _timed(parse_when, inputs[:WARM_UP])
    samples, refused = _timed(parse_when, inputs[WARM_UP:])
    iso = [(now.isoformat(), now, "") for _, now, _ in inputs[WARM_UP:]]
    baseline, _ = _timed(lambda text, _now, _tz: datetime.fromisoformat(text), iso)
    p99_ms = percentile(samples, 99) * 1000
    verdict = "met" if p99_ms <= GOAL_P99_MS else "MISSED"
    return [
        f"parse_when    : {_summary_us(samples)}; {refused} refused (unreadable, past, too far)",
        f"fromisoformat : {_summary_us(baseline)}",
        f"goal p99 ≤ {GOAL_P99_MS:.0f} ms: {verdict}",
    ]


def _summary_us(samples: list[float]) -> str:
    """Like bench.stats.summary_ms, in microseconds: these take far less than a millisecond."""
    us = [s * 1_000_000 for s in samples]
    return f"p50 {percentile(us, 50):.1f} µs · p99 {percentile(us, 99):.1f} µs · max {max(us):.0f} µs (n={len(us)})"
