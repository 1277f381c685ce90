"""The request journal: what clients sent to the emulated API and what they got back, newest first.

It is bounded: it keeps the last :data:`DEFAULT_CAPACITY` calls (``create_app(journal_size=...)`` changes that) and
forgets older ones, and of each call it keeps no more than it shows: :data:`BODY_LIMIT` bytes of each body, of the
path, of the query and of the headers, so 1000 calls hold some 40 MB at the very worst. Recording is a cheap append;
decoding, redaction and filtering wait until someone reads the journal, but for bodies over the limit, which are
redacted as the call ends so only the text shown is kept.

Secrets never leave it: the ``Authorization`` header keeps its scheme but not its credentials; ``client_secret``,
``access_token`` and ``refresh_token`` in a request or reply body, found by their parsed keys (see
:func:`redact_body`), and query values that may be secret (every one but ``grant_type`` on the token endpoint) read
``[redacted]``.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain, pairwise
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import orjson

from mock_server.clock import iso_utc
from mock_server.domain.faults import PathPattern
from mock_server.nesting import too_deep

DEFAULT_CAPACITY = 1000
BODY_LIMIT = 8 * 1024
REDACTED = "[redacted]"
# Keys whose values a body never shows, in requests and replies alike (compared in lower case).
_SECRET_KEYS = frozenset({"client_secret", "access_token", "refresh_token"})
# A JSON string token (maybe cut off at the end) or a run of anything else: text read token by token, in order.
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"?|[^"]+', re.DOTALL)
# Query keys whose values are masked anywhere; on the token endpoint every value but grant_type is masked.
_SECRET_WORDS = ("secret", "token", "password", "passwd", "key", "auth", "code", "credential")


def redact_headers(headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """Request headers as a dict; credentials in ``Authorization`` replaced, the scheme kept."""
    view: dict[str, str] = {}
    for raw_name, raw_value in headers:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        if name in ("authorization", "proxy-authorization"):
            scheme, _, credentials = value.partition(" ")
            value = f"{scheme} {REDACTED}" if credentials else REDACTED
        view[name] = f"{view[name]}, {value}" if name in view else value
    return view


def _text(raw: bytes) -> str:
    clipped = raw[:BODY_LIMIT]
    return clipped.decode("utf-8", errors="replace") + ("…" if len(raw) > BODY_LIMIT else "")


def _is_secret(key: str) -> bool:
    return key.lower() in _SECRET_KEYS


def _redact_in_place(document: Any) -> bool:
    """Replace the value of every secret key, at any depth; whether there was one."""
    found = False
    pending = [document]
    while pending:  # no recursion: orjson reads documents 1024 levels deep
        item = pending.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if _is_secret(key):
                    item[key] = REDACTED
                    found = True
                elif isinstance(value, dict | list):
                    pending.append(value)
        elif isinstance(item, list):
            pending.extend(value for value in item if isinstance(value, dict | list))
    return found


def _decoded(token: str) -> str:
    try:
        key = json.loads(token)
    except ValueError:
        return token
    return key if isinstance(key, str) else token


def _names_a_secret(text: str) -> bool:
    """Whether text that starts like JSON but is not a whole document has a secret key (a string before a colon)."""
    tokens = _JSON_TOKENS.findall(text)
    return any(
        token.startswith('"') and following.lstrip().startswith(":") and _is_secret(_decoded(token))
        for token, following in pairwise(tokens)
    )


def redact_body(raw: bytes) -> str:
    """A body as shown, with the value of every secret key redacted; keys count as parsed, never as raw bytes.

    A JSON document has its secret values replaced at any depth, however its keys are escaped. Any other body is
    read as a form, as the token endpoint reads one (``client%5Fsecret`` is ``client_secret``); and when it starts
    like JSON (a reply cut by the ``truncate`` fault, a malformed request), a secret key among its string tokens
    hides the whole body.
    """
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError:
        text = raw.decode("utf-8", errors="replace")
        if text.lstrip().startswith(("{", "[")) and _names_a_secret(text):
            return f"{REDACTED} ({len(raw)} bytes of cut or malformed JSON with a secret field)"
        pairs = parse_qsl(text, keep_blank_values=True)
        if any(_is_secret(key) for key, _ in pairs):
            return _text(urlencode([(key, REDACTED if _is_secret(key) else value) for key, value in pairs]).encode())
        return _text(raw)
    if not _redact_in_place(document):
        return _text(raw)
    try:
        return _text(orjson.dumps(document))
    except orjson.JSONEncodeError:  # orjson reads 1024 levels but writes only 254
        return f"{REDACTED} ({len(raw)} bytes of JSON with a secret field, nested too deep to rewrite)"


def redact_query(query_string: bytes, token_request: bool, mask: str = REDACTED) -> str:
    """A query string as shown: keys kept, values that may be secret replaced by ``mask``.

    Shared with the access log (``mock_server.access_log``), which masks with ``***``.
    """
    if not query_string:
        return ""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    shown = []
    for key, value in pairs:
        lowered = key.lower()
        secret = lowered != "grant_type" if token_request else any(word in lowered for word in _SECRET_WORDS)
        shown.append(f"{quote(key, safe='')}={mask if secret else quote(value, safe='')}")
    return "&".join(shown)


class JournalEntry:
    """One call, filed when it begins and filled in by the journal middleware as the reply goes out.

    While the call runs, its bodies grow in ``request_chunks`` and ``reply_chunks``; ``close()`` then keeps only plain
    values (bytes, numbers, the headers as one flat tuple of bytes): a finished entry holds nothing for the garbage
    collector to walk. With containers kept for the journal's last 1000 calls, gen-0 and gen-1 collections took 3 to
    4% of a create under load and stretched its p99 (``gc.callbacks`` timing).
    """

    __slots__ = (
        "_body",
        "_headers",
        "_headers_dropped",
        "_response_body",
        "_shown",
        "client_id",
        "duration",
        "fault",
        "id",
        "method",
        "path",
        "query",
        "reply_chunks",
        "request_chunks",
        "status",
        "time",
        "token_request",
        "violations",
        "warnings",
    )

    def __init__(
        self,
        time: float,
        method: str,
        path: str,
        query: bytes = b"",
        headers: Iterable[tuple[bytes, bytes]] = (),
        token_request: bool = False,
        request_chunks: list[bytes] | None = None,
        reply_chunks: list[bytes] | None = None,
    ) -> None:
        self.id = 0
        self.time = time
        self.method = method
        # What the server let through, up to the limit of what is shown: httptools takes megabytes of headers.
        self.path = path if len(path) <= BODY_LIMIT else path[:BODY_LIMIT] + "…"
        self.query = query[:BODY_LIMIT]
        self.token_request = token_request
        # The client the call is filed under: auth's, or on the token endpoint the one its credentials name.
        self.client_id: str | None = None
        self.fault: str | None = None
        # The contract violations ``apidaze-mock proxy`` found in the call (rendered records); None on the emulator.
        self.violations: tuple[dict[str, str | None], ...] | None = None
        # What the API let pass that KPN's contract does not offer (http.warn), for the user to see.
        self.warnings: tuple[str, ...] = ()
        self.status: int | None = None
        self.duration: float | None = None
        self._headers: tuple[bytes, ...] = tuple(chain.from_iterable(headers))
        self._headers_dropped = 0
        if sum(map(len, self._headers)) > BODY_LIMIT:
            self._clip_headers()
        # The bodies while the call runs, as the journal middleware collects them; None once closed.
        self.request_chunks: list[bytes] | None = [] if request_chunks is None else request_chunks
        self.reply_chunks: list[bytes] | None = [] if reply_chunks is None else reply_chunks
        self._body = b""
        self._response_body = b""
        self._shown = 0

    def _clip_headers(self) -> None:
        """Keep the first :data:`BODY_LIMIT` bytes of names and values (a value cut short ends in ``...``)."""
        kept: list[bytes] = []
        room = BODY_LIMIT
        pairs = self.headers
        for name, value in pairs:
            if room <= len(name):
                break
            kept += [name, value if len(name) + len(value) <= room else value[: room - len(name)] + b"..."]
            room -= len(name) + len(value)
        self._headers_dropped = len(pairs) - len(kept) // 2
        self._headers = tuple(kept)

    def close(self, duration: float) -> None:
        """The call is over: keep the duration (unless the reply's end set it) and only what is shown of the bodies.

        A body within :data:`BODY_LIMIT` stays as bytes, redacted when someone reads it; a longer one is redacted
        now and only the text shown is kept, so the journal's memory is bounded by what it shows.
        """
        if self.duration is None:
            self.duration = duration
        if self.request_chunks is None:
            return
        body, reply = self.body, self.response_body
        # Which of the two is kept as shown (UTF-8 text), as bits: a flag, not a wrapper the collector would track.
        self._shown = (len(body) > BODY_LIMIT) | (len(reply) > BODY_LIMIT) << 1
        self._body, self._response_body = _kept(body), _kept(reply)
        self.request_chunks = self.reply_chunks = None

    @property
    def headers(self) -> list[tuple[bytes, bytes]]:
        flat = self._headers
        return list(zip(flat[::2], flat[1::2], strict=True))

    @property
    def headers_dropped(self) -> int:
        """How many headers past the limit were not kept."""
        return self._headers_dropped

    @property
    def body(self) -> bytes:
        """The request body as received; once closed and over the limit, the text shown of it, in UTF-8."""
        chunks = self.request_chunks
        return self._body if chunks is None else b"".join(chunks)

    @property
    def response_body(self) -> bytes:
        """The reply body, as :attr:`body`."""
        chunks = self.reply_chunks
        return self._response_body if chunks is None else b"".join(chunks)

    def shown_body(self) -> str:
        """The request body as the journal shows it: secrets redacted, cut to the limit."""
        return self.body.decode() if self._shown & 1 else redact_body(self.body)

    def shown_response_body(self) -> str:
        """The reply body as the journal shows it."""
        return self.response_body.decode() if self._shown & 2 else redact_body(self.response_body)


def _kept(body: bytes) -> bytes:
    return body if len(body) <= BODY_LIMIT else redact_body(body).encode()


def _headers_view(entry: JournalEntry) -> dict[str, str]:
    view = redact_headers(entry.headers)
    if entry.headers_dropped:
        # "…" is no header name (not an HTTP token), so it cannot hide one that was sent.
        view["…"] = f"{entry.headers_dropped} more headers, not kept"
    return view


def render(entry: JournalEntry) -> dict[str, Any]:
    """A recorded call as the control plane shows it (with ``violations`` when the proxy recorded it)."""
    duration = entry.duration
    view: dict[str, Any] = {
        "id": entry.id,
        "time": iso_utc(entry.time),
        "client_id": entry.client_id,
        "method": entry.method,
        "path": entry.path,
        "query": redact_query(entry.query, entry.token_request),
        "headers": _headers_view(entry),
        "body": entry.shown_body(),
        "status": entry.status,
        "response_body": entry.shown_response_body(),
        "duration_ms": None if duration is None else round(duration * 1000, 3),
        "fault": entry.fault,
        "warnings": list(entry.warnings),
    }
    if entry.violations is not None:
        view["violations"] = [dict(violation) for violation in entry.violations]
    whole = len(entry.body) <= BODY_LIMIT
    view["form"], view["json"] = (
        parsed_body(view["headers"].get("content-type", ""), view["body"]) if whole else (None, None)
    )
    return view


def parsed_body(content_type: str, shown: str) -> tuple[dict[str, str] | None, Any]:
    """The shown (redacted) request body read as its content type says: ``(form, None)``, ``(None, json)`` or neither.

    A form is a flat dict (a repeated field keeps its last value); a body that does not parse, was cut at
    :data:`BODY_LIMIT` or nests deeper than the API reads (:data:`~mock_server.nesting.MAX_JSON_DEPTH`), is neither.
    """
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/x-www-form-urlencoded":
        try:
            return dict(parse_qsl(shown, keep_blank_values=True, strict_parsing=bool(shown))), None
        except ValueError:
            return None, None
    if media == "application/json" or (media.startswith("application/") and media.endswith("+json")):
        try:
            document = json.loads(shown)
        except (RecursionError, ValueError):
            return None, None
        return None, None if too_deep(document) else document
    return None, None


def _view_matches(
    view: dict[str, Any],
    body: str | Mapping[str, Any] | None,
    query: Mapping[str, str] | None,
    headers: Mapping[str, str] | None,
) -> bool:
    """The filters on what a call carried, read from its shown (redacted) view: secrets match nothing."""
    if isinstance(body, str) and body not in view["body"]:
        return False
    if isinstance(body, Mapping):
        fields = view["form"] if view["form"] is not None else view["json"]
        if not isinstance(fields, dict) or any(fields.get(key, _ABSENT) != value for key, value in body.items()):
            return False
    if query:
        pairs = dict(parse_qsl(view["query"], keep_blank_values=True))
        if any(pairs.get(key, _ABSENT) != value for key, value in query.items()):
            return False
    if headers:
        shown = view["headers"]
        if any(shown.get(name.lower(), _ABSENT) != value for name, value in headers.items()):
            return False
    return True


_ABSENT = object()


class Journal:
    """The last ``capacity`` calls of the emulated API."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY, api_prefix: str = "") -> None:
        if capacity < 1:
            raise ValueError("journal capacity must be at least 1")
        self.capacity = capacity
        # Path filters are fault-rule patterns, relative to the API's prefix as in the fault plan.
        self.api_prefix = api_prefix
        self._entries: deque[JournalEntry] = deque(maxlen=capacity)
        self.next_id = 1

    def record(self, entry: JournalEntry) -> None:
        """Keep one call (filed when it begins; the caller fills in the reply); the oldest falls out when full."""
        entry.id = self.next_id
        self.next_id += 1
        self._entries.append(entry)

    def __len__(self) -> int:
        return len(self._entries)

    def entries(
        self,
        *,
        client_id: str | None = None,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        limit: int | None = None,
        body: str | Mapping[str, Any] | None = None,
        query: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> list[dict[str, Any]]:
        """Recorded calls, newest first, that match every filter given.

        ``path`` is a fault-rule pattern. ``body`` is text the shown body contains, or fields its parsed ``form`` or
        ``json`` has with these values; ``query`` and ``headers`` are names (headers: any case) with the values the
        call had. Values are compared as shown, so a redacted secret matches nothing but ``[redacted]``.
        """
        found: list[dict[str, Any]] = []
        for view in self._matching(client_id, method, path, status):
            if limit is not None and len(found) >= limit:
                break
            if _view_matches(view, body, query, headers):
                found.append(view)
        return found

    def _matching(
        self, client_id: str | None, method: str | None, path: str | None, status: int | None
    ) -> Iterator[dict[str, Any]]:
        pattern = PathPattern(path, self.api_prefix) if path else None
        wanted_method = method.upper() if method else None
        # A copy (one C call, atomic under the GIL): the server thread may file calls while a test reads.
        for entry in reversed(list(self._entries)):
            if wanted_method is not None and entry.method != wanted_method:
                continue
            if status is not None and entry.status != status:
                continue
            if pattern is not None and not pattern.matches(entry.path):
                continue
            if client_id is not None and entry.client_id != client_id:
                continue
            yield render(entry)

    def clear(self, client_id: str | None = None) -> None:
        """Forget every call (ids start again from 1), or those of one client."""
        if client_id is None:
            self._entries.clear()
            self.next_id = 1
            return
        kept = [entry for entry in self._entries if entry.client_id != client_id]
        self._entries.clear()
        self._entries.extend(kept)
