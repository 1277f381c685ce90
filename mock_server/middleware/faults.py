"""Applies the fault plan to calls of the emulated API (the token endpoint included), after quota.

When no rule is live and no chaos is on, ``plan.armed`` is false and a call passes with one attribute read.

A delayed call whose client hangs up during the wait is abandoned, not carried out: a client that timed out
must not change the state a later test starts from. (``truncate`` is the fault for "done, but the reply lost".)
"""

from __future__ import annotations

import anyio
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.connections import can_cut, cut
from mock_server.domain.fault_plan import FaultPlan
from mock_server.domain.faults import Fault
from mock_server.errors import FaultUnavailable, error_body
from mock_server.http import JSONResponse, error_response, transaction_id


class FaultsMiddleware:
    def __init__(self, app: ASGIApp, plan: FaultPlan) -> None:
        self.app = app
        self.plan = plan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.plan.armed:
            await self.app(scope, receive, send)
            return
        fault = self.plan.pick(scope["method"], scope["path"], scope.get("apidaze.client_id"))
        if fault is None:
            await self.app(scope, receive, send)
            return
        scope["apidaze.fault"] = fault.label()
        if fault.delay_seconds:
            waited = await _wait(fault.delay_seconds, receive)
            if waited is None:
                return
            receive = waited
        if fault.action == "status":
            await _error_reply(fault, scope)(scope, receive, send)
        elif fault.action == "drop":
            if not await cut(scope, reset=True):
                await _unavailable(fault.label(), scope, receive, send)
        elif fault.action == "truncate":
            await self._truncated(scope, receive, send)
        elif fault.action == "respond":
            await Response(fault.body, fault.status, headers=dict(fault.headers))(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _truncated(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not can_cut(scope):
            await _unavailable(scope["apidaze.fault"], scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, hold)
        assert start is not None
        body = b"".join(chunks)
        # The headers still promise the whole body (Content-Length), so the client notices what is missing.
        await send(start)
        await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
        await cut(scope, reset=False)


async def _wait(seconds: float, receive: Receive) -> Receive | None:
    """Wait ``seconds`` while watching for the client to hang up; None if it did.

    Watching means reading: any body read meanwhile is held and handed to the app afterwards, in order.
    """
    held: list[Message] = []
    with anyio.move_on_after(seconds):
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            held.append(message)

    async def replay() -> Message:
        return held.pop(0) if held else await receive()

    return replay


async def _unavailable(label: str, scope: Scope, receive: Receive, send: Send) -> None:
    error = FaultUnavailable(info=f"apidaze-mock {label}: this server gives no way to cut a connection")
    await error_response(error, scope)(scope, receive, send)


def _error_reply(fault: Fault, scope: Scope) -> JSONResponse:
    message = fault.message or f"Injected fault: {fault.status} {fault.name}."
    headers = {"Retry-After": str(fault.retry_after)} if fault.status in (429, 503) else {}
    body = error_body(fault.status, fault.name, message, f"apidaze-mock {fault.label()}", transaction_id(scope))
    return JSONResponse(body, fault.status, headers=headers)
