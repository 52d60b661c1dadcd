"""`confbot demo` runs the whole loop and exits 0 once every party is final."""

from __future__ import annotations

import io

from bot.demo import run_demo


async def test_demo_finishes_with_every_party_final() -> None:
    out = io.StringIO()
    assert await run_demo(speed=40, timeout_s=30, out=out) == 0
    text = out.getvalue()
    assert "→ Slack got HTTP 200" in text
    assert "Scheduled invite #1" in text
    assert "138****8000 — failed: busy" in text and "138****8009 — failed: no answer" in text
    assert "1 of 4 joined · 138****8000 busy · 138****8009 no answer · 138****8008 unreachable" in text
    assert "Every party is final (4/4)" in text
