"""KPN's standard response headers on every answer, and CORS preflights.

It is the outermost layer of the emulated chain, so it also turns an unexpected exception into a 500 in the API's
own shape (with the same headers) rather than a bare text page.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.errors import ApiError
from mock_server.http import error_response
from mock_server.protocol import HEAD_LINES

log = logging.getLogger("apidaze_mock")

API_VERSION = "v1.1.1"
ALLOWED_METHODS = "GET, PUT, POST, DELETE, OPTIONS"
ALLOWED_HEADERS = "Authorization, Content-Type, Accept, api-version"
PREFLIGHT_MAX_AGE = "3600"
# Scope key: a list inner layers extend with headers for this call's answer (see HeadersMiddleware).
INNER_HEADERS = "apidaze.inner_headers"

STATIC_HEADERS: list[tuple[bytes, bytes]] = [
    (b"api-version", API_VERSION.encode()),
    (b"sunset", b"n/a"),
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains; preload"),
    (b"access-control-allow-credentials", b"true"),
    (b"access-control-allow-headers", ALLOWED_HEADERS.encode()),
    (b"access-control-allow-methods", ALLOWED_METHODS.encode()),
    (b"access-control-max-age", PREFLIGHT_MAX_AGE.encode()),
]


# What a call without an Origin header gets, built once, as pairs and as ready-made lines.
_ANY: list[tuple[bytes, bytes]] = [*STATIC_HEADERS, (b"access-control-allow-origin", b"*")]


def _lines(headers: list[tuple[bytes, bytes]]) -> bytes:
    return b"".join([name + b": " + value + b"\r\n" for name, value in headers])


_STATIC_LINES = _lines(STATIC_HEADERS)
_ANY_LINES = _lines(_ANY)


class HeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin = b""
        preflight = False
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = value
            elif name == b"access-control-request-method":
                preflight = True
        # Echo the caller's origin (a browser ignores credentials with "*"); any origin may call the emulator.
        echoed = [(b"access-control-allow-origin", origin), (b"vary", b"Origin")] if origin else None
        added = [*STATIC_HEADERS, *echoed] if echoed else _ANY

        if preflight and scope["method"] == "OPTIONS":
            await send({"type": "http.response.start", "status": 204, "headers": list(added)})
            await send({"type": "http.response.body", "body": b""})
            return

        started = False
        # Headers that inner layers add to this call's answer (quota's five, made from numbers), appended here,
        # between the answer's own and KPN's: one send wrapper for both instead of one per layer (py-spy: each
        # wrapper is a coroutine call per message).
        inner: list[tuple[bytes, bytes]] = []
        scope[INNER_HEADERS] = inner
        # Where the server takes ready-made lines, ours skip its per-header checks. Not an echoed origin: that value
        # is the caller's, and the server's checks stay on it.
        head = (scope.get("extensions") or {}).get(HEAD_LINES)

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if head is None:
                    message["headers"] = [*message.get("headers", ()), *inner, *added]
                elif echoed is None:
                    head["add"](_lines(inner) + _ANY_LINES)
                else:
                    head["add"](_lines(inner) + _STATIC_LINES)
                    message["headers"] = [*message.get("headers", ()), *echoed]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if started:
                raise
            inner.clear()  # this 500 is the chain's own, not the answer an inner layer dressed
            await error_response(ApiError(info="see the emulator's log"), scope)(scope, receive, send_with_headers)
