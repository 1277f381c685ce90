"""``create_app``: the emulated API's request chain and route table, assembled in one place.

A request flows one way: headers, journal, auth, quota, faults, route, domain store. The control plane under
``/__admin`` sits beside that chain, not in it, so no auth, quota, faults or journal apply to it; so do the
interactive docs (``/docs``, ``/openapi.yaml``, ``/openapi.json``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.clock import Clock
from mock_server.control.app import create_control_app
from mock_server.docs_ui import create_docs_app, is_docs_path
from mock_server.domain.fault_plan import ChaosSpec
from mock_server.domain.journal import DEFAULT_CAPACITY
from mock_server.errors import ApiError, OAuthError, oauth_error_body
from mock_server.fixtures import Fixtures, load_fixtures
from mock_server.http import JSONResponse, api_error_handler, http_exception_handler, internal_error_handler
from mock_server.middleware.auth import AuthMiddleware
from mock_server.middleware.faults import FaultsMiddleware
from mock_server.middleware.headers import HeadersMiddleware
from mock_server.middleware.journal import JournalMiddleware
from mock_server.middleware.quota import QuotaMiddleware
from mock_server.routes import external_scripts, oauth, sip_accounts
from mock_server.routes.context import API_PREFIX, RouteContext
from mock_server.routes.oauth import TOKEN_PATH
from mock_server.scripts.fetch import FetchPolicy
from mock_server.state import EmulatorState

ADMIN_PREFIX = "/__admin"


async def _oauth_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OAuthError)
    return JSONResponse(oauth_error_body(exc), exc.status, headers=exc.headers)


class Emulator:
    """The ASGI application: the emulated API, and the control plane beside it.

    ``state`` is the live state (clock, clients, tokens, per-tenant stores, quota counters) that the control
    plane and the pytest fixture drive.
    """

    def __init__(
        self, state: EmulatorState, *, admin: bool = True, admin_token: str | None = None, docs: bool = True
    ) -> None:
        self.state = state
        self.control: Starlette | None = create_control_app(state, admin_token) if admin else None
        self.docs: ASGIApp | None = create_docs_app() if docs else None

        context = RouteContext(state.backends)
        self.api_routes: list[BaseRoute] = [
            *oauth.routes(state.clients, state.tokens),
            *sip_accounts.routes(context),
            *external_scripts.routes(context, state.script_policy),
        ]
        router = Router(routes=self.api_routes)
        chain: ASGIApp = ExceptionMiddleware(
            router,
            handlers={
                ApiError: api_error_handler,
                OAuthError: _oauth_error,
                HTTPException: http_exception_handler,
                # Inside quota, so a 500 still carries the quota headers its call was counted in.
                Exception: internal_error_handler,
            },
        )
        chain = FaultsMiddleware(chain, state.faults)
        chain = QuotaMiddleware(chain, state.quotas, state.clock)
        chain = AuthMiddleware(chain, state.tokens, state.clients, API_PREFIX)
        chain = JournalMiddleware(chain, state.journal, state.clock, TOKEN_PATH)
        self.api: ASGIApp = HeadersMiddleware(chain)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Starlette's router raises HTTPException (rendered in the API's shape) only when it sees an app in scope.
        scope["app"] = self
        path: str = scope.get("path", "")
        # The emulated API's own paths first: they are nearly every call.
        if path.startswith(API_PREFIX) or scope["type"] != "http":
            await self.api(scope, receive, send)
        elif self.control is not None and path.startswith(ADMIN_PREFIX):
            await self.control(scope, receive, send)
        elif self.docs is not None and is_docs_path(path):
            await self.docs(scope, receive, send)
        else:
            await self.api(scope, receive, send)


def create_app(
    fixtures: Fixtures | Path | None = None,
    *,
    clock: Clock | None = None,
    admin: bool = True,
    script_hosts: Iterable[str] | None = None,
    docs: bool = True,
    admin_token: str | None = None,
    chaos: ChaosSpec | None = None,
    journal_size: int = DEFAULT_CAPACITY,
) -> Emulator:
    """Build the emulator from a seed file (the default fixtures when none is given).

    ``admin=False`` leaves out the control plane under ``/__admin``; ``admin_token`` makes every control call send
    ``Authorization: Bearer <admin_token>``. ``docs=False`` leaves out Swagger UI at ``/docs`` and the contract at
    ``/openapi.yaml`` and ``/openapi.json``. ``script_hosts`` are the hosts the script test endpoint and the call
    simulator may fetch from (loopback when none are given; ``*`` for any). ``chaos`` is the default random-fault
    setting (``--chaos``), restored by every full reset. The request journal keeps the last ``journal_size`` calls.
    """
    if not isinstance(fixtures, Fixtures):
        fixtures = load_fixtures(fixtures)
    policy = FetchPolicy.from_hosts(script_hosts)
    state = EmulatorState(fixtures, clock, policy, journal_size=journal_size, chaos=chaos)
    return Emulator(state, admin=admin, admin_token=admin_token, docs=docs)
