"""retries per outcome: an invite's retry policy, and retry calls queued with the time they are due

invites.retry_policy holds the policy (NULL for invites made before: never retried);
invites.retries_stopped_at is set by Cancel or Hang up all. A retry is a call_attempts row for the
same party with retry_of (the failed call, unique: one retry per failed call), retry_at (when it
is due), its number and limit, and the reason it retries.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Plain ALTER TABLE, not a batch (see 0006): SQLite drops columns in place.


def upgrade() -> None:
    op.add_column("invites", sa.Column("retry_policy", sa.JSON(), nullable=True))
    op.add_column("invites", sa.Column("retries_stopped_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("call_attempts", sa.Column("retry_of", sa.Integer(), nullable=True))
    op.add_column("call_attempts", sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("call_attempts", sa.Column("retry_number", sa.Integer(), nullable=True))
    op.add_column("call_attempts", sa.Column("retry_limit", sa.Integer(), nullable=True))
    op.add_column("call_attempts", sa.Column("retry_reason", sa.String(), nullable=True))
    op.create_index("ix_call_attempts_retry_at", "call_attempts", ["retry_at"], unique=False)
    op.create_index("uq_call_attempts_retry_of", "call_attempts", ["retry_of"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_call_attempts_retry_of", table_name="call_attempts")
    op.drop_index("ix_call_attempts_retry_at", table_name="call_attempts")
    for column in ("retry_reason", "retry_limit", "retry_number", "retry_at", "retry_of"):
        op.drop_column("call_attempts", column)
    op.drop_column("invites", "retries_stopped_at")
    op.drop_column("invites", "retry_policy")
