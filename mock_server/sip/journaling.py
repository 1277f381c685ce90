"""SIP requests in the emulator's request journal, beside the API's HTTP calls.

An entry per answered request (an ACK is never answered, so it has none): the method, the Request-URI as its path,
the headers (``Authorization`` and ``Proxy-Authorization`` keep their scheme only, as for HTTP), the body (the SDP
offer), the status of the last response sent (the final one, once it is sent: a call's INVITE gets its 200 or its
error when the script decides) with its body, and the client the caller authenticated as.
"""

from __future__ import annotations

import time
from dataclasses import replace

from aiosipua import SipRequest

from mock_server.clock import Clock
from mock_server.domain.journal import Journal, JournalEntry
from mock_server.sip.transport import Peer


def journaled(journal: Journal, clock: Clock, request: SipRequest, peer: Peer) -> tuple[Peer, JournalEntry]:
    """The entry for ``request``, filed now, and a peer that fills it in as responses go out through it."""
    headers = [
        (name.lower().encode("latin-1", "replace"), value.encode("latin-1", "replace"))
        for name, values in request.headers.items()
        for value in values
    ]
    reply: list[bytes] = []
    entry = JournalEntry(clock.now(), request.method, request.uri, b"", headers, False, [request.body], reply)
    journal.record(entry)
    started = time.perf_counter()

    def send(data: bytes) -> None:
        # Responses only (a BYE the emulator sends goes out through the INVITE's peer too), until the final one.
        if data.startswith(b"SIP/2.0 ") and entry.reply_chunks is not None:
            entry.status = int(data[8:11])
            reply[:] = [data.partition(b"\r\n\r\n")[2]]
            if entry.status >= 200:
                entry.close(time.perf_counter() - started)
        peer.send(data)

    return replace(peer, send=send), entry
