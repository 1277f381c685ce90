"""A call's RTP port: it sends nothing (the caller hears silence) and listens for telephone-events.

Packets are taken from the caller's address only, and at most ``MAX_PACKETS_PER_SECOND`` of them are looked at, so
neither another host nor a flood can press keys or keep the loop busy.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from typing import Any, cast

from mock_server.sip.dtmf import rtp_event

# 20 ms audio packets plus telephone-events: well under 100 a second for one call.
MAX_PACKETS_PER_SECOND = 200


class RtpPort(asyncio.DatagramProtocol):
    """Bound to a free port; ``on_key`` hears each key once, ``events`` is the negotiated payload type."""

    def __init__(self, caller_host: str, on_key: Callable[[str], None]) -> None:
        self.caller_host = caller_host
        self.on_key = on_key
        self.events: int | None = None
        self.transport: asyncio.DatagramTransport | None = None
        self.port = 0
        self._seen: set[int] = set()
        self._second = 0
        self._count = 0

    @classmethod
    async def open(cls, host: str, caller_host: str, on_key: Callable[[str], None]) -> RtpPort:
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        transport, protocol = await loop.create_datagram_endpoint(
            lambda: cls(caller_host, on_key), local_addr=(host, 0), family=family
        )
        protocol.port = int(transport.get_extra_info("sockname")[1])
        return protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # asyncio's selector loop hands a transport that is not a DatagramTransport subclass, but has its methods.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if self.events is None or str(addr[0]) != self.caller_host or not self._counted():
            return
        found = rtp_event(data, self.events)
        if found is None or found[0] in self._seen:
            return
        if len(self._seen) > 1000:
            self._seen.clear()
        self._seen.add(found[0])
        self.on_key(found[1])

    def _counted(self) -> bool:
        second = int(time.monotonic())
        if second != self._second:
            self._second, self._count = second, 0
        self._count += 1
        return self._count <= MAX_PACKETS_PER_SECOND

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
