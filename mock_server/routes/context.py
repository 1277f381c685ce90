"""What route handlers share: the one way from a request to its tenant's store, and how a handler becomes a route."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from mock_server.domain.clients import Client
from mock_server.domain.tenants import Backends, TenantStore

API_PREFIX = "/communication/apidaze/cpaas"


@dataclass(frozen=True)
class RouteContext:
    backends: Backends

    def tenant(self, request: Request) -> TenantStore:
        """The store of the client whose token authorised this request."""
        return self.backends[request.scope["apidaze.client_id"]]

    def domain(self, request: Request) -> str:
        """The SIP domain of the client whose token authorised this request."""
        client: Client = request.scope["apidaze.client"]
        return client.domain


Handler = Callable[[Request], Awaitable[Response]]


class _Endpoint:
    """A handler as the ASGI app of its route, without Starlette's per-route exception wrapper.

    A plain function given to ``Route`` is wrapped by Starlette in a second exception-handling layer (a ``Request``,
    two closures and a send wrapper per call) under the one ``ExceptionMiddleware`` the emulator puts around the whole
    router, with the same handlers. cProfile put that layer at a tenth of a list call's own time. Being a class, this
    is served by ``Route`` as it is, and an exception goes straight to ``ExceptionMiddleware``.
    """

    __slots__ = ("handler",)

    def __init__(self, handler: Handler) -> None:
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.handler(Request(scope, receive, send))
        await response(scope, receive, send)


def api_route(path: str, handler: Handler, methods: list[str]) -> Route:
    """The route of an emulated API endpoint: ``handler`` answers ``methods`` on ``path``; others get a 405."""
    if not inspect.iscoroutinefunction(handler):
        raise TypeError(f"{handler.__qualname__} must be an async function")  # no threadpool, as Starlette's had
    return Route(path, _Endpoint(handler), methods=methods, name=handler.__name__)
