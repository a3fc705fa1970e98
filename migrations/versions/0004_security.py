"""The audit log of security events and the shared rate limit counters.

Revision ID: 0004_security
Revises: 0003_sessions
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from elenchos.adapters.sqlalchemy.types import UTCDateTime, json_document

revision = "0004_security"
down_revision = "0003_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "security_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("actor_user_id", sa.Uuid(), nullable=True),
        sa.Column("subject_user_id", sa.Uuid(), nullable=True),
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column("ip_address", sa.String(45), nullable=True),
        sa.Column("user_agent", sa.String(512), nullable=True),
        sa.Column("details", json_document(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_security_events"),
    )
    op.create_index(
        "ix_security_events_subject_user_id_occurred_at",
        "security_events",
        ["subject_user_id", "occurred_at"],
    )
    op.create_index(
        "ix_security_events_organisation_id_occurred_at",
        "security_events",
        ["organisation_id", "occurred_at"],
    )

    op.create_table(
        "rate_limit_counters",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("window_start", UTCDateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_rate_limit_counters"),
    )
    op.create_index(
        "ix_rate_limit_counters_expires_at", "rate_limit_counters", ["expires_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_rate_limit_counters_expires_at", table_name="rate_limit_counters")
    op.drop_table("rate_limit_counters")
    op.drop_index(
        "ix_security_events_organisation_id_occurred_at", table_name="security_events"
    )
    op.drop_index("ix_security_events_subject_user_id_occurred_at", table_name="security_events")
    op.drop_table("security_events")
