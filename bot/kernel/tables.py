"""Database tables (SQLModel). The invites table is the schedule; the outbox holds Slack posts.

Times are stored as UTC and always come back aware (`UTCDateTime`), on SQLite as on
PostgreSQL, so no comparison ever mixes naive and aware instants.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint, false, true
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
    # What asked for it ("inbox:17"): carrying out the same acknowledged command again finds this row.
    request_key: str | None = Field(default=None, unique=True)
    fired_by: str | None = None  # who pressed Dial now; None when it was dialled at its time
    remind_minutes: int | None = None  # its reminder comes this long before the run; 0/None: none
    reminded_at: datetime | None = _utc(nullable=True)  # the reminder's claim: posted once per run
    remind_dm: bool = Field(default=False, sa_column_kwargs={"server_default": false()})  # DM the people too
    # Its retry policy (dialout/core/retry_policy.py, as_json); NULL: made before retries, none.
    retry_policy: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # Set by Cancel or Hang up all while dialling: no retry is queued or placed after it.
    retries_stopped_at: datetime | None = _utc(nullable=True)
    paused_at: datetime | None = _utc(nullable=True)  # Pause dialling: unsent calls wait until Resume
    paused_by: str | None = None


class InviteSeriesRow(SQLModel, table=True):
    """A recurring invite: the template each occurrence's invite is made from, and the schedule itself.

    `next_at` is the next occurrence not yet made into an invite; moving it is the claim that makes
    each occurrence once (bot/dialout/series_store.py).
    """

    __tablename__ = "invite_series"
    __table_args__ = (Index("ix_invite_series_status_next", "status", "next_at"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str
    channel_id: str
    created_by: str
    provider: str
    target_kind: str
    target_id: str
    tz: str
    locale: str
    max_duration_s: int | None = None
    options: dict[str, str] = _json()
    parties: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    rule: str  # the RFC 5545 RRULE value over local wall times in `tz`
    starts_local: str  # DTSTART as a naive local wall time, ISO ("2026-12-03T09:30:00")
    until_day: str | None = None  # the last local day an occurrence may fall on, ISO
    status: str  # active | paused | ended
    next_at: datetime | None = _utc(nullable=True)
    skip_at: datetime | None = _utc(nullable=True)  # the one occurrence Skip next asked to leave out
    last_at: datetime | None = _utc(nullable=True)  # the latest occurrence made into an invite
    message_ts: str | None = None  # the series' own message in its channel
    remind_minutes: int | None = None  # each occurrence's reminder lead (0/None: none)
    remind_dm: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    retry_policy: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))  # None: default
    created_at: datetime = _utc(nullable=False)
    source_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    request_key: str | None = Field(default=None, unique=True)


class CallAttemptRow(SQLModel, table=True):
    """One party's call in an invite; its state only moves forward (compare-and-set)."""

    __tablename__ = "call_attempts"
    __table_args__ = (
        Index("ix_call_attempts_provider_call", "provider", "provider_call_id"),
        Index("ix_call_attempts_state", "state"),
        Index("ix_call_attempts_retry_at", "retry_at"),
        Index("uq_call_attempts_retry_of", "retry_of", unique=True),  # one retry per failed call
        Index("ix_call_attempts_sent_at", "sent_at"),  # the daily dial limits count calls placed today
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
    ring_limit_s: float | None = None  # the call's own CallLimits, replacing its provider's Timing.limits
    answered_limit_s: float | None = None
    sent_at: datetime | None = _utc(nullable=True)
    updated_at: datetime = _utc(nullable=False)
    answered_at: datetime | None = _utc(nullable=True)
    ended_at: datetime | None = _utc(nullable=True)
    failure_reported: bool = False
    # A retry of the failed call `retry_of`, due at `retry_at`: number `retry_number` of `retry_limit`.
    retry_of: int | None = None
    retry_at: datetime | None = _utc(nullable=True)
    retry_number: int | None = None
    retry_limit: int | None = None
    retry_reason: str | None = None


class CallEventRow(SQLModel, table=True):
    """Every status event received, matched or not; the dedupe key makes re-deliveries no-ops.

    A webhook's events are stored before the provider gets its answer and applied afterwards;
    `applied` is false until then, so events stored by a process that died before applying them
    are applied by the next one.
    """

    __tablename__ = "call_events"
    __table_args__ = (
        UniqueConstraint("provider", "dedupe_key", name="uq_call_events_dedupe"),
        Index("ix_call_events_call", "provider", "provider_call_id"),
        Index("ix_call_events_applied", "applied", "id"),
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
    applied: bool = Field(default=True, sa_column_kwargs={"server_default": true()})


class OutboxRow(SQLModel, table=True):
    """A pending Slack post. Coalesced kinds share a key while pending, so N events → 1 update."""

    __tablename__ = "slack_outbox"
    __table_args__ = (Index("ix_slack_outbox_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str
    thread_key: str = Field(index=True)  # the conversation it belongs to: "invite:17", "inbound:5"
    invite_id: int | None = Field(default=None, index=True)
    coalesce_key: str | None = Field(default=None, unique=True)
    payload: dict[str, Any] = _json()
    status: str = "pending"  # pending | sent | dead
    attempts: int = 0
    next_attempt_at: datetime = _utc(nullable=False)
    leased_until: datetime | None = _utc(nullable=True)
    # Its lease ran out unsettled (its worker died, maybe after posting): look in Slack before posting it.
    taken_over: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    last_error: str | None = None
    created_at: datetime = _utc(nullable=False)
    sent_at: datetime | None = _utc(nullable=True)
    # The workspace whose bot token delivers it ("": single-token mode's one workspace).
    team_id: str = Field(default="", sa_column_kwargs={"server_default": ""})


class InboxRow(SQLModel, table=True):
    """A Slack command acknowledged but not yet carried out; deleted once it has been."""

    __tablename__ = "slack_inbox"

    id: int | None = Field(default=None, primary_key=True)
    # Never reused (SQLite reuses a deleted row's id): what the command's work is remembered by.
    token: str = Field(unique=True)
    kind: str
    payload: dict[str, Any] = _json()
    received_at: datetime = _utc(nullable=False)
    leased_until: datetime = _utc(nullable=False, index=True)  # held by a live process until then
    attempts: int = 0


# --- inbound calls (呼入转呼, seed 003) --------------------------------------------------------


class InboundRouteRow(SQLModel, table=True):
    """An access number people dial, and the channel its calls are reported in."""

    __tablename__ = "inbound_routes"

    id: int | None = Field(default=None, primary_key=True)
    access_key: str = Field(unique=True)  # digits as the platform sends them (core.inbound.number_key)
    access_display: str
    channel_id: str
    team_id: str
    created_by: str
    created_at: datetime = _utc(nullable=False)
    updated_at: datetime = _utc(nullable=False)


class InboundRuleRow(SQLModel, table=True):
    """Callers of a route starting with `caller_prefix` ('' = everyone else) → forward or refuse."""

    __tablename__ = "inbound_rules"
    __table_args__ = (UniqueConstraint("route_id", "caller_prefix", name="uq_inbound_rules_prefix"),)

    id: int | None = Field(default=None, primary_key=True)
    route_id: int = Field(foreign_key="inbound_routes.id", index=True)
    caller_prefix: str
    action: str
    options: dict[str, Any] = _json()
    updated_by: str
    updated_at: datetime = _utc(nullable=False)


class InboundTargetRow(SQLModel, table=True):
    """A callee of a rule: a typed number, or a Slack user with their profile number resolved in the background."""

    __tablename__ = "inbound_targets"

    id: int | None = Field(default=None, primary_key=True)
    rule_id: int = Field(foreign_key="inbound_rules.id", index=True)
    position: int
    number: str | None = None
    slack_user_id: str | None = Field(default=None, index=True)
    name: str | None = None
    resolved_number: str | None = None
    resolved_at: datetime | None = _utc(nullable=True)


class InboundRouteChangeRow(SQLModel, table=True):
    """Who changed which route when, and what it was before and after (rules as JSON)."""

    __tablename__ = "inbound_route_changes"

    id: int | None = Field(default=None, primary_key=True)
    access_key: str
    access_display: str
    caller_prefix: str | None = None  # None: the whole route
    action: str  # set | remove | remove_route
    changed_by: str
    changed_at: datetime = _utc(nullable=False)
    channel_id: str | None = None
    before: dict[str, Any] = _json()
    after: dict[str, Any] = _json()
    team_id: str = Field(default="", sa_column_kwargs={"server_default": ""})  # the route's workspace


class InboundRouteVersionRow(SQLModel, table=True):
    """One row whose number grows with every change to routes or their numbers (caches poll it)."""

    __tablename__ = "inbound_route_version"

    id: int = Field(default=1, primary_key=True)
    version: int = 0


class InboundCallRow(SQLModel, table=True):
    """A call to one of our access numbers: what we answered (kept for repeated queries) and its thread."""

    __tablename__ = "inbound_calls"
    __table_args__ = (UniqueConstraint("vcc_id", "platform_call_id", name="uq_inbound_calls_call"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(unique=True)
    vcc_id: str
    platform_call_id: str
    sid: str
    calling_number: str
    access_number: str
    route_id: int | None = None  # no foreign key: a call outlives its route
    rule_prefix: str | None = None
    outcome: str
    channel_id: str | None = None
    state: str
    opened: bool = False
    warned: bool = False
    thread_ts: str | None = None
    answer: dict[str, Any] = _json()
    end_code: str | None = None
    created_at: datetime = _utc(nullable=False)
    updated_at: datetime = _utc(nullable=False)
    ended_at: datetime | None = _utc(nullable=True)


class InboundLegRow(SQLModel, table=True):
    """One callee's line in an inbound call; its state only moves forward (compare-and-set)."""

    __tablename__ = "inbound_legs"

    id: int | None = Field(default=None, primary_key=True)
    call_id: int = Field(foreign_key="inbound_calls.id", index=True)
    position: int
    address: str
    dialled: str
    slack_user_id: str | None = None
    name: str | None = None
    state: str
    reason: str | None = None
    code: str | None = None
    updated_at: datetime = _utc(nullable=False)
    answered_at: datetime | None = _utc(nullable=True)
    ended_at: datetime | None = _utc(nullable=True)


class InboundEventRow(SQLModel, table=True):
    """Every CTI event received, matched to a call or not; the dedupe key makes re-deliveries no-ops."""

    __tablename__ = "inbound_events"
    __table_args__ = (
        UniqueConstraint("vcc_id", "dedupe_key", name="uq_inbound_events_dedupe"),
        Index("ix_inbound_events_call", "vcc_id", "platform_call_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    vcc_id: str
    platform_call_id: str
    call_id: int | None = Field(default=None, foreign_key="inbound_calls.id", index=True)
    dedupe_key: str
    seq: str
    code: str
    call_result: str | None = None
    received_at: datetime = _utc(nullable=False)
    raw: dict[str, Any] = _json()


class PendingLaunchRow(SQLModel, table=True):
    """A bulk /dial waiting for its asker's Confirm: the invite and parties exactly as summarised."""

    __tablename__ = "pending_launches"

    id: int | None = Field(default=None, primary_key=True)
    team_id: str
    channel_id: str
    created_by: str
    invite: dict[str, Any] = _json()
    parties: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    state: str  # pending → confirmed | cancelled, each once (compare-and-set)
    invite_id: int | None = None  # the invite Confirm scheduled
    created_at: datetime = _utc(nullable=False)


# --- OAuth installations (many workspaces) ----------------------------------------------------
# slack-sdk's SQLAlchemy stores own these three tables' shapes; they are declared here from the SDK's
# own builders (so the metadata is the stores' exactly) and created by migration 0017.
SLACK_BOTS = SQLAlchemyInstallationStore.build_bots_table(SQLModel.metadata, "slack_bots")
SLACK_INSTALLATIONS = SQLAlchemyInstallationStore.build_installations_table(SQLModel.metadata, "slack_installations")
SLACK_OAUTH_STATES = SQLAlchemyOAuthStateStore.build_oauth_states_table(SQLModel.metadata, "slack_oauth_states")

METADATA = SQLModel.metadata


class AuditEventRow(SQLModel, table=True):
    """Who did what to which invite, series or call, and when: appended, never rewritten (but masked when old).

    `once_key` makes a record that several workers may witness (a call's final outcome) land once.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_at", "at"),
        Index("uq_audit_events_once_key", "once_key", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True)
    at: datetime = _utc(nullable=False)
    actor: str  # a Slack user id, or "system"
    action: str
    subject_kind: str  # invite | series | route | call
    subject_id: str
    details: dict[str, Any] = _json()
    once_key: str | None = None
    masked: bool = Field(default=False, sa_column_kwargs={"server_default": false()})  # numbers hidden (retention)


class WorkspaceSettingsRow(SQLModel, table=True):
    """What one workspace's admins saved in App Home: only the values that differ from the environment's."""

    __tablename__ = "workspace_settings"

    team_id: str = Field(primary_key=True)
    saved: str = Field(sa_column=Column(Text, nullable=False))  # JSON object, key by key (workspace_settings.py)
    updated_at: datetime = _utc(nullable=False)
    updated_by: str
