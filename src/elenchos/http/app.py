"""The FastAPI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from elenchos import __version__
from elenchos.bootstrap import Container, build
from elenchos.config import Settings
from elenchos.http.middleware import RequestLimitsMiddleware
from elenchos.http.observability import RequestContextMiddleware
from elenchos.http.openapi import install_openapi
from elenchos.http.problems import install_problem_handlers
from elenchos.http.routers import (
    audit,
    auth,
    email_flows,
    invitations,
    me,
    my_organisations,
    operations,
    organisations,
    pages,
    sessions,
    wellknown,
)
from elenchos.observability.logging import configure_logging
from elenchos.worker import running_dispatcher

logger = logging.getLogger(__name__)

OPENAPI_TAGS = [
    {"name": "auth", "description": "Sign-up, sign-in and tokens."},
    {"name": "me", "description": "The signed-in user's own account."},
    {
        "name": "organisations",
        "description": "Organisations (tenants), their members, roles and statistics.",
    },
    {"name": "invitations", "description": "Invitations to join an organisation by email."},
    {"name": "keys", "description": "Keys that verify access tokens."},
    {"name": "operations", "description": "Health of the service."},
]


def create_app(settings: Settings | None = None, container: Container | None = None) -> FastAPI:
    """Build the app; with no container given, the lifespan builds one from the settings.

    A container passed in stays owned by the caller, who closes it.
    """
    settings = container.settings if container is not None else (settings or Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if container is not None:
            app.state.container = container
            yield
            return
        if not logging.getLogger().handlers:
            # A uvicorn worker process started with --workers > 1 does not run
            # the CLI's logging setup, so it configures its own here.
            configure_logging(settings.log_level, settings.json_logs)
        built = await build(settings)
        app.state.container = built
        logger.info("Elenchos %s started", __version__)
        try:
            async with running_dispatcher(built):
                yield
        finally:
            await built.close()
            logger.info("Elenchos stopped")

    app = FastAPI(
        title="Elenchos",
        version=__version__,
        summary="Authentication for multi-tenant SaaS.",
        openapi_tags=OPENAPI_TAGS,
        lifespan=lifespan,
    )
    if container is not None:
        app.state.container = container
    install_problem_handlers(app)
    app.include_router(auth.router)
    app.include_router(sessions.auth_router)
    app.include_router(sessions.me_router)
    app.include_router(me.router)
    app.include_router(my_organisations.router)
    app.include_router(my_organisations.tokens_router)
    app.include_router(organisations.router)
    app.include_router(organisations.roles_router)
    app.include_router(invitations.router)
    app.include_router(invitations.public_router)
    app.include_router(audit.router)
    app.include_router(email_flows.router)
    app.include_router(pages.router)
    app.include_router(wellknown.router)
    app.include_router(operations.router)
    install_openapi(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
            allow_credentials=True,
        )
    app.add_middleware(RequestLimitsMiddleware, max_bytes=settings.max_request_bytes)
    # Added last so it is outermost: every response, a 413 included, gets a request id.
    app.add_middleware(RequestContextMiddleware)
    return app
