"""Serving the emulator: uvicorn's settings, a server in a background thread, or an httpx transport with no socket.

All of them can cut a connection, so the ``drop`` and ``truncate`` faults reach a client as the errors a real
server's reset or short body give. The served emulator's state lives on its server's event loop: the thread hands
every change from outside (:meth:`ServerThread.call`) to that loop, so a test never changes state under a request.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket
import threading
import time
from collections.abc import Callable, Coroutine
from functools import cache
from typing import Any, Protocol, TypeVar

import anyio
import httpx
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.addresses import authority
from mock_server.connections import CUT_EXTENSION, cuttable
from mock_server.tls import ServerCertificate

T = TypeVar("T")
# How long a change handed to the server's loop may wait for it: far beyond any request's own time.
HANDOFF_TIMEOUT = 30.0


async def _no_app(scope: Scope, receive: Receive, send: Send) -> None:  # pragma: no cover (never called)
    raise RuntimeError("placeholder app")


@cache
def stock_http_protocol() -> Callable[..., asyncio.Protocol]:
    """The HTTP protocol class uvicorn picks for a plain config (httptools where installed, else h11)."""
    config = uvicorn.Config(_no_app, log_config=None)
    config.load()
    protocol: Callable[..., asyncio.Protocol] = config.http_protocol_class
    return protocol


def server_config(app: ASGIApp, certificate: ServerCertificate | None = None, **options: Any) -> uvicorn.Config:
    """uvicorn's settings for serving apidaze-mock (the CLI and the test server), ``options`` added.

    uvicorn's own protocol, made cuttable (:mod:`mock_server.connections`). No lifespan (the app has none), no
    WebSocket upgrades (the API has none), and no access log of uvicorn's own (the emulator's knows the client id and
    masks secrets). No proxy headers: a local stand-in is called directly, and rewriting the client address from a
    caller's ``X-Forwarded-For`` would hide the connection from the ``drop`` and ``truncate`` faults. With a
    ``certificate`` it serves HTTPS through uvicorn's own ``ssl_certfile`` and ``ssl_keyfile``: asyncio puts TLS
    below the protocol, so connections stay cuttable.
    """
    if certificate is not None:
        options.update(ssl_certfile=certificate.certfile, ssl_keyfile=certificate.keyfile)
    return uvicorn.Config(
        app,
        http=cuttable(stock_http_protocol()),
        ws="none",
        lifespan="off",
        access_log=False,
        proxy_headers=False,
        **options,
    )


class Companion(Protocol):
    """Something served beside HTTP on the same event loop and sharing its state (the SIP side)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


async def serve(
    server: uvicorn.Server, companions: list[Companion], sockets: list[socket.socket] | None = None
) -> None:
    """uvicorn's own ``serve``, with ``companions`` started before it on the same loop and stopped after it.

    A companion appended to the list while serving (started by whoever appended it) is stopped too.
    """
    for companion in list(companions):
        await companion.start()
    try:
        await server.serve(sockets=sockets)
    finally:
        for companion in reversed(companions):
            await companion.stop()


def run(server: uvicorn.Server, companions: list[Companion], loop: str = "auto") -> None:
    """Serve in this thread until uvicorn stops (Ctrl-C, SIGTERM), on the loop uvicorn would pick."""
    with asyncio.Runner(loop_factory=_loop_factory(loop)) as runner:
        runner.run(serve(server, companions))


def _loop_factory(loop: str) -> Callable[[], asyncio.AbstractEventLoop]:
    if loop == "asyncio":
        return asyncio.new_event_loop
    try:
        import uvloop
    except ImportError:
        if loop == "uvloop":
            raise
        return asyncio.new_event_loop
    return uvloop.new_event_loop


class ServerThread:
    """uvicorn serving ``app`` in a daemon thread on ``host:port`` (port 0: a free one), on a loop of its own.

    :meth:`add` serves a :class:`Companion` (the SIP side) on the same loop, now or when serving starts. With a
    ``certificate`` it serves HTTPS.
    """

    def __init__(
        self,
        app: ASGIApp,
        host: str = "127.0.0.1",
        port: int = 0,
        loop: str = "auto",
        certificate: ServerCertificate | None = None,
    ) -> None:
        self.app = app
        self.companions: list[Companion] = []
        self.host = host
        self.port = port
        self.certificate = certificate
        # "auto" (uvloop where installed, as uvicorn picks), "asyncio" or "uvloop".
        self.loop_name = loop
        self.loop: asyncio.AbstractEventLoop | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, timeout: float = 10.0) -> str:
        """Serve, and return the base URL once the server accepts connections."""
        if self.running:
            return self.base_url
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say TCP, and without it every reply
        # written in two parts waits ~40 ms for a delayed ACK.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        config = server_config(self.app, self.certificate, log_level="warning", timeout_graceful_shutdown=1)
        server = self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, args=(server, sock), daemon=True, name="apidaze-mock")
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                sock.close()
                raise RuntimeError(f"apidaze-mock did not start on {self.host}:{self.port}")
            time.sleep(0.005)
        return self.base_url

    def _run(self, server: uvicorn.Server, sock: socket.socket) -> None:
        async def serve_here() -> None:
            self.loop = asyncio.get_running_loop()
            try:
                await serve(server, self.companions, [sock])
            finally:
                self.loop = None

        with asyncio.Runner(loop_factory=_loop_factory(self.loop_name)) as runner:
            runner.run(serve_here())

    def add(self, companion: Companion) -> None:
        """Serve ``companion`` beside HTTP: started now on the server's loop if serving, else when serving starts."""
        running = self.submit(companion.start())
        if running is not None:
            running.result(HANDOFF_TIMEOUT)
        self.companions.append(companion)

    @property
    def base_url(self) -> str:
        scheme = "https" if self.certificate is not None else "http"
        return f"{scheme}://{authority(self.host, self.port)}"

    def call(self, change: Callable[[], T]) -> T:
        """Run ``change`` where the emulator's state lives: on the server's loop while serving, else right here."""
        loop = self.loop
        if loop is None or threading.current_thread() is self._thread:
            return change()
        done: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                done.set_result(change())
            except BaseException as exc:
                done.set_exception(exc)

        try:
            loop.call_soon_threadsafe(run)
        except RuntimeError:  # the loop closed meanwhile: nothing serves, so nothing races
            return change()
        return done.result(HANDOFF_TIMEOUT)

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T] | None:
        """Run ``coroutine`` on the server's loop; None when not serving (the caller runs it itself)."""
        loop = self.loop
        if loop is None:
            coroutine.close()
            return None
        try:
            return asyncio.run_coroutine_threadsafe(coroutine, loop)
        except RuntimeError:
            coroutine.close()
            return None

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving; the companions stop with the server and are let go."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout)
        self._server = self._thread = None
        self.companions.clear()


class _CuttableApp:
    """Gives the app a way to "cut the connection" without a socket: the cut becomes the httpx error a socket gives."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cuts: list[bool] = []
        scope["extensions"] = {**(scope.get("extensions") or {}), CUT_EXTENSION: cuts.append}
        await self.app(scope, receive, send)
        if cuts and cuts[0]:
            raise httpx.ReadError("[Errno 104] Connection reset by peer (apidaze-mock 'drop' fault)")
        if cuts:
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body (apidaze-mock 'truncate' fault)"
            )


class InProcessTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """The emulator as an httpx transport, sync and async, with no socket; faults behave as over a real one.

    Given the ``server`` that also serves the same app, each exchange runs on that server's loop, where the state
    lives, instead of beside it on the caller's thread.
    """

    def __init__(self, app: ASGIApp, server: ServerThread | None = None) -> None:
        self._asgi = httpx.ASGITransport(app=_CuttableApp(app), client=("127.0.0.1", 50000))
        self._server = server

    async def _exchange(self, request: httpx.Request) -> httpx.Response:
        response = await self._asgi.handle_async_request(request)
        content = await response.aread()
        return httpx.Response(response.status_code, headers=response.headers, content=content)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        buffered = _buffered(request, await request.aread())
        running = self._server.submit(self._exchange(buffered)) if self._server is not None else None
        if running is None:
            return await self._exchange(buffered)
        return await asyncio.wrap_future(running)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        buffered = _buffered(request, request.read())
        running = self._server.submit(self._exchange(buffered)) if self._server is not None else None
        if running is None:
            # One short event loop per call: enough for tests, and the app keeps no loop-bound state.
            return anyio.run(self._exchange, buffered)
        return running.result(HANDOFF_TIMEOUT)


def _buffered(request: httpx.Request, content: bytes) -> httpx.Request:
    # The body read whole: the exchange may run on another loop than the one the request's stream belongs to.
    return httpx.Request(
        request.method, request.url, headers=request.headers, content=content, extensions=request.extensions
    )
