"""Serving the emulator for tests: uvicorn in a background thread, or an httpx transport with no socket at all.

Both can cut a connection, so the ``drop`` and ``truncate`` faults reach an httpx client as the errors a real
server's reset or short body give.
"""

from __future__ import annotations

import socket
import threading
import time

import anyio
import httpx
import uvicorn
from starlette.types import Receive, Scope, Send

from mock_server.app import Emulator
from mock_server.connections import CUT_EXTENSION
from mock_server.protocol import server_config


class _CuttableApp:
    """Gives the app a way to "cut the connection" without a socket: the cut becomes the httpx error a socket gives."""

    def __init__(self, app: Emulator) -> None:
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
    """The emulator as an httpx transport, sync and async, with no socket; faults behave as over a real one."""

    def __init__(self, app: Emulator) -> None:
        self._asgi = httpx.ASGITransport(app=_CuttableApp(app), client=("127.0.0.1", 50000))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._asgi.handle_async_request(request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        buffered = httpx.Request(
            request.method, request.url, headers=request.headers, content=request.read(), extensions=request.extensions
        )

        async def exchange() -> httpx.Response:
            response = await self._asgi.handle_async_request(buffered)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        # One short event loop per call: enough for tests, and the app keeps no loop-bound state.
        return anyio.run(exchange)


class ServerThread:
    """uvicorn serving ``app`` in a daemon thread on ``host:port`` (port 0: a free one)."""

    def __init__(self, app: Emulator, host: str = "127.0.0.1", port: int = 0, loop: str = "auto") -> None:
        self.app = app
        self.host = host
        self.port = port
        # uvicorn's loop setting: "auto" (uvloop where installed), "asyncio" or "uvloop".
        self.loop = loop
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
        config = server_config(self.app, loop=self.loop, log_level="warning", timeout_graceful_shutdown=1)
        server = self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="apidaze-mock")
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                sock.close()
                raise RuntimeError(f"apidaze-mock did not start on {self.host}:{self.port}")
            time.sleep(0.005)
        return self.base_url

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def stop(self, timeout: float = 5.0) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout)
        self._server = self._thread = None
