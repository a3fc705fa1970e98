"""Table definitions; the schema itself is created only by the Alembic migrations."""

from __future__ import annotations

import sqlalchemy as sa

from elenchos.adapters.sqlalchemy.types import UTCDateTime, json_document

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("email_normalized", sa.String(320), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("profile", json_document(), nullable=False),
    sa.Column("settings", json_document(), nullable=False),
    sa.Column("email_verified_at", UTCDateTime(), nullable=True),
    sa.Column("password_changed_at", UTCDateTime(), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Index("ix_users_email_normalized", "email_normalized", unique=True),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("template", sa.String(64), nullable=False),
    sa.Column("recipient", sa.String(320), nullable=False),
    sa.Column("context", json_document(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("last_error", sa.Text(), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
    sa.Column("sent_at", UTCDateTime(), nullable=True),
    # The dispatcher's query: pending rows in order of their next attempt.
    sa.Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
)
