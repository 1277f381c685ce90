"""The HTTP/1.1 protocol apidaze-mock serves with: uvicorn's, able to cut connections, writing once a loop turn.

uvicorn writes each piece of an answer (status line and headers, then the body) to the socket as the app sends it.
On loopback each write is a system call that also wakes the client, and on a virtual machine waking a client whose
CPU went idle is the dearest part of it: ``perf`` under create load put 8% of the emulator's cycles in the wake-up
alone (``_raw_spin_unlock_irqrestore`` under ``sock_def_readable``), py-spy a quarter of its samples in the writes.

Here a connection's writes wait for the end of the event loop's current turn and go out together. An answer's
headers and body become one write, and the answers of every request served in one turn leave back to back, so a
client is woken once per turn instead of once per answer. Nothing waits longer than that turn: not a streamed body
(each chunk goes out at the end of its turn), not ``100 Continue`` (the app then waits for the body, ending the
turn), not an answer to HEAD, which has no body. Closing or the client's end of input first sends what waits;
an abort (a ``drop`` fault) discards it, as a reset should.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from mock_server.connections import Cuttable

# uvicorn's own high-water mark: past it a write goes out at once, so the transport's flow control (pause_writing,
# which makes the app's next send wait) sees a big body as it would without the wait.
_FLUSH_AT = 64 * 1024


class TurnWriteTransport:
    """A connection's transport whose writes go out together at the end of the event loop's turn."""

    __slots__ = ("_loop", "_pending", "_size", "transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._size = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        pending = self._pending
        if not pending:
            self._loop.call_soon(self.flush)
        # A copy of what a caller could change before the turn ends; bytes cannot change.
        pending.append(data if type(data) is bytes else bytes(data))
        self._size += len(data)
        if self._size >= _FLUSH_AT:
            self.flush()

    def writelines(self, data: Iterable[bytes | bytearray | memoryview]) -> None:
        for chunk in data:
            self.write(chunk)

    def flush(self) -> None:
        pending = self._pending
        if not pending:
            return
        data = pending[0] if len(pending) == 1 else b"".join(pending)
        pending.clear()
        self._size = 0
        # Closed under us (the client went away): the bytes have no one to go to, as with a direct write.
        if not self.transport.is_closing():
            self.transport.write(data)

    def is_closing(self) -> bool:
        return self.transport.is_closing()

    def get_write_buffer_size(self) -> int:
        return self._size + self.transport.get_write_buffer_size()

    def write_eof(self) -> None:
        self.flush()
        self.transport.write_eof()

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def abort(self) -> None:
        self._pending.clear()
        self._size = 0
        self.transport.abort()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.transport.get_extra_info(name, default)

    def __getattr__(self, name: str) -> Any:
        # pause_reading, set_protocol and the rest: the connection's own.
        return getattr(self.transport, name)


class TurnWrites(asyncio.Protocol):
    """Gives the protocol a :class:`TurnWriteTransport` in place of the connection's own."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(TurnWriteTransport(transport, asyncio.get_running_loop()))  # type: ignore[arg-type]

    def eof_received(self) -> bool | None:
        # asyncio and uvloop close the transport themselves once this returns false, past the wrapper.
        view = getattr(self, "transport", None)
        if isinstance(view, TurnWriteTransport):
            view.flush()
        return super().eof_received()


def http_protocol() -> type[asyncio.Protocol]:
    """The protocol class to give ``uvicorn.Config(http=...)``: httptools when installed, else h11."""
    base: type[asyncio.Protocol]
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        base = HttpToolsProtocol
    except ImportError:
        from uvicorn.protocols.http.h11_impl import H11Protocol

        base = H11Protocol

    # TurnWrites first, so Cuttable files the wrapper and a cut's close() sends what waits (a truncated body).
    class ApidazeProtocol(TurnWrites, Cuttable, base):  # type: ignore[valid-type,misc]
        """uvicorn's HTTP/1.1 protocol: cuttable, and writing once per loop turn."""

    return ApidazeProtocol


def server_config(app: ASGIApp, **options: Any) -> uvicorn.Config:
    """uvicorn's settings for serving apidaze-mock (the CLI and the test server), ``options`` added.

    No lifespan (the app has none) and no access log of uvicorn's own (the emulator's knows the client id and masks
    secrets). No proxy headers: a local stand-in is called directly, and uvicorn rewriting the client address from a
    caller's ``X-Forwarded-For`` hid the connection from ``drop`` and ``truncate`` faults, which became 500s. It
    also takes a layer off every request.
    """
    return uvicorn.Config(app, http=http_protocol(), lifespan="off", access_log=False, proxy_headers=False, **options)
