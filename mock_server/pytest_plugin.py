"""The ``apidaze_mock`` pytest fixture, registered through the ``pytest11`` entry point.

One emulator per test session (``apidaze_mock_app``; override it to seed your own fixtures file); it is served on a
free port only when a test asks for ``apidaze_mock.base_url``. Before each test ``apidaze_mock`` wipes every change
of the previous one (clients, resources, tokens, quota counters, fault rules, chaos, journal, clock) and registers
a fresh client whose credentials it hands out, so a test needs no set-up code:

.. code-block:: python

    def test_client_retries_after_503(apidaze_mock):
        apidaze_mock.faults.add(path="/sipaccounts", status=503, times=1)
        create_account(apidaze_mock.base_url, apidaze_mock.credentials, name="alice")
        assert apidaze_mock.journal.count(path="/sipaccounts", status=200) == 1

``apidaze_mock.sip_address`` starts the SIP side (registrar and calls for softphones, UDP and TCP) on a free port on
first use and keeps it for the session; ``apidaze_mock.sip_domain`` is the client's domain, the softphones' realm.

Configure a test with ``@pytest.mark.apidaze_mock(...)``: ``client_id``, ``client_secret``, ``domain``, ``quota``
(a dict), ``sip_accounts`` (dicts of create fields), ``chaos`` (``"SEED:RATE"``), ``frozen_at`` (an instant),
``response_style`` (``"kpn"``, KPN's Swagger, or ``"upstream"``, the platform behind KPN's gateway), ``strict``
(hold the client to the letter of the contract), ``expect_server_errors`` (see below).

An unexpected exception inside the emulator answers the client a 500, which a client that retries would hide: such
a test fails at teardown with the emulator's traceback, unless it is marked ``expect_server_errors=True``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    # Imported when a test asks for a fixture, so suites that never do pay nothing at start-up.
    from mock_server.app import Emulator
    from mock_server.testing import ApidazeMock

MARKER = "apidaze_mock"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(client_id=, client_secret=, domain=, quota=, sip_accounts=, chaos=, frozen_at=, "
        "response_style=, strict=, expect_server_errors=): "
        "how the apidaze_mock fixture prepares this test's client and emulator",
    )


@pytest.fixture(scope="session")
def apidaze_mock_app() -> Emulator:
    """The emulator shared by the session. Override to build it your way, e.g. ``create_app(Path("seed.yaml"))``."""
    from mock_server.app import create_app

    return create_app()


@pytest.fixture(scope="session")
def apidaze_mock_session(apidaze_mock_app: Emulator) -> Iterator[ApidazeMock]:
    """The session's handle; served lazily, stopped at the end of the session."""
    from mock_server.testing import ApidazeMock

    handle = ApidazeMock(apidaze_mock_app)
    try:
        yield handle
    finally:
        handle.close()


@pytest.fixture
def apidaze_mock(request: pytest.FixtureRequest, apidaze_mock_session: ApidazeMock) -> Iterator[ApidazeMock]:
    """A clean emulator and a fresh client for this test (see the module docstring for the marker's options)."""
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None and marker.args:
        raise pytest.UsageError(f"@pytest.mark.{MARKER} takes keyword options only, got {marker.args!r}")
    options: dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    expect_server_errors = bool(options.pop("expect_server_errors", False))
    try:
        handle = apidaze_mock_session.prepare(**options)
    except TypeError as error:
        raise pytest.UsageError(f"@pytest.mark.{MARKER}: {error}") from None
    yield handle
    if not expect_server_errors:
        handle.check_server_errors()
