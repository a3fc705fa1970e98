"""The composition root: the one place where adapters are wired into use cases.

The HTTP app, the CLI and tests all call build(). Tests and applications
embedding Elenchos pass their own adapters (for example those of
elenchos.adapters.memory) in place of the defaults.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from elenchos.adapters.argon2 import Argon2PasswordHasher
from elenchos.adapters.argon2.hasher import usable_cores
from elenchos.adapters.jwt import JwtTokenIssuer, KeyRing
from elenchos.adapters.sqlalchemy.engine import create_engine, create_session_factory
from elenchos.adapters.sqlalchemy.unit_of_work import SqlUnitOfWorkFactory
from elenchos.adapters.system.clock import SystemClock
from elenchos.application.accounts import GetCurrentUser, SignIn, SignUp, UpdateProfile
from elenchos.application.administration import CreateUser, SetPassword, SetUserStatus
from elenchos.application.audit import ListMySecurityEvents
from elenchos.application.mail import Mailer
from elenchos.application.organisation_use_cases import (
    OrganisationUseCases,
    build_organisation_use_cases,
)
from elenchos.application.outbox import DispatcherLoop, OutboxDispatcher
from elenchos.application.passwords import (
    ChangePassword,
    ConfirmPasswordReset,
    RequestPasswordReset,
)
from elenchos.application.ports import Clock, PasswordHasher, UnitOfWorkFactory
from elenchos.application.refresh import RefreshSession
from elenchos.application.session_management import (
    ListMySessions,
    RevokeOtherSessions,
    RevokeSession,
    SignOut,
)
from elenchos.application.session_state import CheckSession, SessionStateCache
from elenchos.application.user_cache import UserCache
from elenchos.application.verification import ResendVerification, VerifyEmail
from elenchos.bootstrap_limits import RateLimiterFactory, build_abuse_limits
from elenchos.bootstrap_mail import build_dispatcher, build_mail_request_limits, build_mailer
from elenchos.config import Settings
from elenchos.domain.sessions import SessionLifetime
from elenchos.observability.metrics import Metrics

logger = logging.getLogger(__name__)


@dataclass
class UseCases:
    sign_up: SignUp
    sign_in: SignIn
    get_current_user: GetCurrentUser
    update_profile: UpdateProfile
    verify_email: VerifyEmail
    resend_verification: ResendVerification
    request_password_reset: RequestPasswordReset
    confirm_password_reset: ConfirmPasswordReset
    change_password: ChangePassword
    organisations: OrganisationUseCases
    sessions: SessionUseCases
    list_my_security_events: ListMySecurityEvents


@dataclass
class SessionUseCases:
    refresh: RefreshSession
    sign_out: SignOut
    list_mine: ListMySessions
    revoke: RevokeSession
    revoke_others: RevokeOtherSessions
    check: CheckSession


@dataclass
class Container:
    """Everything the entry points need, built once per process or per test."""

    settings: Settings
    uow: UnitOfWorkFactory
    hasher: PasswordHasher
    clock: Clock
    keys: KeyRing
    tokens: JwtTokenIssuer
    use_cases: UseCases
    mailer: Mailer
    dispatcher: OutboxDispatcher
    engine: AsyncEngine | None = None
    metrics: Metrics = field(default_factory=Metrics)
    rate_limiters: RateLimiterFactory | None = None
    # Set after a commit that queued mail, so the dispatcher started by the
    # HTTP app sends it at once instead of at its next poll.
    outbox_wakeup: asyncio.Event = field(default_factory=asyncio.Event)

    async def refresh_gauges(self) -> None:
        """Read the values that gauges show at scrape time."""
        async with self.uow() as uow:
            pending, oldest = await uow.outbox.pending_summary()
        self.metrics.outbox_pending.set(pending)
        age = (self.clock.now() - oldest).total_seconds() if oldest is not None else 0.0
        self.metrics.outbox_oldest_pending_age.set(max(age, 0.0))

    def nudge_outbox(self) -> None:
        self.outbox_wakeup.set()

    def dispatcher_loop(self) -> DispatcherLoop:
        return DispatcherLoop(
            self.dispatcher, self.outbox_wakeup, self.settings.outbox_poll_interval_seconds
        )

    async def close(self) -> None:
        if self.rate_limiters is not None:
            await self.rate_limiters.close()
        if self.engine is not None:
            await self.engine.dispose()
            logger.info("database engine disposed")


def keys_directory(settings: Settings) -> Path:
    return settings.jwt_keys_dir or settings.data_dir / "keys"


def load_keys(settings: Settings) -> KeyRing:
    if settings.jwt_private_key_file is not None:
        return KeyRing.from_file(settings.jwt_private_key_file)
    # In production the keys were made on purpose with `elenchos keys rotate`;
    # a key generated at start-up would differ on every replica.
    return KeyRing.from_directory(
        keys_directory(settings),
        settings.jwt_algorithm,
        generate_when_empty=not settings.is_production,
    )


def build_session_use_cases(
    settings: Settings, uow: UnitOfWorkFactory, clock: Clock, tokens: JwtTokenIssuer
) -> SessionUseCases:
    cache = SessionStateCache(
        clock,
        timedelta(seconds=settings.session_cache_seconds),
        max_entries=settings.session_cache_size,
    )
    return SessionUseCases(
        refresh=RefreshSession(
            uow,
            tokens,
            clock,
            session_lifetime(settings),
            grace=timedelta(seconds=settings.refresh_token_grace_seconds),
            cache=cache,
        ),
        sign_out=SignOut(uow, clock, cache),
        list_mine=ListMySessions(uow, clock, cache),
        revoke=RevokeSession(uow, clock, cache),
        revoke_others=RevokeOtherSessions(uow, clock, cache),
        check=CheckSession(uow, clock, cache),
    )


def session_lifetime(settings: Settings) -> SessionLifetime:
    return SessionLifetime(
        idle=timedelta(seconds=settings.session_idle_ttl_seconds),
        absolute=timedelta(seconds=settings.session_absolute_ttl_seconds),
    )


def build_hasher(settings: Settings) -> Argon2PasswordHasher:
    return Argon2PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_cost_kib,
        parallelism=settings.argon2_parallelism,
        # More hashes at once than cores only thrash the caches, because each
        # one uses argon2's memory cost and keeps a core busy.
        max_concurrency=settings.hashing_concurrency or usable_cores(),
    )


@dataclass(frozen=True)
class _Core:
    """The adapters every use case group is built from."""

    settings: Settings
    uow: UnitOfWorkFactory
    hasher: PasswordHasher
    clock: Clock
    tokens: JwtTokenIssuer
    limiters: RateLimiterFactory


async def build(
    settings: Settings,
    *,
    uow: UnitOfWorkFactory | None = None,
    hasher: PasswordHasher | None = None,
    clock: Clock | None = None,
    keys: KeyRing | None = None,
    mailer: Mailer | None = None,
) -> Container:
    """Wire the service; every adapter not given is built from the settings."""
    settings.check_production_ready()
    engine = None
    if uow is None:
        engine = create_engine(
            settings.resolved_database_url, pool_size=settings.database_pool_size
        )
        uow = SqlUnitOfWorkFactory(create_session_factory(engine))
    hasher = hasher or build_hasher(settings)
    clock = clock or SystemClock()
    keys = keys or load_keys(settings)
    tokens = JwtTokenIssuer(
        keys,
        issuer=settings.resolved_issuer,
        audience=settings.jwt_audience,
        access_token_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
        clock=clock,
    )
    mailer = mailer or build_mailer(settings)
    metrics = Metrics()
    limiters = RateLimiterFactory(settings, clock, metrics, engine)
    core = _Core(settings, uow, hasher, clock, tokens, limiters)

    return Container(
        settings=settings,
        uow=uow,
        hasher=hasher,
        clock=clock,
        keys=keys,
        tokens=tokens,
        use_cases=await _build_use_cases(core),
        mailer=mailer,
        dispatcher=build_dispatcher(
            settings,
            uow,
            mailer,
            clock,
            on_event=lambda event: metrics.outbox_events.labels(event).inc(),
        ),
        engine=engine,
        metrics=metrics,
        rate_limiters=limiters,
    )


async def _build_use_cases(core: _Core) -> UseCases:
    settings = core.settings
    uow = core.uow
    hasher = core.hasher
    clock = core.clock
    tokens = core.tokens
    # A hash of a random password, verified when the email is unknown so that
    # sign-in takes the same time whether or not the account exists.
    dummy_password_hash = await hasher.hash(os.urandom(16).hex())
    limits = build_mail_request_limits(settings, core.limiters)
    abuse_limits = build_abuse_limits(settings, core.limiters)
    verification_ttl = timedelta(seconds=settings.verification_token_ttl_seconds)
    reset_ttl = timedelta(seconds=settings.password_reset_token_ttl_seconds)
    sessions = build_session_use_cases(settings, uow, clock, tokens)
    # Same bound as the session state: a revoked session or a changed user
    # shows on other replicas within session_cache_seconds.
    user_cache = UserCache(
        timedelta(seconds=settings.session_cache_seconds),
        max_entries=settings.session_cache_size,
    )

    return UseCases(
        sign_up=SignUp(
            uow,
            hasher,
            clock,
            verification_ttl=verification_ttl,
            notice_limits=limits.sign_up_notice,
        ),
        sign_in=SignIn(
            uow,
            hasher,
            tokens,
            clock,
            dummy_password_hash=dummy_password_hash,
            require_verified_email=settings.require_verified_email,
            session_lifetime=session_lifetime(settings),
            limits=abuse_limits.sign_in,
        ),
        get_current_user=GetCurrentUser(uow, clock, user_cache),
        update_profile=UpdateProfile(uow, clock, user_cache),
        verify_email=VerifyEmail(uow, clock),
        resend_verification=ResendVerification(
            uow, clock, limits.verification, verification_ttl
        ),
        request_password_reset=RequestPasswordReset(
            uow, clock, limits.password_reset, reset_ttl
        ),
        confirm_password_reset=ConfirmPasswordReset(
            uow,
            hasher,
            clock,
            session_cache=sessions.check.cache,
            sign_in_limits=abuse_limits.sign_in,
        ),
        change_password=ChangePassword(uow, hasher, clock, session_cache=sessions.check.cache),
        organisations=build_organisation_use_cases(
            uow,
            hasher,
            clock,
            tokens,
            timedelta(seconds=settings.invitation_ttl_seconds),
            invitation_limiter=abuse_limits.invitations,
        ),
        sessions=sessions,
        list_my_security_events=ListMySecurityEvents(uow),
    )


@dataclass
class Administration:
    """Operator use cases, for the CLI."""

    create_user: CreateUser
    set_user_status: SetUserStatus
    set_password: SetPassword


def build_administration(container: Container) -> Administration:
    return Administration(
        create_user=CreateUser(container.uow, container.hasher, container.clock),
        set_user_status=SetUserStatus(container.uow, container.clock),
        set_password=SetPassword(container.uow, container.hasher, container.clock),
    )
