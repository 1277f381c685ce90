"""Whole answers over real sockets: kept-alive connections, half-closing clients, the contract's headers once each.

The directory's served emulators (``conftest.py``: one per event loop) on 127.0.0.1, on uvicorn's stock protocol.
"""

from __future__ import annotations

import json
import socket
from typing import BinaryIO
from urllib.parse import urlsplit

import pytest

from mock_server.testing import ApidazeMock

ACCOUNTS = "/communication/apidaze/cpaas/sipaccounts"


def where(base_url: str) -> tuple[str, int]:
    address = urlsplit(base_url)
    assert address.hostname is not None
    assert address.port is not None
    return address.hostname, address.port


def read_answer(reader: BinaryIO) -> tuple[bytes, list[tuple[str, str]], bytes]:
    """One answer off a kept-alive connection: its status line, its headers as sent, its body."""
    status = reader.readline()
    headers: list[tuple[str, str]] = []
    while (line := reader.readline()) != b"\r\n":
        name, _, value = line.decode().partition(":")
        headers.append((name, value.strip()))
    length = next(value for name, value in headers if name.lower() == "content-length")
    return status, headers, reader.read(int(length))


def test_a_real_client_reads_whole_answers_over_a_kept_alive_socket(mock: ApidazeMock) -> None:
    with (
        socket.create_connection(where(mock.base_url), timeout=5) as connection,
        connection.makefile("rb") as reader,
    ):
        for _ in range(3):
            connection.sendall(f"GET {ACCOUNTS} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            status, _, body = read_answer(reader)
            assert status.startswith(b"HTTP/1.1 401 ")
            assert json.loads(body)["name"] == "MissingToken"


def test_the_contracts_headers_reach_the_wire_once_each_with_or_without_an_origin(mock: ApidazeMock) -> None:
    with (
        socket.create_connection(where(mock.base_url), timeout=5) as connection,
        connection.makefile("rb") as reader,
    ):
        token = mock.token()
        for origin in ("", "Origin: https://app.example\r\n"):
            request = f"GET {ACCOUNTS} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n{origin}\r\n"
            connection.sendall(request.encode())
            status, headers, body = read_answer(reader)
            assert status.startswith(b"HTTP/1.1 200 ")
            assert json.loads(body) == []
            names = [name for name, _ in headers]
            values = {name.lower(): value for name, value in headers}
            # Each once, in lower case as uvicorn writes every name.
            expected = {"api-version", "sunset", "strict-transport-security", "access-control-allow-origin"}
            expected |= {"quota-limit", "quota-used", "quota-reset-utc", "content-type", "date"}
            assert expected <= set(names), (origin, names)
            assert len(names) == len({name.lower() for name in names}), names  # none twice
            assert values["access-control-allow-origin"] == ("https://app.example" if origin else "*")
            assert values["quota-used"] == ("1" if not origin else "2")


def read_to_the_end(base_url: str, request: bytes) -> bytes:
    """Send ``request``, close our side (the server reads end of input), and read until the server closes."""
    received = b""
    with socket.create_connection(where(base_url), timeout=5) as connection:
        connection.sendall(request)
        connection.shutdown(socket.SHUT_WR)
        while chunk := connection.recv(65536):
            received += chunk
    return received


def test_a_client_that_half_closes_after_its_request_gets_the_whole_answer(mock: ApidazeMock) -> None:
    bearer = f"Authorization: Bearer {mock.token()}\r\n"
    for method, path in [("HEAD", ACCOUNTS), ("GET", ACCOUNTS), ("HEAD", "/docs"), ("GET", "/openapi.json")]:
        answer = read_to_the_end(mock.base_url, f"{method} {path} HTTP/1.1\r\nHost: x\r\n{bearer}\r\n".encode())
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 "), (method, path, answer[:80])
        if method == "GET":
            length = next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
            assert len(body) == int(length.partition(b":")[2])


def test_a_truncated_answer_to_head_still_brings_its_headers(mock: ApidazeMock) -> None:
    token = mock.token()
    mock.faults.add(path="/sipaccounts", action="truncate", times=1)
    answer = read_to_the_end(
        mock.base_url, f"HEAD {ACCOUNTS} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n".encode()
    )
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert answer.endswith(b"\r\n\r\n")


@pytest.mark.apidaze_mock(expect_server_errors=True)
@pytest.mark.parametrize("path", [ACCOUNTS, "/__admin/clients"])
def test_a_crash_answers_500_and_keeps_the_connection_for_the_next_request(
    mock: ApidazeMock, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    def explode(*args: object) -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setattr("mock_server.domain.sip_accounts.SipAccountStore.list", explode)
    monkeypatch.setattr("mock_server.domain.clients.ClientRegistry.all", explode)
    with (
        socket.create_connection(where(mock.base_url), timeout=5) as connection,
        connection.makefile("rb") as reader,
    ):
        for _ in range(2):
            request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {mock.token()}\r\n\r\n"
            connection.sendall(request.encode())
            status, headers, body = read_answer(reader)
            assert status.startswith(b"HTTP/1.1 500 ")
            assert json.loads(body)["name"] == "InternalServerError"
            assert ("connection", "close") not in [(name.lower(), value) for name, value in headers]
    assert [error.error for error in mock.server_errors] == ["RuntimeError: boom"] * 2
