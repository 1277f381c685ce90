"""The five quota headers keep their values and order now that the unchanging ones are built once."""

from __future__ import annotations

import asyncio
import re

from mock_server.app import create_app
from mock_server.clock import Clock
from mock_server.paths import API_PREFIX, TOKEN_PATH
from tests.asgi_call import call


def _quota(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    return [(name, value) for name, value in headers if name.startswith(b"quota-")]


def test_quota_headers_count_up_and_keep_their_order() -> None:
    clock = Clock()
    clock.set(1568217010.0, freeze=True)  # 2019-09-11T15:50:10Z
    app = create_app(clock=clock)
    form = b"client_id=throttled-client&client_secret=throttled-secret"
    form_type = (b"content-type", b"application/x-www-form-urlencoded")

    async def scenario() -> list[list[tuple[bytes, bytes]]]:
        status, _, body = await call(app, "POST", TOKEN_PATH + "?grant_type=client_credentials", [form_type], form)
        assert status == 200
        token = re.search(rb'"access_token":"(\w+)"', body)
        assert token is not None
        bearer = (b"authorization", b"Bearer " + token.group(1))
        seen = []
        for _ in range(2):
            status, headers, _ = await call(app, "GET", API_PREFIX + "/sipaccounts", [bearer])
            assert status == 200
            seen.append(_quota(headers))
        return seen

    first, second = asyncio.run(scenario())
    window = [
        (b"quota-interval", b"1"),
        (b"quota-time-unit", b"minute"),
        (b"quota-limit", b"10"),
    ]
    assert first == [*window, (b"quota-used", b"1"), (b"quota-reset-utc", b"2019-09-11T15:51:00Z")]
    assert second == [*window, (b"quota-used", b"2"), (b"quota-reset-utc", b"2019-09-11T15:51:00Z")]


def test_cors_headers_with_and_without_origin() -> None:
    app = create_app()  # no token: 401s, which carry the standard headers too

    async def scenario() -> tuple[list[tuple[bytes, bytes]], list[tuple[bytes, bytes]]]:
        _, plain, _ = await call(app, "GET", API_PREFIX + "/sipaccounts", [])
        _, echoed, _ = await call(app, "GET", API_PREFIX + "/sipaccounts", [(b"origin", b"http://app.local")])
        return plain, echoed

    plain, echoed = asyncio.run(scenario())
    assert (b"access-control-allow-origin", b"*") in plain
    assert not any(name == b"vary" for name, _ in plain)
    assert echoed[-2:] == [(b"access-control-allow-origin", b"http://app.local"), (b"vary", b"Origin")]
    # The shared list of headers for calls without an Origin is never changed by a call with one.
    _, again, _ = asyncio.run(call(app, "GET", API_PREFIX + "/sipaccounts", []))
    assert again == plain
