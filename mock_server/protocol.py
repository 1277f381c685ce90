"""The HTTP/1.1 protocol apidaze-mock serves with: uvicorn's, able to cut connections, writing once a loop turn.

uvicorn writes each piece of an answer (status line and headers, then the body) to the socket as the app sends it.
On loopback each write is a system call that also wakes the client, and on a virtual machine waking a client whose
CPU went idle is the dearest part of it: ``perf`` under create load put 8% of the emulator's cycles in the wake-up
alone (``_raw_spin_unlock_irqrestore`` under ``sock_def_readable``), py-spy a quarter of its samples in the writes.

Here a connection's writes wait for the end of the event loop's current turn and go out together. An answer's
headers and body become one write, and the answers of every request served in one turn leave back to back, so a
client is woken once per turn instead of once per answer. Nothing waits longer than that turn: not a streamed body
(each chunk goes out at the end of its turn), not ``100 Continue`` (an app waiting for the body ends the turn; a
body already there is answered in the same write), not an answer to HEAD, which has no body. Closing or the
client's end of input first sends what waits; an abort (a ``drop`` fault) discards it, as a reset should.

The httptools protocol also offers an ASGI extension, :data:`HEAD_LINES`: ready-made header lines an app puts into
its answer's head itself. uvicorn checks every header of an answer with two regular expressions and more; for the
13 headers the contract puts on every answer that was about a sixth of a list call's CPU time (the same calls with
them left out, alternating). Lines given this way are the app's to get right: the emulator gives only its constant
KPN headers and the quota headers it makes from numbers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from functools import cache
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from mock_server.connections import Cuttable

# The extension's name in ``scope["extensions"]``; its ``add`` takes the lines, ``b"name: value\r\n"`` each.
HEAD_LINES = "apidaze.head_lines"
_INTERIM = b"HTTP/1.1 1"  # a 1xx status line (100 Continue) is not the answer's head

# Past this a write goes out at once (it is also asyncio's and uvloop's default high-water mark for writes), so the
# transport's flow control, which makes the app's next send wait, sees a big body as it would without the wait.
_FLUSH_AT = 64 * 1024


class TurnWriteTransport:
    """A connection's transport whose writes go out together at the end of the event loop's turn."""

    __slots__ = ("_head_lines", "_loop", "_pending", "_size", "transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._size = 0
        self._head_lines = b""

    def add_to_head(self, lines: bytes) -> None:
        """Header lines for the head of the answer being started: written into it, before its blank line."""
        self._head_lines += lines

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        # A copy of what a caller could change before the turn ends; bytes cannot change.
        chunk = data if type(data) is bytes else bytes(data)
        lines = self._head_lines
        if lines and chunk.startswith(b"HTTP/1.1 ") and not chunk.startswith(_INTERIM) and chunk.endswith(b"\r\n\r\n"):
            # The app added lines, then started its answer: this is its head, ending in its blank line. (Were its
            # send to wait for the client to read and the connection to end meanwhile, uvicorn's own 500 or 400 on
            # it would take them: extra headers on a closing connection, never lost ones.)
            self._head_lines = b""
            chunk = chunk[:-2] + lines + b"\r\n"
        if len(chunk) >= _FLUSH_AT:
            self.flush()
            self.transport.write(chunk)
            return
        pending = self._pending
        if not pending:
            self._loop.call_soon(self.flush)
        pending.append(chunk)
        self._size += len(chunk)
        if self._size >= _FLUSH_AT:
            self.flush()

    def flush(self) -> None:
        pending = self._pending
        if not pending:
            return
        data = pending[0] if len(pending) == 1 else b"".join(pending)
        pending.clear()
        self._size = 0
        # Closed under us (the client went away): the bytes have no one to go to, as with a direct write, which
        # uvloop would refuse.
        if not self.transport.is_closing():
            self.transport.write(data)

    # The rest of a transport's writing interface, so nothing reaches the connection past what waits.

    def writelines(self, data: Iterable[bytes | bytearray | memoryview]) -> None:
        for chunk in data:
            self.write(chunk)

    def write_eof(self) -> None:
        self.flush()
        self.transport.write_eof()

    def get_write_buffer_size(self) -> int:
        return self._size + self.transport.get_write_buffer_size()

    def is_closing(self) -> bool:
        return self.transport.is_closing()

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def abort(self) -> None:
        self._pending.clear()
        self._size = 0
        self.transport.abort()

    def __getattr__(self, name: str) -> Any:
        # get_extra_info, pause_reading and the rest: the connection's own.
        return getattr(self.transport, name)


class TurnWrites(asyncio.Protocol):
    """Gives the protocol a :class:`TurnWriteTransport` in place of the connection's own."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.turn_writes = TurnWriteTransport(transport, asyncio.get_running_loop())  # type: ignore[arg-type]
        super().connection_made(self.turn_writes)  # type: ignore[arg-type]

    def eof_received(self) -> None:
        # asyncio and uvloop close the connection's own transport once this returns (uvicorn's returns None).
        self.turn_writes.flush()
        super().eof_received()


@cache
def http_protocol() -> type[asyncio.Protocol]:
    """The protocol class to give ``uvicorn.Config(http=...)``: httptools when installed, else h11.

    ``TurnWrites`` comes first, so ``Cuttable`` files the wrapper and a cut's close() sends what waits (a truncated
    body).
    """
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:
        from uvicorn.protocols.http.h11_impl import H11Protocol

        class ApidazeH11Protocol(TurnWrites, Cuttable, H11Protocol):
            """uvicorn's h11 protocol: cuttable, and writing once per loop turn."""

        return ApidazeH11Protocol

    class ApidazeHttpToolsProtocol(TurnWrites, Cuttable, HttpToolsProtocol):
        """uvicorn's httptools protocol: cuttable, writing once per loop turn, and offering :data:`HEAD_LINES`."""

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)
            self._head_extension: dict[object, object] = {"add": self.turn_writes.add_to_head}

        def on_headers_complete(self) -> None:
            super().on_headers_complete()
            # uvicorn's scope has no extensions; the request's task has been made but has not run. A dict of its
            # own per request, so no layer's change to it reaches the connection's next request.
            self.scope["extensions"] = {HEAD_LINES: self._head_extension}

    return ApidazeHttpToolsProtocol


def server_config(app: ASGIApp, *, http: type[asyncio.Protocol] | str | None = None, **options: Any) -> uvicorn.Config:
    """uvicorn's settings for serving apidaze-mock (the CLI and the test server), ``options`` added.

    ``http`` is this module's protocol unless given (the benchmark's bare app runs on uvicorn's own). No lifespan
    (the app has none), no WebSocket upgrades (the API has none), and no access log of uvicorn's own (the
    emulator's knows the client id and masks secrets). No proxy headers: a local stand-in is called directly, and
    uvicorn rewriting the client address from a caller's ``X-Forwarded-For`` hid the connection from ``drop`` and
    ``truncate`` faults, which became 500s. It also takes a layer off every request.
    """
    return uvicorn.Config(
        app,
        http=http or http_protocol(),
        ws="none",
        lifespan="off",
        access_log=False,
        proxy_headers=False,
        **options,
    )
