"""The request journal: what clients sent to the emulated API and what they got back, newest first.

It is bounded: it keeps the last :data:`DEFAULT_CAPACITY` calls (``create_app(journal_size=...)`` changes that) and
forgets older ones, and it keeps at most :data:`BODY_LIMIT` bytes of each body. Recording is a cheap dict append;
decoding, redaction and filtering happen only when someone reads the journal.

Secrets never leave it: the ``Authorization`` header keeps its scheme but not its credentials, ``client_secret`` in
a request body and ``access_token``/``refresh_token`` in a response body read ``[redacted]``.
"""

from __future__ import annotations

import base64
import json
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode

from mock_server.clock import iso_utc
from mock_server.domain.faults import path_pattern

DEFAULT_CAPACITY = 1000
BODY_LIMIT = 8 * 1024
REDACTED = "[redacted]"
_SECRET_FIELDS = ("client_secret",)
_SECRET_REPLY_FIELDS = ("access_token", "refresh_token")


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


def redact_request_body(raw: bytes) -> str:
    """A request body as text, with ``client_secret`` redacted in a form or JSON body."""
    if not any(field.encode() in raw for field in _SECRET_FIELDS):
        return _text(raw)
    try:
        document = json.loads(raw)
    except ValueError:
        pairs = parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True)
        return _text(urlencode([(k, REDACTED if k in _SECRET_FIELDS else v) for k, v in pairs]).encode())
    if isinstance(document, dict):
        document = {k: REDACTED if k in _SECRET_FIELDS else v for k, v in document.items()}
        return _text(json.dumps(document).encode())
    return _text(raw)


def redact_response_body(raw: bytes) -> str:
    """A reply body as text, with tokens redacted in a JSON object."""
    if not any(field.encode() in raw for field in _SECRET_REPLY_FIELDS):
        return _text(raw)
    try:
        document = json.loads(raw)
    except ValueError:
        return REDACTED
    if isinstance(document, dict):
        document = {k: REDACTED if k in _SECRET_REPLY_FIELDS else v for k, v in document.items()}
    return _text(json.dumps(document).encode())


def basic_client_id(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The client id of an HTTP Basic ``Authorization`` header (token requests), never its secret."""
    for name, value in headers:
        if name == b"authorization" and value[:6].lower() == b"basic ":
            try:
                decoded = base64.b64decode(value[6:].strip(), validate=True).decode("utf-8")
            except ValueError:
                return None
            return decoded.partition(":")[0] or None
    return None


def form_client_id(raw: bytes) -> str | None:
    if b"client_id" not in raw:
        return None
    for key, value in parse_qsl(raw.decode("utf-8", errors="replace")):
        if key == "client_id":
            return value
    return None


def render(entry: dict[str, Any]) -> dict[str, Any]:
    """A recorded call as the control plane shows it.

    ``entry["scope"]`` is the call's ASGI scope: client and fault are read from it here, so an entry filed when the
    call began shows what auth and the fault plan decided later, even for a connection that was cut.
    """
    scope = entry["scope"]
    headers = scope["headers"]
    client_id = scope.get("apidaze.client_id")
    if client_id is None and entry["token_request"]:
        client_id = basic_client_id(headers) or form_client_id(b"".join(entry["body"]))
    duration = entry["duration"]
    return {
        "id": entry["id"],
        "time": iso_utc(entry["time"]),
        "client_id": client_id,
        "method": scope["method"],
        "path": scope["path"],
        "query": scope["query_string"].decode("latin-1"),
        "headers": redact_headers(headers),
        "body": redact_request_body(b"".join(entry["body"])),
        "status": entry["status"],
        "response_body": redact_response_body(b"".join(entry["response_body"])),
        "duration_ms": None if duration is None else round(duration * 1000, 3),
        "fault": scope.get("apidaze.fault"),
    }


class Journal:
    """The last ``capacity`` calls of the emulated API."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError("journal capacity must be at least 1")
        self.capacity = capacity
        self._entries: deque[dict[str, Any]] = deque(maxlen=capacity)
        self.next_id = 1

    def record(self, entry: dict[str, Any]) -> None:
        """Keep one call (filed when it begins; the caller fills in the reply); the oldest falls out when full."""
        entry["id"] = self.next_id
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
        api_prefix: str = "",
    ) -> list[dict[str, Any]]:
        """Recorded calls, newest first, that match every filter given; ``path`` is a fault-rule pattern."""
        found: list[dict[str, Any]] = []
        for view in self._matching(client_id, method, path, status, api_prefix):
            if limit is not None and len(found) >= limit:
                break
            found.append(view)
        return found

    def _matching(
        self, client_id: str | None, method: str | None, path: str | None, status: int | None, api_prefix: str
    ) -> Iterator[dict[str, Any]]:
        pattern = path_pattern(path, api_prefix) if path else None
        wanted_method = method.upper() if method else None
        # A copy (one C call, atomic under the GIL): the server thread may file calls while a test reads.
        for entry in reversed(list(self._entries)):
            scope = entry["scope"]
            if wanted_method is not None and scope["method"] != wanted_method:
                continue
            if status is not None and entry["status"] != status:
                continue
            if pattern is not None and pattern.fullmatch(scope["path"]) is None:
                continue
            view = render(entry)
            if client_id is not None and view["client_id"] != client_id:
                continue
            yield view

    def clear(self, client_id: str | None = None) -> None:
        """Forget every call (ids start again from 1), or those of one client."""
        if client_id is None:
            self._entries.clear()
            self.next_id = 1
            return
        kept = [entry for entry in self._entries if render(entry)["client_id"] != client_id]
        self._entries.clear()
        self._entries.extend(kept)
