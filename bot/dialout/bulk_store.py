"""SQL behind the bulk-dialling ports: the pause mark on an invite, and pending launches.

Kept apart from store.py (the invite store, already long); each change is one conditional UPDATE
whose rowcount says who won, so two presses at once act once, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dialout.core.launches import LaunchState, PendingLaunch
from bot.dialout.core.models import Invite, InviteStatus, Target, TargetKind
from bot.kernel.people import Party, PartyKind
from bot.kernel.tables import InviteRow, PendingLaunchRow

invites = InviteRow.__table__  # type: ignore[attr-defined]
launches = PendingLaunchRow.__table__  # type: ignore[attr-defined]


def _invite_values(invite: Invite) -> dict[str, Any]:
    """What a pending launch keeps of its invite (no id yet, no thread)."""
    assert invite.created_at is not None
    return {
        "provider": invite.provider,
        "target_kind": invite.target.kind.value,
        "target_id": invite.target.id,
        "due_at": invite.due_at.isoformat(),
        "tz": invite.tz,
        "locale": invite.locale,
        "max_duration_s": invite.max_duration_s,
        "options": dict(invite.options),
        "created_at": invite.created_at.isoformat(),
        "source_text": invite.source_text,
    }


def _launch_from_row(row: Any) -> PendingLaunch:
    values = row.invite
    invite = Invite(
        team_id=row.team_id,
        channel_id=row.channel_id,
        created_by=row.created_by,
        provider=values["provider"],
        target=Target(TargetKind(values["target_kind"]), values["target_id"]),
        due_at=datetime.fromisoformat(values["due_at"]),
        tz=values["tz"],
        locale=values["locale"],
        max_duration_s=values["max_duration_s"],
        options=dict(values["options"]),
        created_at=datetime.fromisoformat(values["created_at"]),
        source_text=values["source_text"],
    )
    parties = tuple(
        Party(PartyKind(p["kind"]), p["address"], p.get("slack_user_id"), p.get("name"), p.get("company"))
        for p in row.parties
    )
    return PendingLaunch(row.id, invite, parties, LaunchState(row.state), row.invite_id)


class SqlBulkStore:
    """PauseStore and LaunchStore on an async SQLAlchemy engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def set_paused(self, invite_id: int, paused_at: datetime | None, by: str | None) -> bool:
        unchanged = invites.c.paused_at.is_(None) if paused_at is not None else invites.c.paused_at.is_not(None)
        condition = and_(invites.c.id == invite_id, invites.c.status == InviteStatus.DIALING.value, unchanged)
        async with self.engine.begin() as conn:
            result = await conn.execute(update(invites).where(condition).values(paused_at=paused_at, paused_by=by))
        return result.rowcount == 1

    async def hold_launch(self, invite: Invite, parties: Sequence[Party]) -> int:
        assert invite.created_at is not None
        values = {
            "team_id": invite.team_id,
            "channel_id": invite.channel_id,
            "created_by": invite.created_by,
            "invite": _invite_values(invite),
            "parties": [
                {
                    "kind": p.kind.value,
                    "address": p.address,
                    "slack_user_id": p.slack_user_id,
                    "name": p.name,
                    "company": p.company,
                }
                for p in parties
            ],
            "state": LaunchState.PENDING.value,
            "created_at": invite.created_at,
        }
        async with self.engine.begin() as conn:
            result = await conn.execute(insert(launches).values(**values))
        assert result.inserted_primary_key is not None
        return int(result.inserted_primary_key[0])

    async def get_launch(self, launch_id: int) -> PendingLaunch | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(launches).where(launches.c.id == launch_id))).first()
        return _launch_from_row(row) if row else None

    async def settle_launch(self, launch_id: int, state: LaunchState) -> bool:
        condition = and_(launches.c.id == launch_id, launches.c.state == LaunchState.PENDING.value)
        async with self.engine.begin() as conn:
            result = await conn.execute(update(launches).where(condition).values(state=state.value))
        return result.rowcount == 1

    async def set_launch_invite(self, launch_id: int, invite_id: int) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(launches).where(launches.c.id == launch_id).values(invite_id=invite_id))
