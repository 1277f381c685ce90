"""``create_app``: the emulator as a plain ASGI app, composed from Starlette's own pieces in one place.

A request to the emulated API flows one way: headers, journal, auth, quota, faults, errors, route, domain store.
The control plane under ``/__admin`` and the interactive docs (``/docs``, ``/openapi.yaml``, ``/openapi.json``) sit
beside that chain, not in it, so no auth, quota, faults or journal apply to them. Any ASGI server can serve the
result with every contract header; only cutting connections (the ``drop`` and ``truncate`` faults) needs
:mod:`mock_server.serving`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import URLPath
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount, NoMatchFound, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.clock import Clock
from mock_server.control.app import create_control_app
from mock_server.docs_ui import admin_docs_routes, docs_routes
from mock_server.domain.clients import ApiOptions
from mock_server.domain.fault_plan import ChaosSpec
from mock_server.domain.journal import DEFAULT_CAPACITY
from mock_server.errors import ApiError, OAuthError, oauth_error_body
from mock_server.fixtures import Fixtures, load_fixtures
from mock_server.http import JSONResponse, api_error_handler, http_exception_handler
from mock_server.middleware.auth import AuthMiddleware
from mock_server.middleware.errors import ErrorsMiddleware
from mock_server.middleware.faults import FaultsMiddleware
from mock_server.middleware.headers import HeadersMiddleware
from mock_server.middleware.journal import JournalMiddleware
from mock_server.middleware.quota import QuotaMiddleware
from mock_server.paths import ADMIN_PREFIX, API_PREFIX, TOKEN_PATH
from mock_server.routes import external_scripts, oauth, sip_accounts
from mock_server.routes.context import RouteContext
from mock_server.scripts.fetch import FetchPolicy
from mock_server.spec import response_styles
from mock_server.state import EmulatorState


async def _oauth_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OAuthError)
    return JSONResponse(oauth_error_body(exc), exc.status, headers=exc.headers)


def create_api_app(state: EmulatorState) -> Starlette:
    """The emulated API: its routes behind the request chain, its errors in KPN's shape."""
    context = RouteContext(state.backends, state.api_options, lambda: state.sip_address)
    api = Starlette(
        routes=[
            *oauth.routes(state.clients, state.tokens),
            *sip_accounts.routes(context),
            *external_scripts.routes(context, state.script_runner),
        ],
        middleware=[
            Middleware(HeadersMiddleware),
            Middleware(JournalMiddleware, journal=state.journal, clock=state.clock, token_path=TOKEN_PATH),
            Middleware(AuthMiddleware, tokens=state.tokens, clients=state.clients, protected_prefix=API_PREFIX),
            Middleware(QuotaMiddleware, book=state.quotas, clock=state.clock),
            Middleware(FaultsMiddleware, plan=state.faults),
            Middleware(ErrorsMiddleware, errors=state.server_errors, clock=state.clock),
        ],
        exception_handlers={
            ApiError: api_error_handler,
            OAuthError: _oauth_error,
            HTTPException: http_exception_handler,
        },
    )
    # No 307 to the same path without its trailing slash: its Location is built from the request's Host header, an
    # open redirect. A trailing slash is a 404 in KPN's shape, like any other unknown path.
    api.router.redirect_slashes = False
    return api


class ApiPaths(BaseRoute):
    """The emulated API's own paths, told apart by their prefix alone: nearly every call is one of them.

    The first of the root's routes, so an API call skips the regular expressions of the control plane's and the
    docs' routes (a third of a read's time in process, before this route). Starlette's own extension point for a
    route that is not a path pattern.
    """

    def __init__(self, app: ASGIApp, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.prefixes = prefixes

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and scope["path"].startswith(self.prefixes):
            return Match.FULL, {}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


class Emulator:
    """The ASGI application: the emulated API, with the control plane and the docs beside it.

    ``state`` is the live state (clock, clients, tokens, per-tenant stores, quota counters, journal, faults) that the
    control plane and the pytest fixture drive; ``api`` and ``control`` are the Starlette apps of each side.
    """

    def __init__(
        self,
        state: EmulatorState,
        *,
        admin: bool = True,
        admin_token: str | None = None,
        admin_hosts: Iterable[str] = (),
        docs: bool = True,
    ) -> None:
        self.state = state
        self.api = create_api_app(state)
        self.control = create_control_app(state, admin_token, admin_hosts) if admin else None
        routes: list[BaseRoute] = [ApiPaths(self.api, (API_PREFIX, TOKEN_PATH))]
        if self.control is not None:
            routes.extend(admin_docs_routes())
            routes.append(Mount(ADMIN_PREFIX, app=self.control))
        if docs:
            routes.extend(docs_routes(admin=self.control is not None))
        # Every path not matched above goes to the API, which answers its own 404 in KPN's shape: as the router's
        # default, not a Mount(""), whose pattern does not match a path with a newline (%0A) in it. A plain Router,
        # not a third Starlette app: each side has its own error handling, and a Starlette layer here cost every
        # call two more send wrappers and a Request. No redirect of a trailing slash: its Location would be built
        # from the request's Host header (an open redirect); such a path is the API's 404 like any other.
        self.app = Router(routes=routes, default=self.api, redirect_slashes=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def create_app(
    fixtures: Fixtures | Path | None = None,
    *,
    clock: Clock | None = None,
    admin: bool = True,
    script_hosts: Iterable[str] | None = None,
    docs: bool = True,
    admin_token: str | None = None,
    admin_hosts: Iterable[str] = (),
    chaos: ChaosSpec | None = None,
    journal_size: int = DEFAULT_CAPACITY,
    response_style: str = "kpn",
    strict: bool = False,
) -> Emulator:
    """Build the emulator from a seed file (the default fixtures when none is given).

    ``admin=False`` leaves out the control plane under ``/__admin``; ``admin_token`` makes every control call send
    ``Authorization: Bearer <admin_token>``. The control plane answers requests addressed (``Host``) to loopback
    names and to ``admin_hosts`` (``*``: any, for a server listening on every address behind an admin token), and
    none a web page of another origin could send. ``docs=False`` leaves out Swagger UI at ``/docs`` and the contract
    at ``/openapi.yaml`` and ``/openapi.json``. ``script_hosts`` are the hosts the script test endpoint and the call
    simulator may fetch from (loopback when ``None``; none at all when empty; ``*`` for any). ``chaos`` is the
    default random-fault setting (``--chaos``), restored by every full reset. The request journal keeps the last
    ``journal_size`` calls.
    ``response_style`` (``kpn`` or ``upstream``) and ``strict`` are how the API treats clients that set neither
    (``--response-style``, ``--strict``; see ``docs/decisions.md``).
    """
    if not isinstance(fixtures, Fixtures):
        fixtures = load_fixtures(fixtures)
    policy = FetchPolicy.from_hosts(script_hosts)
    if response_style not in response_styles():
        raise ValueError(f"response_style must be one of {', '.join(response_styles())}, not {response_style!r}")
    options = ApiOptions(response_style, strict)
    state = EmulatorState(fixtures, clock, policy, journal_size=journal_size, chaos=chaos, api_options=options)
    return Emulator(state, admin=admin, admin_token=admin_token, admin_hosts=admin_hosts, docs=docs)
