"""invites: remind_minutes (how long before the run its reminder is posted), reminded_at (sent, once) and
remind_dm (the mentioned people get a direct message too)

`remind_minutes` is decided when the invite is made (the command's `remind 15m`, else the
workspace's REMINDER_MINUTES); 0 or NULL (invites made before this revision) means no reminder.
`reminded_at` is the claim that lets one process, once, post the reminder of a run.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("invites", sa.Column("remind_minutes", sa.Integer(), nullable=True))
    op.add_column("invites", sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("invites", sa.Column("remind_dm", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("invites", "remind_dm")
    op.drop_column("invites", "reminded_at")
    op.drop_column("invites", "remind_minutes")
