"""SIP over UDP and TCP on one port, on asyncio's public transports, with every input bounded.

Each whole message goes to one handler with the :class:`Peer` it came from; a reply goes back to that peer (the
source address over UDP, the same connection over TCP), never to an address a message names, so the emulator cannot
be made to send to a third party. A datagram over the size limit is dropped. A TCP connection is closed when it
sends a message over the limit, takes longer than ``message_seconds`` to send one, stays idle for ``idle_seconds``,
or floods; connections are capped in all and per address. CRLF keep-alives (RFC 5626 section 4.4.1) are answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import re
import socket
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, cast

from mock_server.sip.guards import FloodGuard
from mock_server.sip.limits import SipLimits

logger = logging.getLogger("apidaze_mock.sip")

_CONTENT_LENGTH = re.compile(rb"^(?:content-length|l)[ \t]*:[ \t]*([0-9]{1,9})[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)
PORT_TRIES = 20


@dataclass(frozen=True)
class Peer:
    """Where a message came from, and how to answer it."""

    transport: str
    host: str
    port: int
    send: Callable[[bytes], None]

    def __str__(self) -> str:
        return f"{self.transport} {self.host}:{self.port}"


Handler = Callable[[bytes, Peer], None]


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, handler: Handler, guard: FloodGuard, limits: SipLimits) -> None:
        self.handler = handler
        self.guard = guard
        self.max_bytes = limits.max_message_bytes
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # asyncio's selector loop hands a transport that is not a DatagramTransport subclass, but has its methods.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: Any) -> None:
        host, port = str(addr[0]), int(addr[1])
        if len(data) > self.max_bytes or not self.guard.allow(host) or not data.strip(b"\r\n\x00 "):
            return
        transport = self.transport
        assert transport is not None

        def send(reply: bytes) -> None:
            transport.sendto(reply, addr)

        self.handler(data, Peer("udp", host, port, send))

    def error_received(self, exc: Exception) -> None:
        # An ICMP "port unreachable" from a softphone that went away: nothing to do.
        logger.debug("SIP UDP error: %s", exc)


class _Streams:
    """Accepts TCP connections and reads whole messages from each."""

    def __init__(self, handler: Handler, guard: FloodGuard, limits: SipLimits) -> None:
        self.handler = handler
        self.guard = guard
        self.limits = limits
        self.per_source: Counter[str] = Counter()
        self.tasks: set[asyncio.Task[None]] = set()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        peername = writer.get_extra_info("peername")
        host, port = str(peername[0]), int(peername[1])
        full = sum(self.per_source.values()) >= self.limits.max_connections
        if full or self.per_source[host] >= self.limits.max_connections_per_source:
            writer.close()
            return
        self.per_source[host] += 1
        self.tasks.add(task)

        def send(reply: bytes) -> None:
            if not writer.is_closing():
                writer.write(reply)

        peer = Peer("tcp", host, port, send)
        try:
            async for message in self._messages(reader, writer):
                if not self.guard.allow(host):
                    break
                self.handler(message, peer)
                await writer.drain()
        except (OSError, TimeoutError):
            pass
        finally:
            self.tasks.discard(task)
            self.per_source[host] -= 1
            if self.per_source[host] <= 0:
                del self.per_source[host]
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def _messages(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> AsyncIterator[bytes]:
        """Whole messages, framed by Content-Length (RFC 3261 section 18.3), until the connection ends or breaks a
        bound (raises ``TimeoutError`` for a slow or idle one)."""
        limits, loop = self.limits, asyncio.get_running_loop()
        buffer, started = b"", 0.0
        while True:
            head_end = buffer.find(b"\r\n\r\n")
            if head_end == 0:
                writer.write(b"\r\n")  # a CRLF CRLF keep-alive; the pong is one CRLF
                buffer = buffer[4:]
                continue
            if buffer.startswith(b"\r\n"):
                buffer = buffer[2:]
                continue
            if head_end > 0:
                match = _CONTENT_LENGTH.search(buffer, 0, head_end + 2)
                total = head_end + 4 + (int(match.group(1)) if match else 0)
                if total > limits.max_message_bytes:
                    return
                if len(buffer) >= total:
                    yield buffer[:total]
                    buffer = buffer[total:]
                    continue
            elif len(buffer) > limits.max_message_bytes:
                return
            if not buffer:
                started = 0.0
            elif not started:
                started = loop.time()
            wait = limits.idle_seconds if not started else started + limits.message_seconds - loop.time()
            async with asyncio.timeout(max(wait, 0.0)):
                chunk = await reader.read(64 * 1024)
            if not chunk:
                return
            buffer += chunk


class SipTransports:
    """One UDP endpoint and one TCP server on the same address and port."""

    def __init__(self, handler: Handler, limits: SipLimits) -> None:
        self.limits = limits
        self.guard = FloodGuard(limits)
        self._handler = handler
        self._sockets: tuple[socket.socket, socket.socket] | None = None
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.Server | None = None
        self._streams = _Streams(handler, self.guard, limits)
        self.host = ""
        self.port = 0

    def bind(self, host: str, port: int) -> None:
        """Take the UDP and TCP sockets on ``host:port`` now (``port=0``: one free port for both), before any event
        loop runs, so a taken port is known at once; raises ``OSError`` when it is taken."""
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        tries = PORT_TRIES if port == 0 else 1
        for attempt in range(tries):
            udp = socket.socket(family, socket.SOCK_DGRAM)
            tcp = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            try:
                udp.bind((host, port))
                chosen = int(udp.getsockname()[1])
                tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                tcp.bind((host, chosen))
                tcp.listen(128)
            except OSError:
                udp.close()
                tcp.close()
                if attempt == tries - 1:
                    raise
                continue
            self._sockets, self.host, self.port = (udp, tcp), host, chosen
            return

    async def start(self) -> None:
        """Serve the bound sockets on the running event loop."""
        assert self._sockets is not None, "bind() first"
        udp, tcp = self._sockets
        loop = asyncio.get_running_loop()
        self._udp, _ = await loop.create_datagram_endpoint(
            lambda: _Datagrams(self._handler, self.guard, self.limits), sock=udp
        )
        self._tcp = await asyncio.start_server(self._streams.serve, sock=tcp)

    def local_host(self, peer_host: str) -> str:
        """The address ``peer_host`` reaches the emulator at: the listening host, or for a wildcard listener the
        one the system routes to the peer through (a connected UDP socket sends nothing)."""
        try:
            wildcard = ipaddress.ip_address(self.host).is_unspecified
        except ValueError:  # a host name
            wildcard = False
        if not wildcard:
            return self.host
        family = socket.AF_INET6 if ":" in peer_host else socket.AF_INET
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect((peer_host, 9))
            return str(probe.getsockname()[0])

    async def stop(self) -> None:
        if self._udp is None and self._sockets is not None:  # bound, never served
            for sock in self._sockets:
                sock.close()
        self._sockets = None
        if self._udp is not None:
            self._udp.close()
            self._udp = None
        if self._tcp is not None:
            self._tcp.close()
            for task in list(self._streams.tasks):
                task.cancel()
            await self._tcp.wait_closed()
            self._tcp = None
