"""The access log: one line per request on stdout, in the other logs' layout, written once per event-loop turn.

``AccessLogMiddleware`` is the outermost layer when the access log is on (``apidaze-mock`` leaves it out entirely
when off). It logs method, path, query with secret values masked, the OAuth client id that auth put in
``scope["apidaze.client_id"]``, status and duration. Headers and bodies are never logged: they carry bearer tokens,
Basic credentials and client secrets.

It does not go through ``logging``: a record, a handler's lock, a formatter and a write and flush for every request
took 35 to 40% of the list's requests per CPU-second (``benchmarks/access_log.py``). Here a request formats one line and
appends it to a list, and ``AccessLogWriter`` hands a turn's lines to its writer thread when the turn ends.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import logging
import queue
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from typing import TextIO
from urllib.parse import quote

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.domain.journal import redact_query
from mock_server.logs import TEXT_FORMAT, json_entry
from mock_server.paths import TOKEN_PATH

ACCESS_LOGGER = "apidaze_mock.access"
MASK = "***"
_MESSAGE = "%s %s %s %.1fms client=%s"
# TEXT_FORMAT filled in for this logger, with logging's default time layout (seconds, then milliseconds after a
# comma): "%s,%03d INFO    apidaze_mock.access: %s %s %s %.1fms client=%s\n".
_TEXT_LINE = (
    TEXT_FORMAT % {"asctime": "%s,%03d", "levelname": "INFO", "name": ACCESS_LOGGER, "message": _MESSAGE} + "\n"
)


@functools.lru_cache(maxsize=1)
def _local_second(second: int) -> str:
    """A second in ``logging``'s default time layout, local time, made once for all the lines of that second.

    ``time.strftime`` for every line made ``text_line`` take twice as long: 4.7 against 2.2 us (timeit, best of 9).
    """
    return time.strftime(logging.Formatter.default_time_format, time.localtime(second))


class AccessLogWriter:
    """Whole lines kept during one turn of the event loop, handed to a writer thread together when the turn ends.

    The event loop never waits on the stream: a terminal, a pipe or a file (ext4 stalls a writer for tens of ms now
    and then) is written by a thread of its own, one ``write`` and one ``flush`` for what each turn or batch of turns
    made, in order. Lines never interleave, and none waits in Python's buffers for a process that is then killed:
    lines still kept when the interpreter exits (a loop stopped mid-turn) are written then, after what waits for the
    thread. Lines come from one event loop's thread at a time, as a server's requests do.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream  # None: sys.stdout as it is when writing
        self._lines: list[str] = []
        self._flush_on: asyncio.AbstractEventLoop | None = None
        # Texts to write, and events the thread sets once what came before them is written.
        self._queue: queue.SimpleQueue[str | threading.Event] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        atexit.register(self.drain)

    def write(self, line: str) -> None:
        """Keep ``line`` (a newline at its end) until the end of the running loop's turn."""
        self._lines.append(line)
        loop = asyncio.get_running_loop()
        # The turn's first line; or a flush is due on a loop that ended before it ran (a closed test client's).
        if self._flush_on is not loop:
            loop.call_soon(self.flush)
            self._flush_on = loop

    def flush(self) -> None:
        """Hand the lines kept so far, in order and as one text, to the writer thread."""
        self._flush_on = None
        if not self._lines:
            return
        lines, self._lines = self._lines, []
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="apidaze-mock-access-log", daemon=True)
            self._thread.start()
        self._queue.put("".join(lines))

    def drain(self, timeout: float = 5.0) -> None:
        """Wait until every line kept or handed over so far is written (tests; and at exit, by ``atexit``)."""
        self.flush()
        if self._thread is not None:
            written = threading.Event()
            self._queue.put(written)
            written.wait(timeout)

    def _run(self) -> None:
        pending = self._queue
        while True:
            items = [pending.get()]
            # What else waits goes in the same write: after a stall, the lines of many turns leave together.
            while not pending.empty():
                items.append(pending.get())
            texts = [item for item in items if isinstance(item, str)]
            if texts:
                stream = self.stream or sys.stdout
                stream.write("".join(texts))
                stream.flush()
            for item in items:
                if isinstance(item, threading.Event):
                    item.set()


def _query(scope: Scope) -> str:
    raw: bytes = scope["query_string"]
    return redact_query(raw, scope["path"] == TOKEN_PATH, MASK) if raw else ""


def text_line(scope: Scope, status: int, duration_ms: float, now: float) -> str:
    """The line ``logging`` would write with ``TEXT_FORMAT`` for an INFO record of the access logger."""
    # Percent-encoded again, as uvicorn's own access log writes it: a path is decoded, and a ``%0A`` in it would
    # otherwise start a line of the caller's making.
    path = quote(scope["path"])
    query = _query(scope)
    second = int(now)
    return _TEXT_LINE % (
        _local_second(second),
        (now - second) * 1000,
        scope["method"],
        f"{path}?{query}" if query else path,
        status or "-",
        duration_ms,
        scope.get("apidaze.client_id") or "-",
    )


def json_line(scope: Scope, status: int, duration_ms: float, now: float) -> str:
    """The ``JsonFormatter`` fields, then the access fields."""
    query = _query(scope)
    path = scope["path"]
    client_id = scope.get("apidaze.client_id")
    message = _MESSAGE % (
        scope["method"],
        f"{path}?{query}" if query else path,
        status or "-",
        duration_ms,
        client_id or "-",
    )
    remote = scope.get("client")
    entry = json_entry(now, "info", ACCESS_LOGGER, message)
    entry["method"] = scope["method"]
    entry["path"] = path
    entry["query"] = query
    entry["status"] = status or None
    entry["duration_ms"] = round(duration_ms, 2)
    entry["client_id"] = client_id
    entry["remote"] = f"{remote[0]}:{remote[1]}" if remote else None
    return orjson.dumps(entry).decode() + "\n"


LINES: dict[str, Callable[[Scope, int, float, float], str]] = {"text": text_line, "json": json_line}


class AccessLogMiddleware:
    """One access line per HTTP request, after the answer is sent, handed to ``writer``."""

    def __init__(self, app: ASGIApp, writer: AccessLogWriter, fmt: str = "text") -> None:
        self.app = app
        self.writer = writer
        self.line = LINES[fmt]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        # A plain function handing back send's awaitable: no coroutine of its own for each message, which took a
        # request's wrapping from 0.2 to 0.7 us (timeit, two messages).
        def send_with_status(message: Message) -> Awaitable[None]:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            return send(message)

        try:
            await self.app(scope, receive, send_with_status)
        except Exception:
            status = status or 500
            raise
        finally:
            self.writer.write(self.line(scope, status, (time.perf_counter() - started) * 1000, time.time()))
