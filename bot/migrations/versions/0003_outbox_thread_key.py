"""slack outbox: rows name the thread they belong to (invite or inbound call) in thread_key

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

outbox = sa.table(
    "slack_outbox",
    sa.column("invite_id", sa.Integer()),
    sa.column("thread_key", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("slack_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thread_key", sa.String(), nullable=True))
    # Before 0003, inbound-call rows carried -call_id in invite_id.
    op.execute(
        outbox.update()
        .where(outbox.c.invite_id > 0)
        .values(thread_key=sa.literal("invite:") + sa.cast(outbox.c.invite_id, sa.String()))
    )
    op.execute(
        outbox.update()
        .where(outbox.c.invite_id < 0)
        .values(thread_key=sa.literal("inbound:") + sa.cast(-outbox.c.invite_id, sa.String()), invite_id=None)
    )
    op.execute(outbox.update().where(outbox.c.thread_key.is_(None)).values(thread_key=""))
    with op.batch_alter_table("slack_outbox", schema=None) as batch_op:
        batch_op.alter_column("thread_key", existing_type=sa.String(), nullable=False)
        batch_op.create_index("ix_slack_outbox_thread_key", ["thread_key"], unique=False)


def downgrade() -> None:
    op.execute(
        outbox.update()
        .where(outbox.c.thread_key.like("inbound:%"))
        .values(invite_id=-sa.cast(sa.func.substr(outbox.c.thread_key, 9), sa.Integer()))
    )
    with op.batch_alter_table("slack_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_slack_outbox_thread_key")
        batch_op.drop_column("thread_key")
