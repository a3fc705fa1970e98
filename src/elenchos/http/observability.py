"""Per-request context: the request id, one access log line and the HTTP metrics."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from elenchos.http.problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE
from elenchos.observability.logging import request_id_var
from elenchos.observability.metrics import Metrics

access_logger = logging.getLogger("elenchos.access")
error_logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = b"x-request-id"
# A client's id is kept only when it is short and plain, so it cannot inject
# log lines or headers.
_SAFE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        status_sent = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, status_sent
            if message["type"] == "http.response.start":
                status = message["status"]
                status_sent = True
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER, request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Caught here, inside the request's context, so the log line has
            # the request id; outer handlers would log it without one, twice.
            error_logger.exception(
                "unhandled error on %s %s", scope["method"], _route_template(scope)
            )
            if status_sent:
                raise
            status = 500
            await _send_internal_error(send_with_id)
        finally:
            duration = time.perf_counter() - started
            self._record(scope, status, duration)
            request_id_var.reset(token)

    def _record(self, scope: Scope, status: int, duration: float) -> None:
        route = _route_template(scope)
        method = scope["method"]
        access_logger.info(
            "%s %s %d %.1fms",
            method,
            route,
            status,
            duration * 1000,
            extra={"route": route, "method": method, "status": status,
                   "duration_ms": round(duration * 1000, 2)},
        )
        metrics = _metrics_of(scope)
        if metrics is not None:
            metrics.http_requests.labels(route, method, str(status)).inc()
            metrics.http_duration.labels(route, method).observe(duration)


async def _send_internal_error(send: Send) -> None:
    body = json.dumps(
        {
            "type": PROBLEM_TYPE_BASE + "internal_error",
            "title": "Internal server error",
            "status": 500,
            "detail": "An unexpected error occurred.",
            "code": "internal_error",
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _metrics_of(scope: Scope) -> Metrics | None:
    # The container, and so the registry, may be built in the lifespan after
    # the middleware stack, so it is looked up per request.
    container = getattr(getattr(scope.get("app"), "state", None), "container", None)
    metrics = getattr(container, "metrics", None)
    return metrics if isinstance(metrics, Metrics) else None


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER and _SAFE_REQUEST_ID.fullmatch(value):
            return bytes(value).decode()
    return uuid.uuid4().hex


def _route_template(scope: Scope) -> str:
    # The template, not the raw path: ids in paths would make one time series
    # per user and would put ids in the access log's route field.
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"
