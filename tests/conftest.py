"""Shared helpers: a small seed of clients, an emulator on a clock the test owns, and a client that logs in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from mock_server.app import Emulator, create_app
from mock_server.clock import Clock
from mock_server.fixtures import Fixtures, parse_fixtures
from mock_server.paths import API_PREFIX, TOKEN_PATH

# pytester must be enabled in an initial conftest: pytest refuses ``pytest_plugins`` in a nested one
# (tests/plugin/conftest.py), which it loads only during collection.
pytest_plugins = ["pytester"]

# In-process clients call the emulator under a loopback name, as a local program would.
LOCAL_URL = "http://testserver.localhost"

# Frozen at a known instant (Friday 2026-11-27 10:00:30 UTC), so windows and timestamps are predictable.
START = 1795773630.0

SEED: dict[str, Any] = {
    "token_lifetime_seconds": 3599,
    "default_quota": {"limit": 1000, "interval": 1, "time_unit": "minute"},
    "clients": [
        {"client_id": "alpha", "client_secret": "alpha-secret", "domain": "alpha.example"},
        {"client_id": "beta", "client_secret": "beta-secret"},
        {
            "client_id": "tiny",
            "client_secret": "tiny-secret",
            "quota": {"limit": 3, "interval": 1, "time_unit": "hour"},
        },
        {"client_id": "spiky", "client_secret": "spiky-secret", "quota": {"limit": 100, "spike_per_second": 2}},
    ],
}


def seed_fixtures(**changes: Any) -> Fixtures:
    return parse_fixtures({**SEED, **changes}, "test seed")


class Api:
    """A TestClient that knows the API's paths and gets tokens."""

    def __init__(self, client: TestClient, emulator: Emulator) -> None:
        self.http = client
        self.emulator = emulator
        self._tokens: dict[str, str] = {}

    def token(self, client_id: str = "alpha", secret: str | None = None) -> str:
        response = self.http.post(
            TOKEN_PATH,
            params={"grant_type": "client_credentials"},
            data={"client_id": client_id, "client_secret": secret or f"{client_id}-secret"},
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    def auth(self, client_id: str = "alpha") -> dict[str, str]:
        if client_id not in self._tokens:
            self._tokens[client_id] = self.token(client_id)
        return {"Authorization": f"Bearer {self._tokens[client_id]}"}

    def call(self, method: str, path: str, client_id: str = "alpha", **kwargs: Any) -> Any:
        headers = {**self.auth(client_id), **kwargs.pop("headers", {})}
        return self.http.request(method, API_PREFIX + path, headers=headers, **kwargs)


def warnings(api: Api) -> list[str]:
    """The warnings the journal holds for the last call (what the API let pass that KPN's contract does not offer)."""
    [entry] = api.emulator.state.journal.entries(limit=1)
    found: list[str] = entry["warnings"]
    return found


@pytest.fixture
def clock() -> Clock:
    clock = Clock()
    clock.set(START, freeze=True)
    return clock


@pytest.fixture
def emulator(clock: Clock) -> Emulator:
    return create_app(seed_fixtures(), clock=clock)


@pytest.fixture
def api(emulator: Emulator) -> Iterator[Api]:
    # A loopback name: the control plane answers no other Host (DNS rebinding).
    with TestClient(emulator, base_url=LOCAL_URL, raise_server_exceptions=True) as client:
        yield Api(client, emulator)


@pytest.fixture
def strict_api(clock: Clock) -> Iterator[Api]:
    """The same seed on an emulator started with ``--strict``."""
    emulator = create_app(seed_fixtures(), clock=clock, strict=True)
    with TestClient(emulator, raise_server_exceptions=True) as client:
        yield Api(client, emulator)
