"""Keeps the control plane out of a web page's reach: checks of ``Host``, ``Origin`` and ``Content-Type``.

Anything on the developer's machine can talk to 127.0.0.1:8080, a page in their browser included, and
``/__admin/state`` holds every client secret. Three checks, each against one way in:

- **DNS rebinding**: a page on ``evil.example`` re-points its name at 127.0.0.1 and reads the answers as its own.
  Its requests name its host, so the control plane answers only a ``Host`` that is a loopback name or address
  (``localhost``, ``*.localhost``, 127.0.0.0/8, ``[::1]``) or one of the hosts it was configured with (``--host``).
  A request without ``Host`` is no browser's.
- **Cross-site requests**: browsers send ``Origin`` with every cross-site fetch and every form post; one whose host
  fails the same test is refused, ``Origin: null`` (sandboxed frames, files) too.
- **Simple requests**: a cross-site form or fetch without a preflight can only send a form or plain-text body, so a
  state-changing call (POST, PUT, PATCH, DELETE) with a body or a ``Content-Type`` must be ``application/json``.
  The control plane answers no CORS preflight, so a page can send nothing else. A body-less call without a
  ``Content-Type`` passes (``curl -X POST .../__admin/reset``): browsers send those only with an ``Origin``.

The emulated API is not guarded: it stays open to any origin, as KPN's is.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.addresses import is_loopback
from mock_server.errors import ApiError, HostNotAllowed, OriginNotAllowed, UnsupportedMediaType
from mock_server.http import JSON, error_response, media_type

ANY_HOST = "*"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def host_name(authority: str) -> str:
    """The host of a ``Host`` header or an origin's netloc, lower case, without port, brackets or a final dot."""
    authority = authority.strip().lower()
    if authority.startswith("["):
        return authority[1:].partition("]")[0]
    return authority.rpartition(":")[0].rstrip(".") if ":" in authority else authority.rstrip(".")


class ControlGuardMiddleware:
    """Refuses control-plane calls a web page could have sent: see the module's docstring."""

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str] = ()) -> None:
        self.app = app
        self.allowed = frozenset(host_name(host) for host in allowed_hosts)

    def _host_allowed(self, host: str) -> bool:
        return ANY_HOST in self.allowed or host in self.allowed or is_loopback(host) or host.endswith(".localhost")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = self._refusal(scope)
            if refusal is not None:
                await error_response(refusal, scope)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope) -> ApiError | None:
        headers = Headers(scope=scope)
        host = headers.get("host")
        if host is not None and not self._host_allowed(host_name(host)):
            return HostNotAllowed(info=f"Host: {host[:100]!r}")
        origin = headers.get("origin")
        if origin is not None and not self._origin_allowed(origin):
            return OriginNotAllowed(info=f"Origin: {origin[:100]!r}")
        if scope["method"] not in SAFE_METHODS and ("content-type" in headers or _has_body(headers)):
            kind = media_type(headers)
            if kind != JSON:
                return UnsupportedMediaType(
                    "The control plane takes application/json only.", info=f"Content-Type: {kind or '(none)'!r}"
                )
        return None

    def _origin_allowed(self, origin: str) -> bool:
        try:
            parts = urlsplit(origin)
        except ValueError:
            return False
        return parts.scheme in ("http", "https") and bool(parts.netloc) and self._host_allowed(host_name(parts.netloc))


def _has_body(headers: Headers) -> bool:
    return headers.get("content-length", "0") != "0" or "transfer-encoding" in headers
