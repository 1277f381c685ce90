"""The control plane's Starlette app: one module of routes per concern, errors in the API's shape."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server import __version__
from mock_server.control import clock, registrations
from mock_server.errors import ApiError, MethodNotAllowed, NotFound
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


def create_control_app(state: EmulatorState) -> Starlette:
    """``/__admin``: health, reset, clock and SIP registrations, over the emulator's own state."""
    reset_op = operations(ADMIN_SPEC)["adminReset"]

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "version": __version__})

    async def reset(request: Request) -> Response:
        fields = await body_fields(request, reset_op)
        state.reset(fields.get("client_id"))
        return Response(status_code=204)

    return Starlette(
        routes=[
            Route("/__admin/health", health, methods=["GET"]),
            Route("/__admin/reset", reset, methods=["POST"]),
            *clock.routes(state.clock),
            *registrations.routes(state.backends),
        ],
        exception_handlers={ApiError: _api_error, HTTPException: _http_error},
    )
