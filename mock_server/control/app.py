"""The control plane's Starlette app: one module of routes per concern, errors in the API's shape."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server import __version__
from mock_server.control import calls, clients, clock, faults, registrations, requests, snapshots
from mock_server.control.guard import ControlGuardMiddleware
from mock_server.errors import AdminTokenRequired, ApiError
from mock_server.http import JSONResponse, api_error_handler, body_fields, error_response, http_exception_handler
from mock_server.middleware.errors import ErrorsMiddleware
from mock_server.spec import ADMIN_SPEC, operations
from mock_server.state import EmulatorState


class AdminTokenMiddleware:
    """Every control call must send ``Authorization: Bearer <admin token>``: the rule beyond loopback."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            sent = Headers(scope=scope).get("authorization", "").encode("latin-1")
            # Constant time, so timing tells nothing about how much of a guessed token was right.
            if not hmac.compare_digest(sent, self.expected):
                error = AdminTokenRequired(headers={"WWW-Authenticate": 'Bearer realm="apidaze-mock admin"'})
                await error_response(error, scope)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_control_app(
    state: EmulatorState, admin_token: str | None = None, allowed_hosts: Iterable[str] = ()
) -> Starlette:
    """``/__admin``: health, reset, clients, state, journal, faults, clock, SIP registrations and calls.

    It drives the emulator's own state and owns none. It answers requests addressed to loopback names or to
    ``allowed_hosts`` (``*``: any), and none a web page of another origin could send (:mod:`.guard`). With
    ``admin_token`` every call must send it as a bearer token.
    """
    reset_op = operations(ADMIN_SPEC)["adminReset"]

    async def health(request: Request) -> Response:
        view: dict[str, Any] = {"status": "ok", "version": __version__}
        sip = state.sip_address
        view["sip"] = None if sip is None else {"host": sip[0], "port": sip[1], "transports": ["udp", "tcp"]}
        if state.ca_bundle is not None:
            view["ca_bundle"] = state.ca_bundle
        return JSONResponse(view)

    async def reset(request: Request) -> Response:
        fields = await body_fields(request, reset_op)
        state.reset(fields.get("client_id"))
        return Response(status_code=204)

    control = Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Route("/reset", reset, methods=["POST"]),
            *clients.routes(state),
            *snapshots.routes(state),
            *requests.routes(state.journal),
            *faults.routes(state.faults),
            *clock.routes(state.clock),
            *registrations.routes(state.backends, state.clock),
            *calls.routes(state, state.script_runner, state.calls, state.clock),
        ],
        exception_handlers={ApiError: api_error_handler, HTTPException: http_exception_handler},
        middleware=[
            Middleware(ControlGuardMiddleware, allowed_hosts=allowed_hosts),
            *([] if admin_token is None else [Middleware(AdminTokenMiddleware, token=admin_token)]),
            Middleware(ErrorsMiddleware, errors=state.server_errors, clock=state.clock),
        ],
    )
    control.router.redirect_slashes = False  # as the API's: a redirect would be built from the Host header
    return control
