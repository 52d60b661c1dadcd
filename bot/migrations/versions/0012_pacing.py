"""invites: paused_at/paused_by (Pause dialling holds a bulk invite's unsent calls); pending_launches
(a bulk /dial over BULK_CONFIRM_OVER parties waits here, exactly as summarised, until Confirm or Cancel)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


# Plain ALTER TABLE for invites, as 0006 (a batch would copy the table that call_attempts refers to).


def upgrade() -> None:
    op.add_column("invites", sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("invites", sa.Column("paused_by", sa.String(), nullable=True))
    op.create_table(
        "pending_launches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(), nullable=False),
        sa.Column("channel_id", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("invite", sa.JSON(), nullable=False),
        sa.Column("parties", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("invite_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("pending_launches")
    op.drop_column("invites", "paused_by")
    op.drop_column("invites", "paused_at")
