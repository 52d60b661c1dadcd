"""Database tables (SQLModel). The invites table is the schedule; the outbox holds Slack posts.

Times are stored as UTC and always come back aware (`UTCDateTime`), on SQLite as on
PostgreSQL, so no comparison ever mixes naive and aware instants.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend (SQLite has no time zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc(**kwargs: Any) -> Any:
    return Field(sa_column=Column(UTCDateTime(), **kwargs))


def _json() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class InviteRow(SQLModel, table=True):
    """One invite: who asked, what to dial into, when, and where its thread is."""

    __tablename__ = "invites"
    __table_args__ = (Index("ix_invites_status_due", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str
    channel_id: str
    created_by: str
    provider: str
    target_kind: str
    target_id: str
    due_at: datetime = _utc(nullable=False)
    tz: str
    locale: str
    max_duration_s: int | None = None
    options: dict[str, str] = _json()
    status: str
    thread_ts: str | None = None
    roster_ts: str | None = None
    created_at: datetime = _utc(nullable=False)
    fired_at: datetime | None = _utc(nullable=True)
    late_by_s: int | None = None
    source_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class CallAttemptRow(SQLModel, table=True):
    """One party's call in an invite; its state only moves forward (compare-and-set)."""

    __tablename__ = "call_attempts"
    __table_args__ = (
        Index("ix_call_attempts_provider_call", "provider", "provider_call_id"),
        Index("ix_call_attempts_state", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    invite_id: int = Field(foreign_key="invites.id", index=True)
    position: int
    provider: str
    party_kind: str
    address: str
    slack_user_id: str | None = None
    name: str | None = None
    company: str | None = None
    state: str
    reason: str | None = None
    provider_call_id: str | None = None
    code: str | None = None
    detail: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    context: dict[str, str] = _json()
    sent_at: datetime | None = _utc(nullable=True)
    updated_at: datetime = _utc(nullable=False)
    answered_at: datetime | None = _utc(nullable=True)
    ended_at: datetime | None = _utc(nullable=True)
    failure_reported: bool = False


class CallEventRow(SQLModel, table=True):
    """Every status event received, matched or not; the dedupe key makes re-deliveries no-ops."""

    __tablename__ = "call_events"
    __table_args__ = (
        UniqueConstraint("provider", "dedupe_key", name="uq_call_events_dedupe"),
        Index("ix_call_events_call", "provider", "provider_call_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider: str
    provider_call_id: str
    attempt_id: int | None = Field(default=None, foreign_key="call_attempts.id", index=True)
    dedupe_key: str
    state: str
    reason: str | None = None
    code: str | None = None
    detail: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    occurred_at: datetime | None = _utc(nullable=True)
    received_at: datetime = _utc(nullable=False)
    raw: dict[str, Any] = _json()


class OutboxRow(SQLModel, table=True):
    """A pending Slack post. Coalesced kinds share a key while pending, so N events → 1 update."""

    __tablename__ = "slack_outbox"
    __table_args__ = (Index("ix_slack_outbox_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str
    invite_id: int | None = Field(default=None, index=True)
    coalesce_key: str | None = Field(default=None, unique=True)
    payload: dict[str, Any] = _json()
    status: str = "pending"  # pending | sent | dead
    attempts: int = 0
    next_attempt_at: datetime = _utc(nullable=False)
    leased_until: datetime | None = _utc(nullable=True)
    last_error: str | None = None
    created_at: datetime = _utc(nullable=False)
    sent_at: datetime | None = _utc(nullable=True)


METADATA = SQLModel.metadata
