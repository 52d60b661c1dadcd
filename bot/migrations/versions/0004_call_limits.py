"""call attempts: a call's own give-up limits are typed columns, no longer keys in the provider's context

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

Before 0004 Yunhuni and VoipNow wrote `give_up_after_s` into an attempt's context for the core to
read; it moves to `ring_limit_s`, and back on downgrade.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OLD_KEY = "give_up_after_s"

attempts = sa.table(
    "call_attempts",
    sa.column("id", sa.Integer()),
    sa.column("context", sa.JSON()),
    sa.column("ring_limit_s", sa.Float()),
)


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def upgrade() -> None:
    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ring_limit_s", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("answered_limit_s", sa.Float(), nullable=True))
    conn = op.get_bind()
    for row in conn.execute(sa.select(attempts.c.id, attempts.c.context)).all():
        context = dict(row.context or {})
        if OLD_KEY not in context:
            continue
        limit = _number(context.pop(OLD_KEY))
        conn.execute(attempts.update().where(attempts.c.id == row.id).values(context=context, ring_limit_s=limit))


def downgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(attempts.c.id, attempts.c.context, attempts.c.ring_limit_s).where(
            attempts.c.ring_limit_s.is_not(None)
        )
    ).all()
    for row in rows:
        context = {**(row.context or {}), OLD_KEY: f"{row.ring_limit_s:g}"}
        conn.execute(attempts.update().where(attempts.c.id == row.id).values(context=context))
    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.drop_column("answered_limit_s")
        batch_op.drop_column("ring_limit_s")
