"""Fuzzing a client with apidaze-mock: each test asks for the ``apidaze_mock`` fixture and nothing else.

The emulator is served on 127.0.0.1 (a free port) for the session; every test starts from a clean emulator with a
fresh client of its own. ``apidaze_client.py`` beside this file is the client under test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from apidaze_client import ApidazeClient, ApidazeError

from mock_server.testing import ApidazeMock


@pytest.fixture
def waits() -> list[float]:
    """What the client slept, instead of sleeping."""
    return []


@pytest.fixture
def client(apidaze_mock: ApidazeMock, waits: list[float]) -> Iterator[ApidazeClient]:
    client_id, client_secret = apidaze_mock.credentials
    client = ApidazeClient(apidaze_mock.base_url, client_id, client_secret, timeout=0.5, sleep=waits.append)
    yield client
    client.close()


def test_retries_after_a_503(apidaze_mock: ApidazeMock, client: ApidazeClient) -> None:
    apidaze_mock.faults.add(method="POST", path="/sipaccounts", status=503, times=1)
    client.create_sip_account("alice")
    assert apidaze_mock.journal.count(path="/sipaccounts", status=503) == 1
    assert apidaze_mock.journal.count(path="/sipaccounts", status=200) == 1


def test_waits_as_long_as_retry_after_says(
    apidaze_mock: ApidazeMock, client: ApidazeClient, waits: list[float]
) -> None:
    apidaze_mock.faults.add(path="/sipaccounts", status=429, retry_after=7, times=2)
    assert client.list_sip_accounts() == []
    assert waits == [7.0, 7.0]


def test_survives_a_dropped_connection_and_a_slow_reply(apidaze_mock: ApidazeMock, client: ApidazeClient) -> None:
    apidaze_mock.faults.add(path="/sipaccounts", action="drop", times=1)
    apidaze_mock.faults.add(path="/sipaccounts", latency_ms=1000, times=1)  # beyond the client's 0.5 s timeout
    assert client.list_sip_accounts() == []
    assert [entry["fault"] for entry in apidaze_mock.journal(path="/sipaccounts")][-1] == "rule 1: drop"


def test_a_lost_reply_does_not_create_a_duplicate(apidaze_mock: ApidazeMock, client: ApidazeClient) -> None:
    # The account is created, but the client only gets half the reply: it must not end up with two, or fail.
    apidaze_mock.faults.add(method="POST", path="/sipaccounts", action="truncate", times=1)
    account = client.create_sip_account("bob")
    assert account["sip"]["username"] == "bob"
    assert [a.username for a in apidaze_mock.tenant().sip_accounts.list()] == ["bob"]
    assert apidaze_mock.journal.count(method="POST", status=409) == 1


def test_gives_up_when_the_api_stays_down(apidaze_mock: ApidazeMock, client: ApidazeClient) -> None:
    apidaze_mock.faults.add(path="/sipaccounts", status=500)
    with pytest.raises(ApidazeError, match="after 5 attempts"):
        client.list_sip_accounts()


def test_gets_a_new_token_when_the_old_one_expires(apidaze_mock: ApidazeMock, client: ApidazeClient) -> None:
    client.list_sip_accounts()
    apidaze_mock.clock.advance(3600)  # past the token's lifetime, without waiting an hour
    client.list_sip_accounts()
    assert apidaze_mock.journal.count(path="/oauth/client_credential/accesstoken", status=200) == 2


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fuzz_creating_accounts_under_chaos(apidaze_mock: ApidazeMock, client: ApidazeClient, seed: int) -> None:
    # A third of all calls fail at random, token calls included; the seed makes any failure replayable.
    # Delays stay clear of the client's 0.5 s timeout, so whether a call times out never depends on the machine.
    apidaze_mock.faults.chaos(seed, 0.33, latency_ms=[0, 200])
    client.attempts = 10
    for number in range(8):
        client.create_sip_account(f"user{number}")
    usernames = sorted(a.username for a in apidaze_mock.tenant().sip_accounts.list())
    assert usernames == [f"user{number}" for number in range(8)]
