"""call_events: applied marks an event stored by a webhook as applied to its call

Webhooks are answered once their events are stored, and the events are applied in the background;
an event stored by a process that died before applying it has applied = false and is applied at the
next start. Events stored before this revision were applied when they were stored.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("call_events", sa.Column("applied", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_index("ix_call_events_applied", "call_events", ["applied", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_call_events_applied", table_name="call_events")
    op.drop_column("call_events", "applied")
