"""The control-plane tests' client: the emulator with its built-in seed, as users start it, in process."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mock_server.app import Emulator, create_app
from mock_server.testing import InProcessTransport


@pytest.fixture
def default_app() -> Emulator:
    """Override in a module for other ``create_app`` options."""
    return create_app()


@pytest.fixture
def http(default_app: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url="http://emulator.localhost", transport=InProcessTransport(default_app)) as client:
        yield client
