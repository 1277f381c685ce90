"""Calling an ASGI app in-process with raw headers, without a test client: exactly the messages a server sends."""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message


async def call(app: ASGIApp, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes = b"") -> Any:
    """Status, raw response headers and body of one request (``Host: testserver`` unless ``headers`` say a host,
    or say ``(b"host", b"")`` for none at all)."""
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": _with_host(headers),
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    messages: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        messages.append(message)

    await app(scope, receive, send)
    return messages[0]["status"], messages[0]["headers"], b"".join(m.get("body", b"") for m in messages[1:])


def _with_host(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    named = [value for name, value in headers if name == b"host"]
    if not named:
        return [(b"host", b"testserver"), *headers]
    return [(name, value) for name, value in headers if name != b"host" or value]
