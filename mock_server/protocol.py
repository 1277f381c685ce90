"""The HTTP/1.1 protocol apidaze-mock serves with: uvicorn's, able to cut connections, one write per answer.

uvicorn writes an answer's status line and headers as soon as the app starts the response, and its body in a
second write. On loopback each write is a system call that also wakes the client: py-spy put the two writes at a
quarter of the served emulator's time under load, more than any code of ours. Here each request's transport holds
the header block until the body's first chunk and sends both in one write. Held bytes never wait past the current
turn of the event loop (a streamed body), nor past the client's end of input, after which the transport closes
itself. An interim ``100 Continue`` goes out at once, since the client waits for it before sending its body, and an
answer to HEAD, which has no body to wait for, is not held at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from mock_server.connections import Cuttable

_INTERIM = b"HTTP/1.1 1"  # a 1xx status line: 100 Continue


class OneWriteTransport:
    """One request's view of its connection's transport: the header block waits for the body's first chunk."""

    __slots__ = ("_held", "_loop", "_started", "transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport = transport
        self._loop = loop
        self._held: bytes | None = None
        self._started = False  # the answer's header block has been written (or is held)

    def write(self, data: bytes) -> None:
        held = self._held
        if held is not None:
            self._held = None
            self.transport.write(held + data)
        elif not self._started and data.startswith(b"HTTP/") and not data.startswith(_INTERIM):
            self._started = True
            self._held = data
            self._loop.call_soon(self.flush)
        else:
            self.transport.write(data)

    def flush(self) -> None:
        held = self._held
        if held is not None:
            self._held = None
            self.transport.write(held)

    def writelines(self, data: Iterable[bytes]) -> None:
        self.flush()
        self.transport.writelines(data)

    def write_eof(self) -> None:
        self.flush()
        self.transport.write_eof()

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def __getattr__(self, name: str) -> Any:
        # is_closing, get_extra_info and the rest: the connection's own.
        return getattr(self.transport, name)


def http_protocol() -> type[asyncio.Protocol]:
    """The protocol class to give ``uvicorn.Config(http=...)``: httptools when installed, else h11 (cuts only)."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:
        from uvicorn.protocols.http.h11_impl import H11Protocol

        class CuttableH11Protocol(Cuttable, H11Protocol):
            """uvicorn's h11 protocol, with its transport findable by the connection's address pair."""

        return CuttableH11Protocol

    class ApidazeHttpToolsProtocol(Cuttable, HttpToolsProtocol):
        """uvicorn's httptools protocol: cuttable, and each answer's headers and body in one write."""

        def on_headers_complete(self) -> None:
            previous = self.cycle
            super().on_headers_complete()
            cycle = self.cycle
            # A new request (an upgrade request makes none) whose answer has a body to wait for.
            if cycle is not previous and cycle.scope["method"] != "HEAD":
                cycle.transport = OneWriteTransport(self.transport, self.loop)  # type: ignore[assignment]

        def eof_received(self) -> None:
            # The transport closes itself once this returns: what the request's view holds must be written first.
            view = self.cycle.transport if self.cycle is not None else None
            if isinstance(view, OneWriteTransport):
                view.flush()
            super().eof_received()

    return ApidazeHttpToolsProtocol
