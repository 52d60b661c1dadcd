"""the daily dial limits' count: an index on call_attempts.sent_at

Every call claimed under DAILY_DIAL_LIMIT_PER_USER / _PER_WORKSPACE counts the workspace's calls
claimed for sending since its local midnight, inside the claim (dialout/store.py
`claim_attempt_within`); without the index that count reads the whole table on every call.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_call_attempts_sent_at", "call_attempts", ["sent_at"])


def downgrade() -> None:
    op.drop_index("ix_call_attempts_sent_at", table_name="call_attempts")
