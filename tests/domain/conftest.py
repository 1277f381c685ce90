"""A clock the test moves by hand, and a SIP account store on it."""

from __future__ import annotations

import pytest

from mock_server.domain.sip_accounts import SipAccountStore


class FakeNow:
    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


@pytest.fixture
def now() -> FakeNow:
    return FakeNow()


@pytest.fixture
def store(now: FakeNow) -> SipAccountStore:
    return SipAccountStore(now)
