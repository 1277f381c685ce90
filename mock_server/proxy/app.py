"""``create_proxy``: the validating, recording proxy as one ASGI app, composed in one place.

A call flows one way: journal, errors, forward (check the request, send it upstream, check the answer, record it).
The control plane under ``/__admin`` sits beside that chain, as the emulator's does.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.routing import Mount, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.clock import Clock
from mock_server.domain.journal import DEFAULT_CAPACITY, Journal
from mock_server.domain.server_errors import ServerErrors
from mock_server.middleware.errors import ErrorsMiddleware
from mock_server.middleware.journal import JournalMiddleware
from mock_server.paths import ADMIN_PREFIX, API_PREFIX, TOKEN_PATH
from mock_server.proxy.callers import Callers
from mock_server.proxy.control import create_proxy_control
from mock_server.proxy.forward import ForwardApp
from mock_server.proxy.recorder import Recorder
from mock_server.proxy.upstream import Upstream
from mock_server.proxy.violations import ViolationLog


class Proxy:
    """The ASGI application: every path but ``/__admin`` goes to ``upstream``, checked against the contract.

    ``journal`` holds the last calls as the client saw them, each with its violations; ``violations`` counts them
    all; ``recorder`` (when recording) holds the state the answers showed. ``/__admin`` answers loopback names and
    ``admin_hosts`` (``*``: any), as the emulator's does. Close it with :meth:`aclose`.
    """

    def __init__(
        self,
        upstream: Upstream,
        *,
        fail_on: Iterable[str] = (),
        record: bool = False,
        admin: bool = True,
        admin_token: str | None = None,
        admin_hosts: Iterable[str] = (),
        journal_size: int = DEFAULT_CAPACITY,
    ) -> None:
        self.upstream = upstream
        self.journal = Journal(journal_size, API_PREFIX)
        self.violations = ViolationLog()
        self.server_errors = ServerErrors()
        self.recorder = Recorder(str(upstream.url)) if record else None
        clock = Clock()
        forward = ForwardApp(upstream, self.violations, Callers(), self.recorder, fail_on)
        chain = JournalMiddleware(
            ErrorsMiddleware(forward, errors=self.server_errors, clock=clock),
            journal=self.journal,
            clock=clock,
            token_path=TOKEN_PATH,
        )
        self.chain: ASGIApp = chain
        control = create_proxy_control(self.journal, self.violations, admin_token, admin_hosts) if admin else None
        self.control = None if control is None else Router(routes=[Mount(ADMIN_PREFIX, app=control)])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Every other path goes upstream, whatever it holds: a route pattern (Mount("")) misses one with a newline.
        path: str = scope.get("path", "")
        if self.control is not None and (path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")):
            await self.control(scope, receive, send)
        else:
            await self.chain(scope, receive, send)

    async def aclose(self) -> None:
        """Close the connections to the upstream."""
        await self.upstream.aclose()
