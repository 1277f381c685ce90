"""The ``apidaze_mock`` pytest fixture, registered through the ``pytest11`` entry point.

One emulator per test session (``apidaze_mock_app``); it is served on a free port only when a test asks for
``apidaze_mock.base_url``. Before each test ``apidaze_mock`` wipes every change of the previous one (clients,
resources, tokens, quota counters, fault rules, chaos, journal, clock, token lifetime) and registers a fresh client
whose credentials it hands out, so a test needs no set-up code:

.. code-block:: python

    def test_client_retries_after_503(apidaze_mock):
        apidaze_mock.faults.add(path="/sipaccounts", status=503, times=1)
        create_account(apidaze_mock.base_url, apidaze_mock.credentials, name="alice")
        assert apidaze_mock.journal.count(path="/sipaccounts", status=200) == 1

``apidaze_mock.sip_address`` starts the SIP side (registrar and calls for softphones, UDP and TCP) on a free port on
first use and keeps it for the session; ``apidaze_mock.sip_domain`` is the client's domain, the softphones' realm.

Override ``apidaze_mock_app`` in any ``conftest.py`` to build the emulator your way (``create_app(Path("seed.yaml"))``):
the override holds for the tests of that directory, however the session's tests are ordered, because each test's
handle is picked by the app its own directory resolves.

Configure a test with ``@pytest.mark.apidaze_mock(...)``: ``client_id``, ``client_secret``, ``domain``, ``quota``
(a dict), ``sip_accounts`` (dicts of create fields), ``chaos`` (``"SEED:RATE"``), ``frozen_at`` (epoch seconds, a
``datetime`` or an ISO 8601 string), ``token_lifetime`` (seconds), ``tls`` (serve HTTPS; the client trusts
``apidaze_mock.ca_bundle``), ``response_style`` (``"kpn"``, KPN's Swagger, or ``"upstream"``, the platform behind
KPN's gateway), ``strict`` (hold the client to the letter of the contract), ``expect_server_errors`` (see below).

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
        f"{MARKER}(client_id=, client_secret=, domain=, quota=, sip_accounts=, chaos=, frozen_at=, token_lifetime=, "
        "tls=, response_style=, strict=, expect_server_errors=): "
        "how the apidaze_mock fixture prepares this test's client and emulator",
    )


@pytest.fixture(scope="session")
def apidaze_mock_app() -> Emulator:
    """The emulator shared by the session. Override to build it your way, e.g. ``create_app(Path("seed.yaml"))``."""
    from mock_server.app import create_app

    return create_app()


class Handles:
    """The session's handles: one per app and transport (HTTP or HTTPS), those of the latest app only.

    A test whose directory overrides ``apidaze_mock_app`` gets a handle on that app. When the app changes, the
    handles of the previous one are closed and forgotten, so an override with a narrow scope (one app per module,
    or per test) holds no servers and no apps beyond their use.
    """

    def __init__(self) -> None:
        self._app: Emulator | None = None
        self._handles: dict[bool, ApidazeMock] = {}

    def get(self, app: Emulator, tls: bool) -> ApidazeMock:
        from mock_server.testing import ApidazeMock

        if app is not self._app:
            self.close()
            self._app = app
        handle = self._handles.get(tls)
        if handle is None:
            handle = self._handles[tls] = ApidazeMock(app, tls=tls)
        return handle

    def close(self) -> None:
        for handle in self._handles.values():
            handle.close()
        self._handles.clear()
        self._app = None


@pytest.fixture(scope="session")
def apidaze_mock_handles() -> Iterator[Handles]:
    """Every handle the session made (see :class:`Handles`); their servers stop at the end of the session."""
    handles = Handles()
    try:
        yield handles
    finally:
        handles.close()


@pytest.fixture
def apidaze_mock(
    request: pytest.FixtureRequest, apidaze_mock_app: Emulator, apidaze_mock_handles: Handles
) -> Iterator[ApidazeMock]:
    """A clean emulator and a fresh client for this test (see the module docstring for the marker's options)."""
    from mock_server.errors import ApiError

    marker = request.node.get_closest_marker(MARKER)
    if marker is not None and marker.args:
        raise pytest.UsageError(f"@pytest.mark.{MARKER} takes keyword options only, got {marker.args!r}")
    options: dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    expect_server_errors = bool(options.pop("expect_server_errors", False))
    tls = bool(options.pop("tls", False))
    handle = apidaze_mock_handles.get(apidaze_mock_app, tls)
    try:
        handle.prepare(**options)
    except (TypeError, ValueError, ApiError) as error:
        raise pytest.UsageError(f"@pytest.mark.{MARKER}: {error}") from None
    yield handle
    if not expect_server_errors:
        handle.check_server_errors()
