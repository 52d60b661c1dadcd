"""slack_inbox: acknowledged Slack commands not yet carried out; invites.request_key

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

A command is stored before Slack gets its 200 and deleted once carried out, so a crash between
the two loses nothing; `request_key` lets carrying it out again find the invite it already made.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("leased_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_slack_inbox_leased_until"), "slack_inbox", ["leased_until"], unique=False)
    op.create_index(op.f("ix_slack_inbox_token"), "slack_inbox", ["token"], unique=True)
    # Plain ADD COLUMN, not a batch copy: SQLite would drop and rebuild `invites`, which the
    # call_attempts rows referencing it (foreign keys on) do not allow.
    op.add_column("invites", sa.Column("request_key", sa.String(), nullable=True))
    op.create_index(op.f("ix_invites_request_key"), "invites", ["request_key"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_invites_request_key"), table_name="invites")
    op.drop_column("invites", "request_key")  # SQLite ≥ 3.35 drops an unindexed column in place
    op.drop_index(op.f("ix_slack_inbox_token"), table_name="slack_inbox")
    op.drop_index(op.f("ix_slack_inbox_leased_until"), table_name="slack_inbox")
    op.drop_table("slack_inbox")
