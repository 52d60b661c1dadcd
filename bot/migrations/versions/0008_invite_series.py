"""invite_series: recurring invites (the template, the RFC 5545 rule and zone, the next occurrence)

Each occurrence becomes an ordinary invite row (request_key "series:{id}:{instant}"), made from the
series a little before it is due; the series row is the schedule.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invite_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(), nullable=False),
        sa.Column("channel_id", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("provider", sa.String(), nullable=False),
        sa.Column("target_kind", sa.String(), nullable=False),
        sa.Column("target_id", sa.String(), nullable=False),
        sa.Column("tz", sa.String(), nullable=False),
        sa.Column("locale", sa.String(), nullable=False),
        sa.Column("max_duration_s", sa.Integer(), nullable=True),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("parties", sa.JSON(), nullable=False),
        sa.Column("rule", sa.String(), nullable=False),
        sa.Column("starts_local", sa.String(), nullable=False),
        sa.Column("until_day", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("skip_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_ts", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_text", sa.Text(), nullable=False),
        sa.Column("request_key", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_key"),
    )
    op.create_index("ix_invite_series_status_next", "invite_series", ["status", "next_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_invite_series_status_next", table_name="invite_series")
    op.drop_table("invite_series")
