"""invites: fired_by names who pressed Dial now (the thread parent says it was dialled early, and by whom)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch: on SQLite a batch copies the table, and dropping the old `invites`
# fails while call_attempts rows refer to it (foreign keys are on). SQLite ≥ 3.35 drops columns in place.


def upgrade() -> None:
    op.add_column("invites", sa.Column("fired_by", sa.String(), nullable=True))


def downgrade() -> None:
    op.drop_column("invites", "fired_by")
