"""Records every call of the emulated API as the client saw it, refused and broken ones included.

It sits outside auth, quota and faults, so a 401, a 429 or an injected fault is recorded like any other reply.
Per call it files one small entry of plain values; decoding and redaction wait until someone reads. What the inner
layers decide (the caller's client id, the fault, the proxy's contract violations) it reads from the scope when the
reply starts and when the call ends, so an entry also says it for a connection a fault cut. The route's warnings
(:func:`mock_server.http.warn`) come the same way.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.clock import Clock
from mock_server.domain.journal import Journal, JournalEntry
from mock_server.http import WARNINGS


class JournalMiddleware:
    def __init__(self, app: ASGIApp, journal: Journal, clock: Clock, token_path: str) -> None:
        self.app = app
        self.journal = journal
        self.clock = clock
        self.token_path = token_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path = scope["path"]
        request_chunks: list[bytes] = []
        reply_chunks: list[bytes] = []
        entry = JournalEntry(
            self.clock.now(),
            scope["method"],
            path,
            scope["query_string"],
            scope["headers"],
            path == self.token_path,
            request_chunks,
            reply_chunks,
        )
        # Filed before the call goes on, so it is in the journal before the client can see any reply (or a cut).
        self.journal.record(entry)

        def note_decisions() -> None:
            entry.client_id = scope.get("apidaze.client_id")
            entry.fault = scope.get("apidaze.fault")
            entry.violations = scope.get("apidaze.violations")
            entry.warnings = tuple(scope.get(WARNINGS, ()))

        async def receive_recording() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                request_chunks.append(message.get("body", b""))
            return message

        def send_recording(message: Message) -> Awaitable[None]:
            if message["type"] == "http.response.start":
                entry.status = message["status"]
                note_decisions()
            elif message["type"] == "http.response.body":
                reply_chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    entry.duration = time.perf_counter() - started
            return send(message)

        try:
            await self.app(scope, receive_recording, send_recording)
        finally:
            note_decisions()
            entry.close(time.perf_counter() - started)
