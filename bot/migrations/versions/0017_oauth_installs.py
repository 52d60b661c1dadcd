"""many workspaces: slack-sdk's installation and OAuth state tables, each outbox row's and route change's team

The three slack_* tables are the shapes slack-sdk 3.x's SQLAlchemy stores read and write
(`SQLAlchemyInstallationStore.build_*_table`, `SQLAlchemyOAuthStateStore.build_oauth_states_table`),
copied here so a later SDK cannot change the schema behind the migrations' back. `slack_outbox.team_id`
names the workspace whose token delivers the row (empty for rows queued before: the one workspace
of single-token mode).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def _bot_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.String(32), nullable=False),
        sa.Column("app_id", sa.String(32), nullable=False),
        sa.Column("enterprise_id", sa.String(32)),
        sa.Column("enterprise_name", sa.String(200)),
        sa.Column("team_id", sa.String(32)),
        sa.Column("team_name", sa.String(200)),
        sa.Column("bot_token", sa.String(200)),
        sa.Column("bot_id", sa.String(32)),
        sa.Column("bot_user_id", sa.String(32)),
        sa.Column("bot_scopes", sa.String(1000)),
        sa.Column("bot_refresh_token", sa.String(200)),
        sa.Column("bot_token_expires_at", sa.DateTime()),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False, server_default=sa.false()),
    ]


def upgrade() -> None:
    op.create_table(
        "slack_bots",
        *_bot_columns(),
        sa.Column("installed_at", sa.DateTime(), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("slack_bots_idx", "slack_bots", ["client_id", "enterprise_id", "team_id", "installed_at"])
    op.create_table(
        "slack_installations",
        *_bot_columns(),
        sa.Column("enterprise_url", sa.String(200)),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("user_token", sa.String(200)),
        sa.Column("user_scopes", sa.String(1000)),
        sa.Column("user_refresh_token", sa.String(200)),
        sa.Column("user_token_expires_at", sa.DateTime()),
        sa.Column("incoming_webhook_url", sa.String(200)),
        sa.Column("incoming_webhook_channel", sa.String(200)),
        sa.Column("incoming_webhook_channel_id", sa.String(200)),
        sa.Column("incoming_webhook_configuration_url", sa.String(200)),
        sa.Column("token_type", sa.String(32)),
        sa.Column("installed_at", sa.DateTime(), nullable=False, server_default=sa.func.now()),
    )
    op.create_index(
        "slack_installations_idx",
        "slack_installations",
        ["client_id", "enterprise_id", "team_id", "user_id", "installed_at"],
    )
    op.create_table(
        "slack_oauth_states",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("state", sa.String(200), nullable=False),
        sa.Column("expire_at", sa.DateTime(), nullable=False),
    )
    with op.batch_alter_table("slack_outbox") as batch:
        batch.add_column(sa.Column("team_id", sa.String(), nullable=False, server_default=""))
    with op.batch_alter_table("inbound_route_changes") as batch:
        batch.add_column(sa.Column("team_id", sa.String(), nullable=False, server_default=""))
    # Changes of routes that still exist are theirs; those of removed routes cannot be told apart ("").
    op.execute(
        "UPDATE inbound_route_changes SET team_id = COALESCE((SELECT r.team_id FROM inbound_routes r"
        " WHERE r.access_key = inbound_route_changes.access_key), '')"
    )


def downgrade() -> None:
    with op.batch_alter_table("inbound_route_changes") as batch:
        batch.drop_column("team_id")
    with op.batch_alter_table("slack_outbox") as batch:
        batch.drop_column("team_id")
    op.drop_table("slack_oauth_states")
    op.drop_index("slack_installations_idx", table_name="slack_installations")
    op.drop_table("slack_installations")
    op.drop_index("slack_bots_idx", table_name="slack_bots")
    op.drop_table("slack_bots")
