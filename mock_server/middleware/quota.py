"""Counts each authenticated API call against its client's quota: five ``quota-*`` headers, or 429."""

from __future__ import annotations

from collections.abc import Awaitable
from functools import lru_cache

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.clock import Clock, iso_utc
from mock_server.domain.clients import Client, QuotaPolicy
from mock_server.domain.quota import QuotaBook, QuotaState
from mock_server.errors import QuotaExceeded, SpikeArrest
from mock_server.http import error_response


# Only quota-used changes from call to call: a policy's three headers are made once per policy and the reset header
# once per window (a minute or more), not on every call.
@lru_cache(maxsize=256)
def _policy_headers(policy: QuotaPolicy) -> tuple[tuple[bytes, bytes], ...]:
    return (
        (b"quota-interval", str(policy.interval).encode()),
        (b"quota-time-unit", policy.time_unit.encode()),
        (b"quota-limit", str(policy.limit).encode()),
    )


@lru_cache(maxsize=256)
def _reset_header(reset_at: float) -> tuple[bytes, bytes]:
    return (b"quota-reset-utc", iso_utc(reset_at, millis=False).encode())


def quota_headers(state: QuotaState) -> list[tuple[bytes, bytes]]:
    """The five ``quota-*`` headers of a call, in this order, as raw ASGI header pairs.

    Names go out in lower case, as uvicorn writes every header name (KPN's pages spell ``quota-reset-UTC``; HTTP
    header names are case-insensitive, see docs/decisions.md).
    """
    return [*_policy_headers(state.policy), (b"quota-used", str(state.used).encode()), _reset_header(state.reset_at)]


class QuotaMiddleware:
    def __init__(self, app: ASGIApp, book: QuotaBook, clock: Clock) -> None:
        self.app = app
        self.book = book
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client: Client | None = scope.get("apidaze.client")
        if scope["type"] != "http" or client is None:
            await self.app(scope, receive, send)
            return
        policy = client.quota
        state = self.book.hit(client.client_id, policy, self.clock.now())
        headers = quota_headers(state)

        def send_with_quota(message: Message) -> Awaitable[None]:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).raw.extend(headers)
            return send(message)

        if state.allowed:
            await self.app(scope, receive, send_with_quota)
            return
        error_type = SpikeArrest if state.spike else QuotaExceeded
        limit = (
            f"{policy.spike_per_second} calls per second"
            if state.spike
            else f"{policy.limit} calls per {policy.interval} {policy.time_unit}(s)"
        )
        error = error_type(
            info=f"limit {limit}; retry after {state.retry_after} s",
            headers={"Retry-After": str(state.retry_after)},
        )
        await error_response(error, scope)(scope, receive, send_with_quota)
