"""The proxy's request path: read the call, check it, forward it, check the answer, record it, send it back.

Both directions go through unchanged: the proxy reports what breaks the contract, it never repairs it. Only with
``fail_on`` does a violation change what the client gets: a 502 ``ContractViolation`` naming each broken rule, in
place of forwarding a request that breaks the contract (``request``) or of an answer that does (``answer``).

The journal middleware outside this app files the call as the client saw it; this app leaves its findings in the
scope for it: the caller's client id (``apidaze.client_id``) and the violations (``apidaze.violations``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.types import Receive, Scope, Send

from mock_server.errors import ApiError, ContractViolation
from mock_server.http import error_response, read_body
from mock_server.paths import TOKEN_PATH
from mock_server.proxy.callers import Callers, named_client
from mock_server.proxy.checks import check_answer, check_request
from mock_server.proxy.recorder import Recorder
from mock_server.proxy.upstream import Upstream
from mock_server.proxy.violations import Violation, ViolationLog

log = logging.getLogger("apidaze_mock.proxy")

# The largest request body passed on: KPN's gateway refuses bodies over 64 KiB itself; this only bounds memory.
MAX_REQUEST_BYTES = 1024 * 1024
SIDES = ("request", "answer")
# Violations named in a ContractViolation's message; info names them all.
_SHOWN = 3


def _first_values(headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """Lower-case names to values; the first value of a repeated header."""
    found: dict[str, str] = {}
    for name, value in headers:
        found.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
    return found


def _json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


def _violation_error(violations: Sequence[Violation]) -> ContractViolation:
    shown = "; ".join(str(violation) for violation in violations[:_SHOWN])
    more = f" (and {len(violations) - _SHOWN} more)" if len(violations) > _SHOWN else ""
    return ContractViolation(
        f"apidaze-mock proxy --fail-on-violation: {shown}{more}",
        info="; ".join(f"{violation.side} {violation.location}: {violation.rule}" for violation in violations),
    )


class ForwardApp:
    def __init__(
        self,
        upstream: Upstream,
        violations: ViolationLog,
        callers: Callers,
        recorder: Recorder | None = None,
        fail_on: Iterable[str] = (),
    ) -> None:
        self.upstream = upstream
        self.violations = violations
        self.callers = callers
        self.recorder = recorder
        self.fail_on = frozenset(fail_on)
        if not self.fail_on <= set(SIDES):
            raise ValueError(f"fail_on takes {' and '.join(SIDES)}, not {sorted(self.fail_on)}")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"  # served with WebSockets and lifespan off
        method, path = scope["method"], scope["path"]
        try:
            body = await read_body(Request(scope, receive), MAX_REQUEST_BYTES)
        except ClientDisconnect:
            return
        except ApiError as error:
            await error_response(error, scope)(scope, receive, send)
            return
        headers = _first_values(scope["headers"])
        check = check_request(method, path, scope["query_string"], headers, body)
        named = named_client(headers, body) if path == TOKEN_PATH else self.callers.bearer(headers)
        scope["apidaze.client_id"] = named
        violations = list(check.violations)
        if violations and "request" in self.fail_on:
            self._file(scope, None, violations)
            await error_response(_violation_error(violations), scope)(scope, receive, send)
            return
        raw_path: bytes = scope.get("raw_path") or path.encode()
        try:
            answer = await self.upstream.forward(method, raw_path, scope["query_string"], scope["headers"], body)
        except ApiError as error:
            self._file(scope, None, violations)
            await error_response(error, scope)(scope, receive, send)
            return
        operation = check.operation
        if operation is not None:
            answer_headers = _first_values(answer.headers)
            violations += check_answer(operation, answer.status, answer_headers, answer.body)
            document = _json(answer.body)
            if path == TOKEN_PATH and answer.status == 200:
                scope["apidaze.client_id"] = self.callers.learn(document, named) or named
            if self.recorder is not None:
                client_id = scope["apidaze.client_id"]
                self.recorder.observe(
                    client_id, operation.operation_id, check.params, answer.status, answer_headers, document
                )
        self._file(scope, answer.status, violations)
        broken = [violation for violation in violations if violation.side == "answer"]
        if broken and "answer" in self.fail_on:
            await error_response(_violation_error(broken), scope)(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
        await send({"type": "http.response.body", "body": answer.raw})

    def _file(self, scope: Scope, status: int | None, violations: list[Violation]) -> None:
        """Count the call's violations, log them, and leave them for the journal entry."""
        method, path = scope["method"], scope["path"]
        scope["apidaze.violations"] = tuple(violation.as_dict() for violation in violations)
        self.violations.record(method, path, status, violations)
        for violation in violations:
            log.warning("contract violation on %s %s: %s", method, path, violation)
