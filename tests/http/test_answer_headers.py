"""Where each layer's headers land on an answer: the answer's own, then quota's, then KPN's and CORS.

Each layer adds its own in its own send wrapper, so quota on its own adds them too.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

import orjson
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from mock_server.app import create_app
from mock_server.clock import Clock
from mock_server.domain.clients import Client, QuotaPolicy
from mock_server.domain.quota import QuotaBook
from mock_server.middleware.headers import STATIC_HEADERS
from mock_server.middleware.quota import QuotaMiddleware
from mock_server.paths import API_PREFIX, TOKEN_PATH
from tests.asgi_call import call

QUOTA_NAMES = [b"quota-interval", b"quota-time-unit", b"quota-limit", b"quota-used", b"quota-reset-utc"]


def test_an_api_answer_lists_its_own_then_quota_then_kpn_headers() -> None:
    app = create_app()
    client = app.state.clients.all()[0]
    form = urlencode({"client_id": client.client_id, "client_secret": client.client_secret}).encode()
    form_type = [(b"content-type", b"application/x-www-form-urlencoded")]
    _, _, body = asyncio.run(call(app, "POST", f"{TOKEN_PATH}?grant_type=client_credentials", form_type, form))
    token = orjson.loads(body)["access_token"]
    status, headers, _ = asyncio.run(
        call(app, "GET", API_PREFIX + "/sipaccounts", [(b"authorization", f"Bearer {token}".encode())])
    )
    names = [name for name, _ in headers]
    assert status == 200
    assert names == [
        b"content-length",
        b"content-type",
        *QUOTA_NAMES,
        *(name for name, _ in STATIC_HEADERS),
        b"access-control-allow-origin",
    ]
    assert dict(headers)[b"quota-used"] == b"1"


def test_quota_middleware_on_its_own_still_adds_its_headers() -> None:
    async def answer(scope: Scope, receive: Receive, send: Send) -> None:
        await Response(b"ok", headers={"x-own": "1"})(scope, receive, send)

    async def with_client(scope: Scope, receive: Receive, send: Send) -> None:
        scope["apidaze.client"] = Client("solo", "secret", "solo.example", QuotaPolicy(limit=5))
        await QuotaMiddleware(answer, QuotaBook(), Clock())(scope, receive, send)

    status, headers, body = asyncio.run(call(with_client, "GET", "/x", []))
    assert (status, body) == (200, b"ok")
    assert [name for name, _ in headers][-5:] == QUOTA_NAMES
    assert dict(headers)[b"quota-limit"] == b"5"
