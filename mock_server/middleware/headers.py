"""KPN's standard response headers on every answer of the emulated API, and CORS preflights.

The API stays open to any origin, as KPN's gateway is: the caller's ``Origin`` is echoed (a browser ignores
credentials with ``*``), else ``*``.
"""

from __future__ import annotations

from collections.abc import Awaitable

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_VERSION = "v1.1.1"
ALLOWED_METHODS = "GET, PUT, POST, DELETE, OPTIONS"
ALLOWED_HEADERS = "Authorization, Content-Type, Accept, api-version"
PREFLIGHT_MAX_AGE = "3600"

STATIC_HEADERS: list[tuple[bytes, bytes]] = [
    (b"api-version", API_VERSION.encode()),
    (b"sunset", b"n/a"),
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains; preload"),
    (b"access-control-allow-credentials", b"true"),
    (b"access-control-allow-headers", ALLOWED_HEADERS.encode()),
    (b"access-control-allow-methods", ALLOWED_METHODS.encode()),
    (b"access-control-max-age", PREFLIGHT_MAX_AGE.encode()),
]


class HeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Headers(scope=scope)
        origin = request.get("origin")
        if scope["method"] == "OPTIONS" and "access-control-request-method" in request:
            # A preflight is the gateway's to answer, before auth: browsers send it without the token.
            headers = MutableHeaders(raw=list(STATIC_HEADERS))
            _allow(headers, origin)
            await send({"type": "http.response.start", "status": 204, "headers": headers.raw})
            await send({"type": "http.response.body", "body": b""})
            return

        def send_with_headers(message: Message) -> Awaitable[None]:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.raw.extend(STATIC_HEADERS)
                _allow(headers, origin)
            return send(message)

        await self.app(scope, receive, send_with_headers)


def _allow(headers: MutableHeaders, origin: str | None) -> None:
    if origin:
        headers["access-control-allow-origin"] = origin
        headers.add_vary_header("Origin")
    else:
        headers.raw.append((b"access-control-allow-origin", b"*"))
