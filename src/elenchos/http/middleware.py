"""ASGI middleware that bounds request bodies before any parsing happens."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from elenchos.http.problems import HTTP_PROBLEMS, PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE

# uvicorn's httptools parser sets no bound of its own; the limit here turns a
# huge header block into a clear 431. A reverse proxy should still cap headers
# before they reach the process, because by now they are already in memory.
MAX_HEADER_BYTES = 32 * 1024


class RequestLimitsMiddleware:
    """Reject huge header blocks (431), NUL in the URL (422) and bodies over max_bytes (413)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header_bytes = sum(len(name) + len(value) for name, value in scope.get("headers", []))
        if header_bytes > MAX_HEADER_BYTES:
            await _send_problem(
                send,
                431,
                "headers_too_large",
                f"Request headers are limited to {MAX_HEADER_BYTES} bytes in all.",
            )
            return
        if _has_nul(scope):
            # PostgreSQL cannot store or compare text with NUL, and no id,
            # token or search of this API contains one.
            await _send_problem(
                send,
                422,
                "validation_failed",
                "The URL contains a NUL character (%00), which no parameter accepts.",
            )
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._reject(send)
            return

        # The whole body is read here, up to the limit, and replayed to the
        # app: an error raised mid-stream would be swallowed by FastAPI's body
        # parser and come out as a generic 400.
        chunks: list[bytes] = []
        received = 0
        more_body = True
        while more_body:
            message = await receive()
            if message["type"] != "http.request":
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_bytes:
                await self._reject(send)
                return
            chunks.append(chunk)
            more_body = message.get("more_body", False)

        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _reject(self, send: Send) -> None:
        await _send_problem(
            send,
            413,
            "payload_too_large",
            f"Request bodies are limited to {self.max_bytes} bytes.",
        )


async def _send_problem(send: Send, status: int, code: str, detail: str) -> None:
    body = json.dumps(
        {
            "type": PROBLEM_TYPE_BASE + code,
            "title": HTTP_PROBLEMS[code].title,
            "status": status,
            "detail": detail,
            "code": code,
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _has_nul(scope: Scope) -> bool:
    query = scope.get("query_string", b"").lower()
    path = scope.get("path", "")
    return b"%00" in query or b"\x00" in query or "\x00" in path


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
