"""The control plane's Starlette app: one module of routes per concern, errors in the API's shape."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server import __version__
from mock_server.control import calls, clock, registrations
from mock_server.errors import ApiError
from mock_server.http import (
    JSONResponse,
    api_error_handler,
    body_fields,
    http_exception_handler,
    internal_error_handler,
)
from mock_server.spec import ADMIN_SPEC, operations
from mock_server.state import EmulatorState


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
            *calls.routes(state.script_policy),
        ],
        exception_handlers={
            ApiError: api_error_handler,
            HTTPException: http_exception_handler,
            Exception: internal_error_handler,
        },
    )
