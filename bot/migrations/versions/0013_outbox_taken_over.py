"""outbox rows taken over: slack_outbox.taken_over marks a row whose lease ran out unsettled

Its worker died holding it, perhaps after Slack took its message; until the row is settled, every
delivery of it looks in Slack for a message naming the row before posting (bot/kernel/posting.py).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# Plain ALTER TABLE, not a batch (see 0006): SQLite drops columns in place.


def upgrade() -> None:
    op.add_column("slack_outbox", sa.Column("taken_over", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("slack_outbox", "taken_over")
