"""inbound calls (呼入转呼): routes, caller rules, targets, route changes, calls, legs, events

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """The inbound schema as one listing: calls, legs, events; routes, their rules, targets, changes, version.

    Long for the reason 0001's is: read as a schema listing, in the order its DDL runs; never edited
    after release.
    """
    op.create_table(
        "inbound_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(), nullable=False),
        sa.Column("vcc_id", sa.String(), nullable=False),
        sa.Column("platform_call_id", sa.String(), nullable=False),
        sa.Column("sid", sa.String(), nullable=False),
        sa.Column("calling_number", sa.String(), nullable=False),
        sa.Column("access_number", sa.String(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=True),
        sa.Column("rule_prefix", sa.String(), nullable=True),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("channel_id", sa.String(), nullable=True),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("opened", sa.Boolean(), nullable=False),
        sa.Column("warned", sa.Boolean(), nullable=False),
        sa.Column("thread_ts", sa.String(), nullable=True),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("end_code", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id"),
        sa.UniqueConstraint("vcc_id", "platform_call_id", name="uq_inbound_calls_call"),
    )
    op.create_table(
        "inbound_route_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("access_key", sa.String(), nullable=False),
        sa.Column("access_display", sa.String(), nullable=False),
        sa.Column("caller_prefix", sa.String(), nullable=True),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("changed_by", sa.String(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel_id", sa.String(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "inbound_routes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("access_key", sa.String(), nullable=False),
        sa.Column("access_display", sa.String(), nullable=False),
        sa.Column("channel_id", sa.String(), nullable=False),
        sa.Column("team_id", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("access_key"),
    )
    op.create_table(
        "inbound_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vcc_id", sa.String(), nullable=False),
        sa.Column("platform_call_id", sa.String(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("dedupe_key", sa.String(), nullable=False),
        sa.Column("seq", sa.String(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("call_result", sa.String(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["inbound_calls.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("vcc_id", "dedupe_key", name="uq_inbound_events_dedupe"),
    )
    with op.batch_alter_table("inbound_events", schema=None) as batch_op:
        batch_op.create_index("ix_inbound_events_call", ["vcc_id", "platform_call_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inbound_events_call_id"), ["call_id"], unique=False)

    op.create_table(
        "inbound_legs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(), nullable=False),
        sa.Column("dialled", sa.String(), nullable=False),
        sa.Column("slack_user_id", sa.String(), nullable=True),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("code", sa.String(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["inbound_calls.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("inbound_legs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbound_legs_call_id"), ["call_id"], unique=False)

    op.create_table(
        "inbound_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("caller_prefix", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["route_id"],
            ["inbound_routes.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("route_id", "caller_prefix", name="uq_inbound_rules_prefix"),
    )
    with op.batch_alter_table("inbound_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbound_rules_route_id"), ["route_id"], unique=False)

    op.create_table(
        "inbound_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(), nullable=True),
        sa.Column("slack_user_id", sa.String(), nullable=True),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("resolved_number", sa.String(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["inbound_rules.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("inbound_targets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbound_targets_rule_id"), ["rule_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inbound_targets_slack_user_id"), ["slack_user_id"], unique=False)

    version = op.create_table(
        "inbound_route_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(version, [{"id": 1, "version": 0}])


def downgrade() -> None:
    op.drop_table("inbound_route_version")
    with op.batch_alter_table("inbound_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_targets_slack_user_id"))
        batch_op.drop_index(batch_op.f("ix_inbound_targets_rule_id"))

    op.drop_table("inbound_targets")
    with op.batch_alter_table("inbound_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_rules_route_id"))

    op.drop_table("inbound_rules")
    with op.batch_alter_table("inbound_legs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_legs_call_id"))

    op.drop_table("inbound_legs")
    with op.batch_alter_table("inbound_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_events_call_id"))
        batch_op.drop_index("ix_inbound_events_call")

    op.drop_table("inbound_events")
    op.drop_table("inbound_routes")
    op.drop_table("inbound_route_changes")
    op.drop_table("inbound_calls")
