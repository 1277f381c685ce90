"""One served emulator per event loop for the whole directory (asyncio's own, and uvloop, whose transports are not
``asyncio.Transport``); each test starts from ``prepare()``, a full reset with a fresh client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mock_server.testing import ApidazeMock


@pytest.fixture(scope="package", params=["asyncio", "uvloop"])
def served(request: pytest.FixtureRequest) -> Iterator[ApidazeMock]:
    if request.param == "uvloop":
        pytest.importorskip("uvloop", reason="uvloop is not installed (it does not exist for Windows)")
    with ApidazeMock(loop=request.param) as mock:
        yield mock


@pytest.fixture
def mock(served: ApidazeMock) -> ApidazeMock:
    return served.prepare()
