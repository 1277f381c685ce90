"""A control-plane crash answers 500 and keeps a kept-alive connection: the client's next pooled request is served.

Before the errors middleware, an exception in the control plane reached uvicorn, which closed the connection
without ``Connection: close``: the client's next request on it met a reset. This holds that shut with a body in
play, read or not when the crash comes (uvicorn must drain what the app left unread).
"""

from __future__ import annotations

import json
import socket

import pytest

from mock_server.testing import ApidazeMock
from tests.wire.test_answers_on_the_wire import read_answer, where


@pytest.mark.apidaze_mock(expect_server_errors=True)
@pytest.mark.parametrize("crash_in", ["mock_server.http.read_body", "mock_server.domain.fault_plan.FaultPlan.add"])
def test_a_control_plane_crash_with_a_body_keeps_the_connection(
    mock: ApidazeMock, monkeypatch: pytest.MonkeyPatch, crash_in: str
) -> None:
    def explode(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(crash_in, explode)
    body = json.dumps({"path": "/sipaccounts", "status": 503}).encode()
    request = (
        b"POST /__admin/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    with (
        socket.create_connection(where(mock.base_url), timeout=5) as connection,
        connection.makefile("rb") as reader,
    ):
        for _ in range(2):
            connection.sendall(request)
            status, headers, answer = read_answer(reader)
            assert status.startswith(b"HTTP/1.1 500 ")
            assert json.loads(answer)["name"] == "InternalServerError"
            assert ("connection", "close") not in [(name.lower(), value) for name, value in headers]
        connection.sendall(b"GET /__admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert read_answer(reader)[0].startswith(b"HTTP/1.1 200 ")
    assert [error.error for error in mock.server_errors] == ["RuntimeError: boom"] * 2
