"""A SIP server in a thread of its own, on the emulator's state, and phones that talk to it over loopback."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any, TypeVar

import pytest

from mock_server.clock import Clock
from mock_server.sip.digest import DEFAULT_ALGORITHMS
from mock_server.sip.limits import SipLimits
from mock_server.sip.server import SipServer
from mock_server.state import EmulatorState
from tests.conftest import START, seed_fixtures
from tests.sip.phone import Phone

T = TypeVar("T")


class RunningSip:
    """The server's loop in a thread. ``run(fn)`` calls ``fn`` in that loop, so tests never race the server."""

    def __init__(self, limits: SipLimits, digest: tuple[str, ...] = DEFAULT_ALGORITHMS) -> None:
        self.clock = Clock()
        self.clock.set(START, freeze=True)
        self.state = EmulatorState(seed_fixtures(), self.clock)
        self.server = SipServer(self.state, limits, digest)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="sip-test", daemon=True)
        self.phones: list[Phone] = []

    def __enter__(self) -> RunningSip:
        self.thread.start()
        self.server.bind("127.0.0.1", 0)
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(5)
        return self

    def __exit__(self, *exc: object) -> None:
        for phone in self.phones:
            phone.close()
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.server.port)

    def run(self, fn: Callable[[], T]) -> T:
        done: Future[T] = Future()

        def call() -> None:
            try:
                done.set_result(fn())
            except BaseException as error:  # handed to the test thread
                done.set_exception(error)

        self.loop.call_soon_threadsafe(call)
        return done.result(5)

    def account(self, username: str, client_id: str = "alpha", **fields: Any) -> Any:
        return self.run(lambda: self.state.backends[client_id].sip_accounts.create(username, fields))

    def get(self, account_id: str, client_id: str = "alpha") -> Any:
        return self.run(lambda: self.state.backends[client_id].sip_accounts.get(account_id))

    def phone(self, account: Any, domain: str = "alpha.example", transport: str = "udp", **options: Any) -> Phone:
        phone = Phone(self.address, account.username, account.password, domain, transport, **options)
        self.phones.append(phone)
        return phone


@pytest.fixture
def sip_limits() -> SipLimits:
    return SipLimits()


@pytest.fixture
def sip_digest() -> tuple[str, ...]:
    return DEFAULT_ALGORITHMS


@pytest.fixture
def sip(sip_limits: SipLimits, sip_digest: tuple[str, ...]) -> Iterator[RunningSip]:
    with RunningSip(sip_limits, sip_digest) as running:
        yield running
