"""Hostile input: RFC 4475's torture messages and random bytes get an answer, a 400 or silence; never a crash or hang.

The torture messages go over real UDP and TCP. The random ones are handed to the server's ``receive`` in process
with a peer that keeps what is sent back, so silence is seen exactly and hypothesis can try many inputs quickly.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time

import pytest
from aiosipua import SipMessage, SipResponse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_server.clock import Clock
from mock_server.sip.limits import SipLimits
from mock_server.sip.server import SipServer
from mock_server.sip.transport import Peer
from mock_server.state import EmulatorState
from tests.conftest import seed_fixtures
from tests.sip.conftest import RunningSip
from tests.sip.torture import INVALID, VALID

REFUSALS = (400, 505)


def answer_over_udp(sip: RunningSip, data: bytes, wait: float = 0.5) -> SipResponse | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(wait)
        sock.sendto(data, sip.address)
        try:
            reply, _ = sock.recvfrom(65536)
        except TimeoutError:
            return None
    parsed = SipMessage.parse(reply)
    assert isinstance(parsed, SipResponse)
    return parsed


def still_serving(sip: RunningSip) -> None:
    ping = (
        "OPTIONS sip:alpha.example SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKping\r\n"
        "From: <sip:t@alpha.example>;tag=1\r\nTo: <sip:alpha.example>\r\nCall-ID: ping\r\nCSeq: 1 OPTIONS\r\n\r\n"
    )
    reply = answer_over_udp(sip, ping.encode(), wait=2)
    assert reply is not None
    assert reply.status_code == 200


@pytest.mark.parametrize("name", sorted(VALID))
def test_a_well_formed_torture_message_is_acted_on(
    sip: RunningSip, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    reply = answer_over_udp(sip, VALID[name], wait=2)
    assert reply is not None, "a valid request deserves an answer"
    assert reply.status_code not in (*REFUSALS, 500), (reply.status_code, reply.reason_phrase)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


@pytest.mark.parametrize("name", sorted(INVALID))
def test_a_broken_torture_message_gets_a_refusal_or_silence(
    sip: RunningSip, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    reply = answer_over_udp(sip, INVALID[name], wait=0.3)
    assert reply is None or reply.status_code in REFUSALS, (reply.status_code, reply.reason_phrase)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    still_serving(sip)


def test_torture_messages_over_tcp_get_the_same_treatment(sip: RunningSip) -> None:
    for name, data in {**VALID, **INVALID}.items():
        with socket.create_connection(sip.address, timeout=2) as sock:
            sock.sendall(data)
            sock.settimeout(0.3)
            try:
                reply = sock.recv(65536)
            except TimeoutError:  # e.g. clerr: TCP framing waits for the 9999 bytes it declares
                reply = b""
        if reply:
            status = int(reply.split(b" ", 2)[1])
            assert (status in REFUSALS) == (name in INVALID), (name, reply[:80])
    still_serving(sip)


@pytest.mark.parametrize("sip_limits", [SipLimits(max_message_bytes=2048, message_seconds=0.3)])
def test_tcp_drops_oversized_and_slow_messages_and_answers_keepalives(sip: RunningSip) -> None:
    with socket.create_connection(sip.address, timeout=2) as sock:
        sock.sendall(b"\r\n\r\n")
        assert sock.recv(16) == b"\r\n"
        sock.sendall(b"OPTIONS sip:x SIP/2.0\r\nX-Filler: " + b"a" * 4096)
        assert sock.recv(16) == b""  # closed: the headers outgrew the limit before their end
    with socket.create_connection(sip.address, timeout=2) as sock:
        sock.sendall(b"OPTIONS sip:x SIP/2.0\r\n")
        started = time.monotonic()
        assert sock.recv(16) == b""  # closed: the message did not complete in time
        assert time.monotonic() - started < 1.5


class Collector:
    """A peer whose answers are kept, for the in-process fuzzing below."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.peer = Peer("udp", "127.0.0.1", 5062, self.sent.append)


@pytest.fixture(scope="module")
def server() -> SipServer:
    return SipServer(EmulatorState(seed_fixtures(), Clock()), SipLimits())


def fed(server: SipServer, data: bytes) -> list[bytes]:
    collector = Collector()

    async def feed() -> None:
        server.receive(data, collector.peer)

    asyncio.run(feed())
    return collector.sent


def assert_refused_or_silent(sent: list[bytes]) -> None:
    assert len(sent) <= 1
    for reply in sent:
        status = int(reply.split(b" ", 2)[1])
        assert status in (*REFUSALS, 401, 405, 407, 416, 481, 200), reply[:200]


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(st.binary(max_size=2048))
def test_random_bytes_get_silence_or_a_refusal(server: SipServer, data: bytes) -> None:
    assert_refused_or_silent(fed(server, data))


@FUZZ
@given(st.sampled_from(sorted({**VALID, **INVALID}.items())), st.data())
def test_torture_messages_with_random_damage_get_an_answer_a_refusal_or_silence(
    server: SipServer, message: tuple[str, bytes], data: st.DataObject
) -> None:
    raw = bytearray(message[1])
    for _ in range(data.draw(st.integers(1, 8))):
        where = data.draw(st.integers(0, len(raw) - 1))
        raw[where] = data.draw(st.integers(0, 255))
    assert_refused_or_silent(fed(server, bytes(raw)))
