"""A proxy in front of an upstream, each served by uvicorn on a free port of 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from mock_server.proxy.app import Proxy
from mock_server.proxy.upstream import Upstream
from mock_server.serving import ServerThread
from tests.http.default_seed import CLIENT_ID, CLIENT_SECRET, TOKEN

API = "/communication/apidaze/cpaas"


@contextmanager
def serve_proxy(
    upstream_url: str, *, upstream: dict[str, Any] | None = None, **options: Any
) -> Iterator[tuple[str, Proxy]]:
    """A proxy in front of ``upstream_url``; its upstream connections closed at the end.

    ``upstream`` holds :class:`Upstream` options (plain http is allowed unless it says otherwise).
    """
    proxy = Proxy(Upstream(upstream_url, **{"allow_http": True, "timeout": 10.0, **(upstream or {})}), **options)
    server = ServerThread(proxy)
    try:
        yield server.start(), proxy
    finally:
        closing = server.submit(proxy.aclose())
        if closing is not None:
            closing.result(5)
        server.stop()


def login(http: httpx.Client, client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> dict[str, str]:
    reply = http.post(TOKEN, data={"client_id": client_id, "client_secret": secret})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


@pytest.fixture
def client() -> Iterator[Callable[[str], httpx.Client]]:
    """An httpx client for a base URL, closed after the test."""
    opened: list[httpx.Client] = []

    def make(base_url: str) -> httpx.Client:
        opened.append(httpx.Client(base_url=base_url, timeout=10))
        return opened[-1]

    yield make
    for http in opened:
        http.close()
