"""audit trail: audit_events, appended by the auditing notifier and read by `confbot audit`

Rows are never updated except by the retention pass, which masks numbers in old ones (`masked`).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("subject_kind", sa.String(), nullable=False),
        sa.Column("subject_id", sa.String(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("once_key", sa.String(), nullable=True),
        sa.Column("masked", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_events_team_id", "audit_events", ["team_id"])
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("uq_audit_events_once_key", "audit_events", ["once_key"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_audit_events_once_key", table_name="audit_events")
    op.drop_index("ix_audit_events_at", table_name="audit_events")
    op.drop_index("ix_audit_events_team_id", table_name="audit_events")
    op.drop_table("audit_events")
