"""Cutting a client's connection from inside the app, which plain ASGI cannot do.

The ``drop`` and ``truncate`` faults need the socket: ``drop`` resets it (the client reads ``ECONNRESET``) and
``truncate`` closes it after half a body. uvicorn serves with its own stock protocol; :func:`cuttable` wraps that
protocol by composition, through asyncio's ``Protocol`` and ``Transport`` API only. Each connection files its
transport under its ``(server, client)`` address pair, the pair uvicorn also puts in every request's scope, so a
fault finds the connection of its request and calls that are not cut pay nothing. In-process callers (the httpx
transport of :mod:`mock_server.serving`) put a ``cut`` callable in ``scope["extensions"]`` instead. Under any other
server there is neither, and :func:`can_cut` says so.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Callable
from typing import Any

from starlette.types import Scope

CUT_EXTENSION = "apidaze.cut"
Cut = Callable[[bool], None]
Address = tuple[str, int]

_LIVE: dict[tuple[Address | None, Address | None], asyncio.BaseTransport] = {}


def _address(info: Any) -> Address | None:
    # As uvicorn builds scope["server"] and scope["client"]: host and port of the socket's name (IPv6 adds two). A
    # unix socket has no port (ASGI: [path, None]).
    if isinstance(info, tuple | list) and len(info) >= 2 and isinstance(info[1], int):
        return (str(info[0]), info[1])
    return None


def _key(scope: Scope) -> tuple[Address | None, Address | None]:
    return (_address(scope.get("server")), _address(scope.get("client")))


def can_cut(scope: Scope) -> bool:
    """Whether this request's connection can be cut (the server is apidaze-mock's, or in process)."""
    return CUT_EXTENSION in (scope.get("extensions") or {}) or _key(scope) in _LIVE


async def cut(scope: Scope, *, reset: bool) -> bool:
    """Reset (``reset=True``) or close this request's connection; False when the server offers no way to."""
    extension: Cut | None = (scope.get("extensions") or {}).get(CUT_EXTENSION)
    if extension is not None:
        extension(reset)
        return True
    key = _key(scope)
    transport = _LIVE.get(key)
    if transport is None:
        return False
    if reset:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # Linger 0: close() sends RST instead of FIN, and the client sees "connection reset by peer".
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # abort() is on every transport a stream server makes (asyncio's and uvloop's), not on BaseTransport.
        transport.abort()  # type: ignore[attr-defined]
    else:
        transport.close()
    # Wait for connection_lost (a close first sends what was written), so uvicorn knows the client is gone and
    # neither answers a 500 of its own nor logs an unfinished reply.
    for turn in range(200):
        if _LIVE.get(key) is not transport:
            break
        await asyncio.sleep(0 if turn < 3 else 0.005)
    return True


def cuttable(stock: Callable[..., asyncio.Protocol]) -> type[asyncio.Protocol]:
    """A protocol class for ``uvicorn.Config(http=...)``: ``stock``'s connections, each one cuttable.

    uvicorn builds each connection's protocol with keyword arguments of its own; they go to ``stock`` unread.
    """

    class CuttableConnection(asyncio.Protocol):
        def __init__(self, **options: Any) -> None:
            self.inner = stock(**options)
            self.key: tuple[Address | None, Address | None] = (None, None)
            self.transport: asyncio.BaseTransport | None = None

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.key = (_address(transport.get_extra_info("sockname")), _address(transport.get_extra_info("peername")))
            if None not in self.key:
                self.transport = _LIVE[self.key] = transport
            self.inner.connection_made(transport)

        def connection_lost(self, exc: Exception | None) -> None:
            # Only our own entry: a new connection may already hold the same address pair.
            if self.transport is not None and _LIVE.get(self.key) is self.transport:
                del _LIVE[self.key]
            self.inner.connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            self.inner.data_received(data)

        def eof_received(self) -> bool | None:
            return self.inner.eof_received()

        def pause_writing(self) -> None:
            self.inner.pause_writing()

        def resume_writing(self) -> None:
            self.inner.resume_writing()

    return CuttableConnection
