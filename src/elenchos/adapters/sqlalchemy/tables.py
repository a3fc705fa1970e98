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

user_tokens = sa.Table(
    "user_tokens",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column(
        "user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("purpose", sa.String(32), nullable=False),
    # SHA-256 of the raw token, in hex; the raw token is never stored.
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("expires_at", UTCDateTime(), nullable=False),
    sa.Column("used_at", UTCDateTime(), nullable=True),
    sa.Index("ix_user_tokens_token_hash", "token_hash", unique=True),
    sa.Index("ix_user_tokens_user_id_purpose", "user_id", "purpose"),
)

organisations = sa.Table(
    "organisations",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("slug", sa.String(63), nullable=False),
    sa.Column("settings", json_document(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Index("ix_organisations_slug", "slug", unique=True),
)

memberships = sa.Table(
    "memberships",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column(
        "organisation_id",
        sa.Uuid(),
        sa.ForeignKey("organisations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column(
        "user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("joined_at", UTCDateTime(), nullable=False),
    sa.Column(
        "invited_by", sa.Uuid(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    ),
    # One membership per user and organisation. This constraint also lets
    # exactly one of two concurrent accepts of an invitation succeed.
    sa.UniqueConstraint("organisation_id", "user_id"),
    # Counts per role, and member pages in the order people joined.
    sa.Index("ix_memberships_organisation_id_role", "organisation_id", "role"),
    sa.Index(
        "ix_memberships_organisation_id_joined_at_user_id",
        "organisation_id",
        "joined_at",
        "user_id",
    ),
    sa.Index("ix_memberships_user_id", "user_id"),
)

invitations = sa.Table(
    "invitations",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column(
        "organisation_id",
        sa.Uuid(),
        sa.ForeignKey("organisations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("email_normalized", sa.String(320), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    # SHA-256 of the raw token in hex. The raw token is never stored.
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column(
        "invited_by", sa.Uuid(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    ),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Column("expires_at", UTCDateTime(), nullable=False),
    sa.Column("accepted_at", UTCDateTime(), nullable=True),
    sa.Column(
        "accepted_by", sa.Uuid(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    ),
    sa.Column("revoked_at", UTCDateTime(), nullable=True),
    sa.Index("ix_invitations_token_hash", "token_hash", unique=True),
    sa.Index("ix_invitations_organisation_id_status", "organisation_id", "status"),
    sa.Index("ix_invitations_email_normalized_status", "email_normalized", "status"),
    # At most one pending invitation per address and organisation. Accepted
    # and revoked ones stay as history.
    sa.Index(
        "ix_invitations_pending_address",
        "organisation_id",
        "email_normalized",
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    ),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column(
        "user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "organisation_id",
        sa.Uuid(),
        sa.ForeignKey("organisations.id", ondelete="SET NULL"),
        nullable=True,
    ),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("last_used_at", UTCDateTime(), nullable=False),
    # Idle expiry, pushed forward by each refresh but never past absolute_expires_at.
    sa.Column("expires_at", UTCDateTime(), nullable=False),
    sa.Column("absolute_expires_at", UTCDateTime(), nullable=False),
    sa.Column("revoked_at", UTCDateTime(), nullable=True),
    sa.Column("revoked_reason", sa.String(32), nullable=True),
    sa.Column("ip_address", sa.String(45), nullable=True),
    sa.Column("user_agent", sa.String(512), nullable=True),
    sa.Index("ix_sessions_user_id", "user_id"),
)

refresh_tokens = sa.Table(
    "refresh_tokens",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column(
        "session_id",
        sa.Uuid(),
        sa.ForeignKey("sessions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # SHA-256 of the raw token in hex. The raw token is never stored.
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("retired_at", UTCDateTime(), nullable=True),
    # No foreign key: rotation marks the old row retired before the successor
    # row exists, so that the conditional UPDATE decides which rotation wins.
    sa.Column("successor_id", sa.Uuid(), nullable=True),
    # The successor's raw token encrypted under a key derived from this
    # token's raw value, so only a holder of this token can read it back.
    sa.Column("sealed_successor", sa.LargeBinary(), nullable=True),
    sa.Index("ix_refresh_tokens_token_hash", "token_hash", unique=True),
    sa.Index("ix_refresh_tokens_session_id", "session_id"),
)

# The audit log has no foreign keys: an event outlives the user or
# organisation it names, so "organisation deleted" stays readable.
security_events = sa.Table(
    "security_events",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("occurred_at", UTCDateTime(), nullable=False),
    sa.Column("actor_user_id", sa.Uuid(), nullable=True),
    sa.Column("subject_user_id", sa.Uuid(), nullable=True),
    sa.Column("organisation_id", sa.Uuid(), nullable=True),
    sa.Column("ip_address", sa.String(45), nullable=True),
    sa.Column("user_agent", sa.String(512), nullable=True),
    sa.Column("details", json_document(), nullable=False),
    # A user's own events and an organisation's log, newest first.
    sa.Index("ix_security_events_subject_user_id_occurred_at", "subject_user_id", "occurred_at"),
    sa.Index("ix_security_events_organisation_id_occurred_at", "organisation_id", "occurred_at"),
)

# Rate limit windows shared by every replica. The key is the SHA-256 of the
# limiter's name and the limited key (an address, an IP), so no email address
# is stored in clear. Rows of closed windows are deleted now and then.
rate_limit_counters = sa.Table(
    "rate_limit_counters",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("window_start", UTCDateTime(), nullable=False),
    sa.Column("count", sa.Integer(), nullable=False),
    sa.Column("expires_at", UTCDateTime(), nullable=False),
    sa.Index("ix_rate_limit_counters_expires_at", "expires_at"),
)
