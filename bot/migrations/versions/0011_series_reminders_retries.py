"""invite_series: each occurrence's reminder lead, reminder DMs and retry policy

A series made before this revision gives its occurrences no reminder and the workspace's retry
policy (what its NULLs mean).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("invite_series", sa.Column("remind_minutes", sa.Integer(), nullable=True))
    op.add_column("invite_series", sa.Column("remind_dm", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("invite_series", sa.Column("retry_policy", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("invite_series", "retry_policy")
    op.drop_column("invite_series", "remind_dm")
    op.drop_column("invite_series", "remind_minutes")
