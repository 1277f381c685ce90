"""The served protocol writes once per loop turn: an answer's headers and body in one write, nothing held longer.

The protocol class is driven as uvicorn drives it (``connection_made``, ``data_received``) over a transport that
records its writes, so the tests see write boundaries, which a socket hides; the socket tests cross a real one.
"""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from starlette.types import Receive, Scope, Send
from uvicorn.server import ServerState

from mock_server.app import create_app
from mock_server.protocol import TurnWriteTransport, http_protocol, server_config
from mock_server.testing import ApidazeMock

ACCOUNTS = "/communication/apidaze/cpaas/sipaccounts"


class RecordingTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        # As asyncio's and uvloop's transports do: once closed, writes are dropped without a word.
        if not self.closed:
            self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_write_buffer_size(self) -> int:
        return 0  # every write is taken whole

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8080), "peername": ("127.0.0.1", 50000)}.get(name, default)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def serve(app: Any, transport: RecordingTransport, state: ServerState) -> Any:
    """The protocol uvicorn would make for a new connection on ``transport``."""
    config = server_config(app, log_config=None)
    config.load()
    protocol: Any = http_protocol()(config=config, server_state=state, app_state={})  # type: ignore[call-arg]
    protocol.connection_made(transport)
    return protocol


async def exchange(app: Any, *pieces: bytes, transport: RecordingTransport | None = None) -> list[bytes]:
    """Serve a request sent in ``pieces``, each once the last has been answered, and return the writes."""
    transport = transport or RecordingTransport()
    state = ServerState()
    protocol = serve(app, transport, state)
    for piece in pieces:
        protocol.data_received(piece)
        await asyncio.sleep(0)  # the turn in which the app runs
        await asyncio.sleep(0)  # the end of that turn, when what it wrote goes out
    for _ in range(50):
        if not state.tasks:
            break
        await asyncio.gather(*state.tasks)
    await asyncio.sleep(0)  # the turn in which held bytes would be flushed
    protocol.connection_lost(None)
    return transport.writes


def test_an_answer_goes_out_in_one_write() -> None:
    writes = asyncio.run(exchange(create_app(), f"GET {ACCOUNTS} HTTP/1.1\r\nHost: x\r\n\r\n".encode()))
    assert len(writes) == 1
    head, _, body = writes[0].partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 401 ")
    assert b"\r\napi-version: v1.1.1" in head
    assert json.loads(body)["name"] == "MissingToken"


def test_an_answer_to_head_still_gets_its_headers_even_if_the_connection_closes_at_once() -> None:
    request = b"HEAD /docs HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    writes = asyncio.run(exchange(create_app(), request))
    assert len(writes) == 1
    assert writes[0].startswith(b"HTTP/1.1 ")
    assert writes[0].endswith(b"\r\n\r\n")


def test_pipelined_requests_get_whole_answers_in_order_each_with_the_contracts_headers_once() -> None:
    request = f"GET {ACCOUNTS} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    writes = asyncio.run(exchange(create_app(), request + request.replace(b"GET", b"HEAD", 1) + request))
    answers = b"".join(writes).split(b"HTTP/1.1 ")[1:]
    assert len(answers) == 3
    for answer, method in zip(answers, ["GET", "HEAD", "GET"], strict=True):
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"401 ")
        assert head.count(b"\r\napi-version: v1.1.1") == 1
        assert head.count(b"\r\naccess-control-allow-origin: *") == 1
        if method == "HEAD":
            assert body == b""
        else:
            assert json.loads(body)["name"] == "MissingToken"


def test_100_continue_goes_out_before_the_body_arrives_and_the_answer_after_it() -> None:
    body = b"client_id=local-client&client_secret=local-secret"
    head = (
        b"POST /oauth/client_credential/accesstoken?grant_type=client_credentials HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nExpect: 100-continue\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    writes = asyncio.run(exchange(create_app(), head, body))
    assert writes[0] == b"HTTP/1.1 100 Continue\r\n\r\n"
    assert len(writes) == 2
    assert writes[1].startswith(b"HTTP/1.1 200 ")
    assert b'"access_token"' in writes[1]


def test_headers_of_a_body_that_comes_later_are_not_held_past_the_loop_turn() -> None:
    transport = RecordingTransport()
    written_before_the_body: list[int] = []

    async def slow_body(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await asyncio.sleep(0.01)
        written_before_the_body.append(len(transport.writes))
        await send({"type": "http.response.body", "body": b"ok"})

    writes = asyncio.run(exchange(slow_body, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", transport=transport))
    assert written_before_the_body == [1]
    assert writes[0].startswith(b"HTTP/1.1 200 ")
    assert writes[1:] == [b"ok"]


def test_what_is_held_goes_out_before_the_transport_closes_at_the_end_of_input() -> None:
    transport = RecordingTransport()

    async def slow_body(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await asyncio.sleep(0.01)
        await send({"type": "http.response.body", "body": b"ok"})

    async def run() -> None:
        state = ServerState()
        protocol = serve(slow_body, transport, state)
        protocol.data_received(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        await asyncio.sleep(0)  # the app starts its answer, then waits
        # The client half-closes: asyncio and uvloop close the transport once eof_received returns.
        protocol.eof_received()
        transport.close()
        await asyncio.gather(*state.tasks)

    asyncio.run(run())
    assert len(transport.writes) == 1
    assert transport.writes[0].startswith(b"HTTP/1.1 200 ")


def test_closing_sends_what_waits_first_and_aborting_discards_it() -> None:
    async def run() -> tuple[RecordingTransport, RecordingTransport]:
        loop = asyncio.get_running_loop()
        closed, aborted = RecordingTransport(), RecordingTransport()
        view = TurnWriteTransport(closed, loop)
        view.write(b"HTTP/1.1 200 OK\r\n\r\n")
        view.close()
        view = TurnWriteTransport(aborted, loop)
        view.write(b"HTTP/1.1 200 OK\r\n\r\n")
        view.abort()
        await asyncio.sleep(0)
        return closed, aborted

    closed, aborted = asyncio.run(run())
    assert closed.writes == [b"HTTP/1.1 200 OK\r\n\r\n"]
    assert closed.closed
    assert aborted.writes == []  # an abort is a reset: what waited is not sent
    assert aborted.closed


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
            # Spelled as KPN spells them (quota-reset-UTC), whichever way they reached the head.
            expected = {"api-version", "sunset", "strict-transport-security", "access-control-allow-origin"}
            expected |= {"quota-limit", "quota-used", "quota-reset-UTC", "content-type", "date"}
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


def test_the_writes_of_one_turn_go_out_together_in_order_and_a_big_one_at_once() -> None:
    async def run() -> tuple[list[bytes], list[bytes], list[bytes]]:
        transport = RecordingTransport()
        view = TurnWriteTransport(transport, asyncio.get_running_loop())
        view.write(b"one ")
        view.writelines([b"two ", bytearray(b"three")])
        assert view.get_write_buffer_size() == len(b"one two three")
        before = list(transport.writes)
        await asyncio.sleep(0)
        after_the_turn = list(transport.writes)
        view.write(b"x" * 70_000)  # past the high-water mark: the transport's flow control must see it now
        return before, after_the_turn, transport.writes

    before, after_the_turn, finally_written = asyncio.run(run())
    assert before == []
    assert after_the_turn == [b"one two three"]
    assert finally_written == [b"one two three", b"x" * 70_000]


def test_lines_added_to_the_head_go_into_the_answers_head_not_an_interim_one() -> None:
    async def run() -> list[bytes]:
        transport = RecordingTransport()
        view = TurnWriteTransport(transport, asyncio.get_running_loop())
        view.add_to_head(b"api-version: v1.1.1\r\n")
        view.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        view.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
        view.write(b"ok")
        view.write(b"HTTP/1.1 200 OK\r\n\r\n")  # lines are for one answer only
        view.flush()
        return transport.writes

    assert asyncio.run(run()) == [
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\napi-version: v1.1.1\r\n\r\nok"
        b"HTTP/1.1 200 OK\r\n\r\n"
    ]


def test_the_answers_served_in_one_turn_leave_together_at_its_end() -> None:
    async def run() -> tuple[list[int], list[bytes], list[bytes]]:
        app = create_app()
        first, second = RecordingTransport(), RecordingTransport()
        state = ServerState()
        for transport in (first, second):
            serve(app, transport, state).data_received(f"GET {ACCOUNTS} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        seen: list[int] = []
        await asyncio.sleep(0)  # both answers are made in this turn...
        seen.append(len(first.writes) + len(second.writes))
        await asyncio.sleep(0)  # ...and written at its end
        seen.append(len(first.writes) + len(second.writes))
        return seen, first.writes, second.writes

    seen, first, second = asyncio.run(run())
    assert seen == [0, 2]
    for writes in (first, second):
        assert len(writes) == 1
        assert writes[0].startswith(b"HTTP/1.1 401 ")
