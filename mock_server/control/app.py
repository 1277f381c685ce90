"""The control plane's Starlette app: one module of routes per concern, errors in the API's shape."""

from __future__ import annotations

import hmac

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server import __version__
from mock_server.control import clients, clock, faults, registrations, requests, snapshots
from mock_server.errors import AdminTokenRequired, ApiError, MethodNotAllowed, NotFound
from mock_server.http import JSONResponse, body_fields, error_response
from mock_server.spec import ADMIN_SPEC, operations
from mock_server.state import EmulatorState


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc, request.scope)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error: ApiError = (
        MethodNotAllowed(headers=exc.headers) if exc.status_code == 405 else NotFound(info=request.url.path)
    )
    return error_response(error, request.scope)


class AdminTokenMiddleware:
    """Every control call must send ``Authorization: Bearer <admin token>``: the rule beyond loopback."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            sent = next((value for name, value in scope["headers"] if name == b"authorization"), b"")
            # Constant time, so timing tells nothing about how much of a guessed token was right.
            if not hmac.compare_digest(sent, self.expected):
                error = AdminTokenRequired(headers={"WWW-Authenticate": 'Bearer realm="apidaze-mock admin"'})
                await error_response(error, scope)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_control_app(state: EmulatorState, admin_token: str | None = None) -> ASGIApp:
    """``/__admin``: health, reset, clients, state, journal, faults, clock and SIP registrations.

    It drives the emulator's own state and owns none. With ``admin_token`` every call must send it as a bearer token.
    """
    reset_op = operations(ADMIN_SPEC)["adminReset"]

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "version": __version__})

    async def reset(request: Request) -> Response:
        fields = await body_fields(request, reset_op)
        state.reset(fields.get("client_id"))
        return Response(status_code=204)

    app = Starlette(
        routes=[
            Route("/__admin/health", health, methods=["GET"]),
            Route("/__admin/reset", reset, methods=["POST"]),
            *clients.routes(state),
            *snapshots.routes(state),
            *requests.routes(state.journal),
            *faults.routes(state.faults),
            *clock.routes(state.clock),
            *registrations.routes(state.backends),
        ],
        exception_handlers={ApiError: _api_error, HTTPException: _http_error},
    )
    return app if admin_token is None else AdminTokenMiddleware(app, admin_token)
