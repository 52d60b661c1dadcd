"""On SQLite there is one process, so it leads from the start without asking anyone."""

from __future__ import annotations

from bot.kernel import db
from bot.kernel.leadership import Leadership


async def test_a_sqlite_replica_always_leads_and_steps_down_when_stopped(tmp_path) -> None:
    engine = db.create_engine(f"sqlite:///{tmp_path / 'lead.db'}")
    told: list[str] = []

    async def elected() -> None:
        told.append("elected")

    leadership = Leadership(engine)
    try:
        assert not leadership.contested
        await leadership.start(on_elected=elected, on_deposed=lambda: told.append("deposed"), listen={})
        assert leadership.leading and told == ["elected"]
        await leadership.stop()
        assert not leadership.leading and told == ["elected", "deposed"]
    finally:
        await engine.dispose()
