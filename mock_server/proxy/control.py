"""The proxy's control plane under ``/__admin`` (``openapi/proxy.yaml``): health, the journal, the violations."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server import __version__
from mock_server.control import requests
from mock_server.control.app import AdminTokenMiddleware
from mock_server.control.guard import ControlGuardMiddleware
from mock_server.domain.journal import Journal
from mock_server.errors import ApiError
from mock_server.http import JSONResponse, api_error_handler, http_exception_handler
from mock_server.proxy.violations import ViolationLog


def create_proxy_control(
    journal: Journal, violations: ViolationLog, admin_token: str | None = None, allowed_hosts: Iterable[str] = ()
) -> Starlette:
    """``GET /health``, ``GET``/``DELETE /requests`` (each entry with its violations) and ``GET /violations``.

    Guarded as the emulator's control plane is (:mod:`mock_server.control.guard`): the journal shows the real API's
    answers, SIP passwords included, so no web page may read it.
    """

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "version": __version__})

    async def summary(request: Request) -> Response:
        return JSONResponse(violations.summary())

    return Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            *requests.routes(journal),
            Route("/violations", summary, methods=["GET"]),
        ],
        exception_handlers={ApiError: api_error_handler, HTTPException: http_exception_handler},
        middleware=[
            Middleware(ControlGuardMiddleware, allowed_hosts=allowed_hosts),
            *([] if admin_token is None else [Middleware(AdminTokenMiddleware, token=admin_token)]),
        ],
    )
