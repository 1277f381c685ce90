"""Cutting a client's connection from inside the app, which plain ASGI cannot do.

The ``drop`` and ``truncate`` faults need the socket: ``drop`` resets it (the client reads ``ECONNRESET``) and
``truncate`` closes it after half a body. The protocol of :mod:`mock_server.protocol` mixes in :class:`Cuttable`:
each connection files its transport under its ``(server, client)`` address pair, which is also in every request's
scope, so finding it costs nothing on calls that are not cut. In-process callers (the httpx transport of
:mod:`mock_server.serving`) put a ``cut`` callable in ``scope["extensions"]`` instead.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from starlette.types import Scope

CUT_EXTENSION = "apidaze.cut"
Cut = Callable[[bool], None]


@runtime_checkable
class CuttableTransport(Protocol):
    """What cutting needs of a transport: asyncio's own and uvloop's ``TCPTransport`` (not an ``asyncio.Transport``
    subclass) both provide it."""

    def get_extra_info(self, name: str, default: Any = None) -> Any: ...

    def abort(self) -> None: ...

    def close(self) -> None: ...


_LIVE: dict[tuple[Any, Any], CuttableTransport] = {}


def _key(server: Any, client: Any) -> tuple[Any, Any]:
    return (tuple(server) if server else None, tuple(client) if client else None)


def _cut_transport(transport: CuttableTransport, reset: bool) -> None:
    if reset:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # Linger 0: close() sends RST instead of FIN, and the client sees "connection reset by peer".
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    else:
        transport.close()


async def cut(scope: Scope, *, reset: bool) -> bool:
    """Reset (``reset=True``) or close this request's connection; False when the server offers no way to."""
    extension: Cut | None = (scope.get("extensions") or {}).get(CUT_EXTENSION)
    if extension is not None:
        extension(reset)
        return True
    key = _key(scope.get("server"), scope.get("client"))
    transport = _LIVE.get(key)
    if transport is None:
        return False
    _cut_transport(transport, reset)
    # Wait for connection_lost (a close first flushes what was written), so uvicorn knows the client is gone and
    # neither answers a 500 of its own nor logs an unfinished reply.
    for turn in range(200):
        if _LIVE.get(key) is not transport:
            break
        await asyncio.sleep(0 if turn < 3 else 0.005)
    return True


class Cuttable(asyncio.Protocol):
    """Files the connection's transport under its address pair while it lives."""

    server: tuple[str, int | None] | None
    client: tuple[str, int] | None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._cut_key = _key(self.server, self.client)
        # Duck typing, not asyncio.Transport: under uvloop the transport is a uvloop.loop.TCPTransport.
        if isinstance(transport, CuttableTransport):
            _LIVE[self._cut_key] = transport

    def connection_lost(self, exc: Exception | None) -> None:
        _LIVE.pop(self._cut_key, None)
        super().connection_lost(exc)
