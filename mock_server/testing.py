"""Drive the emulator from Python: a served instance on a free port, a handle over its control plane, httpx transports.

.. code-block:: python

    from mock_server.testing import ApidazeMock

    with ApidazeMock() as mock:                      # serves on 127.0.0.1:<free port> in a background thread
        mock.faults.add(path="/sipaccounts", status=503, times=1)
        my_client = MyApidazeClient(mock.base_url, *mock.credentials)
        my_client.create_sip_account("alice")        # your client meets a 503 first, then succeeds
        assert mock.journal.count(path="/sipaccounts", status=201) == 1

The handle works on the emulator's objects directly, so it needs no HTTP of its own; while the emulator is served,
every change and every read is handed to the server's event loop, so a test never changes state under a request.
Every rule it accepts is checked against ``openapi/admin.yaml`` like the control endpoints check theirs.
``mock.transport()`` serves the same app with no socket at all, as a sync and async httpx transport.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, NamedTuple, Protocol, TypeVar, cast

import httpx

from mock_server.app import Emulator, create_app
from mock_server.clock import Clock
from mock_server.control.clients import new_client
from mock_server.control.faults import chaos_spec
from mock_server.domain.fault_plan import ChaosSpec, FaultPlan
from mock_server.domain.faults import FaultRule
from mock_server.domain.journal import Journal
from mock_server.domain.server_errors import ServerError
from mock_server.domain.tenants import TenantStore
from mock_server.paths import API_PREFIX, TOKEN_PATH
from mock_server.serving import InProcessTransport, ServerThread
from mock_server.spec import check_admin_body

T = TypeVar("T")


class Call(Protocol):
    """Runs a function where the emulator's state lives (:meth:`ApidazeMock.call`)."""

    def __call__(self, function: Callable[[], T]) -> T: ...


# Under .localhost (RFC 6761), a name no public DNS can point elsewhere: the control plane answers it.
IN_PROCESS_URL = "http://apidaze-mock.localhost"
DEFAULT_CLIENT_ID = "apidaze-mock-tests"
DEFAULT_CLIENT_SECRET = "apidaze-mock-tests-secret"  # noqa: S105 (a local demo secret)


class Credentials(NamedTuple):
    """OAuth client credentials; unpacks as ``client_id, client_secret``."""

    client_id: str
    client_secret: str

    def form(self) -> dict[str, str]:
        """The token request's form body."""
        return {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.client_secret}


def _check(operation_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Check Python-given fields against the control plane's own schema (tuples count as arrays)."""
    document = {key: list(value) if isinstance(value, tuple) else value for key, value in fields.items()}
    checked: dict[str, Any] = check_admin_body(operation_id, document)
    return checked


class Faults:
    """Fault rules and chaos; the same rules as ``POST /__admin/faults`` (see its schema for every field)."""

    def __init__(self, plan: FaultPlan, call: Call) -> None:
        self._plan = plan
        self._call = call

    def add(self, **rule: Any) -> dict[str, Any]:
        """Add a rule, e.g. ``add(path="/sipaccounts", status=503, times=1)``; returns it with its id and seed."""
        fields = _check("adminAddFault", rule)
        return self._call(lambda: self._plan.add(fields).view())

    def all(self) -> list[dict[str, Any]]:
        """Every rule with its counters (spent ones show ``remaining`` 0)."""
        return self._call(lambda: [rule.view() for rule in self._plan.rules()])

    def get(self, rule_id: str) -> dict[str, Any]:
        return self._call(lambda: self._plan.get(rule_id).view())

    def remove(self, rule_id: str) -> None:
        self._call(lambda: self._plan.remove(rule_id))

    def clear(self) -> None:
        """Remove every rule (chaos stays)."""
        self._call(self._plan.clear)

    def chaos(self, seed: int, rate: float, **options: Any) -> dict[str, Any]:
        """Random faults on ``rate`` of all calls, seeded; ``statuses`` and ``latency_ms`` narrow what they are."""
        spec = chaos_spec(_check("adminSetChaos", {"seed": seed, "rate": rate, **options}))

        def start() -> dict[str, Any]:
            self._plan.set_chaos(spec)
            view = self._plan.chaos_view()
            assert view is not None
            return view

        return self._call(start)

    def stop_chaos(self) -> None:
        self._call(lambda: self._plan.set_chaos(None))

    def rules(self) -> list[FaultRule]:
        """The domain objects, for counters."""
        return self._call(self._plan.rules)


class JournalView:
    """The request journal, newest first. Filters: ``client_id``, ``method``, ``path`` (a pattern), ``status``."""

    def __init__(self, journal: Journal, call: Call) -> None:
        self._journal = journal
        self._call = call

    def __call__(self, **filters: Any) -> list[dict[str, Any]]:
        return self.entries(**filters)

    def entries(
        self,
        *,
        client_id: str | None = None,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        return self._call(
            lambda: self._journal.entries(client_id=client_id, method=method, path=path, status=status, limit=limit)
        )

    def count(self, **filters: Any) -> int:
        return len(self.entries(**filters))

    def last(self, **filters: Any) -> dict[str, Any] | None:
        found = self.entries(limit=1, **filters)
        return found[0] if found else None

    def clear(self) -> None:
        self._call(self._journal.clear)

    @property
    def capacity(self) -> int:
        return self._journal.capacity


class ClockControl:
    """The emulator's clock: move it instead of sleeping."""

    def __init__(self, clock: Clock, call: Call) -> None:
        self._clock = clock
        self._call = call

    def now(self) -> datetime:
        return self._call(self._clock.now_datetime)

    def advance(self, seconds: float) -> None:
        self._call(lambda: self._clock.advance(seconds))

    def set(self, instant: datetime | float, *, freeze: bool = False) -> None:
        epoch = instant.timestamp() if isinstance(instant, datetime) else instant
        self._call(lambda: self._clock.set(epoch, freeze=freeze))

    def freeze(self) -> None:
        self._call(lambda: self._clock.set(self._clock.now(), freeze=True))

    def reset(self) -> None:
        """Back to real time."""
        self._call(self._clock.reset)


@dataclass(frozen=True)
class TestClientConfig:
    """The client a handle registers for its user; the pytest marker sets these fields."""

    __test__ = False  # not a pytest test class

    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    domain: str | None = None
    quota: Mapping[str, Any] | None = None


class _OnServerLoop:
    """A domain store whose reads and changes run where the emulator's state lives (see :meth:`ApidazeMock.call`)."""

    def __init__(self, target: object, call: Call) -> None:
        self._target = target
        self._call = call

    def __getattr__(self, name: str) -> Any:
        value = self._call(lambda: getattr(self._target, name))
        if callable(value):
            return lambda *args, **kwargs: self._call(lambda: value(*args, **kwargs))
        if type(value).__module__.startswith("mock_server.domain."):
            return _OnServerLoop(value, self._call)
        return value


class ServerErrorsFound(AssertionError):
    """The emulator met unexpected exceptions during a test that did not say it expects them."""


class ApidazeMock:
    """A handle on one emulator: URLs, working credentials, faults, journal, clock, tenants.

    As a context manager it serves the emulator on a free port of ``host`` in a background thread and stops it on
    exit; ``base_url`` also starts serving on first use. The handle registers its own client (``credentials``),
    whose tenant starts empty; :meth:`reset` brings the emulator back to its fixtures and that client back to new.
    ``loop`` is the served event loop: ``"auto"`` (uvloop where installed), ``"asyncio"`` or ``"uvloop"``.
    """

    def __init__(
        self,
        app: Emulator | None = None,
        *,
        host: str = "127.0.0.1",
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        domain: str | None = None,
        quota: Mapping[str, Any] | None = None,
        loop: str = "auto",
    ) -> None:
        self.app = app or create_app()
        self.state = self.app.state
        self._server = ServerThread(self.app, host, loop=loop)
        self.faults = Faults(self.state.faults, self.call)
        self.journal = JournalView(self.state.journal, self.call)
        self.clock = ClockControl(self.state.clock, self.call)
        self._config = TestClientConfig(client_id, client_secret, domain, quota)
        self.call(self._ensure_client)

    def call(self, function: Callable[[], T]) -> T:
        """Run ``function`` where the emulator's state lives: on the server's event loop while it serves.

        The handle's own methods already do; use this to read or change :attr:`state` directly.
        """
        return self._server.call(function)

    # Serving

    def __enter__(self) -> ApidazeMock:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def start(self) -> str:
        """Serve on a free port (if not yet serving); returns the base URL."""
        return self._server.start()

    def close(self) -> None:
        self._server.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``: put it where your client has ``https://api-prd.kpn.com``."""
        return self._server.start()

    url = base_url

    @property
    def api_url(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def token_url(self) -> str:
        """The OAuth token endpoint; send ``grant_type=client_credentials`` in the query or form."""
        return self.base_url + TOKEN_PATH

    @property
    def credentials(self) -> Credentials:
        return Credentials(self._config.client_id, self._config.client_secret)

    # In process

    def transport(self) -> InProcessTransport:
        """An httpx transport (sync and async) into the same app, with no socket."""
        return InProcessTransport(self.app, self._server)

    def client(self, *, in_process: bool = True, **options: Any) -> httpx.Client:
        """An httpx client with ``base_url`` set, in process (default) or over the served socket."""
        if in_process:
            return httpx.Client(base_url=IN_PROCESS_URL, transport=self.transport(), **options)
        return httpx.Client(base_url=self.base_url, **options)

    def token(self, client_id: str | None = None) -> str:
        """A live access token of this handle's client (or ``client_id``), issued without an HTTP call."""
        return self.call(lambda: self.state.tokens.issue(client_id or self._config.client_id).value)

    # Unexpected exceptions inside the emulator

    @property
    def server_errors(self) -> list[ServerError]:
        """Unexpected exceptions the emulator met (each answered its client a 500), oldest first."""
        return self.call(self.state.server_errors.all)

    def check_server_errors(self) -> None:
        """Raise :class:`ServerErrorsFound`, with every traceback, if the emulator met an unexpected exception.

        The ``apidaze_mock`` fixture calls this after each test unless the test is marked
        ``@pytest.mark.apidaze_mock(expect_server_errors=True)``, so an emulator bug is not hidden by a client
        that retries 500s.
        """
        errors = self.server_errors
        if errors:
            details = "\n".join(str(error) for error in errors)
            raise ServerErrorsFound(f"apidaze-mock met {len(errors)} unexpected exception(s):\n{details}")

    # State

    def reset(self, client_id: str | None = None) -> None:
        """Everything back to the fixtures (as ``POST /__admin/reset``), or one client's resources only.

        A full reset drops run-time clients, so this handle's client is then registered anew; a reset of one client
        keeps every client's registration and tokens, as the state's own reset does.
        """

        def reset() -> None:
            self.state.reset(client_id)
            if client_id is None:
                self._ensure_client()

        self.call(reset)

    def prepare(
        self,
        *,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        domain: str | None = None,
        quota: Mapping[str, Any] | None = None,
        sip_accounts: Sequence[Mapping[str, str]] = (),
        chaos: str | None = None,
        frozen_at: datetime | float | None = None,
    ) -> ApidazeMock:
        """A clean start for one test: full reset, real time, a fresh client with these settings, no server errors.

        ``sip_accounts`` are created in the client's tenant; ``chaos`` is ``"SEED:RATE"``; ``frozen_at`` stops the
        clock at that instant. These are the options of the ``apidaze_mock`` pytest marker.
        """
        config = TestClientConfig(client_id, client_secret, domain, quota)
        spec = ChaosSpec.parse(chaos) if chaos is not None else None
        frozen = frozen_at.timestamp() if isinstance(frozen_at, datetime) else frozen_at

        def prepare() -> None:
            self._config = config
            self.state.reset()
            self._ensure_client()
            self.state.clock.reset()
            self.state.server_errors.clear()
            tenant = self.state.backends[config.client_id]
            for account in sip_accounts:
                tenant.sip_accounts.create(account["username"], account)
            if spec is not None:
                self.state.faults.set_chaos(spec)
            if frozen is not None:
                self.state.clock.set(frozen, freeze=True)

        self.call(prepare)
        return self

    def add_client(
        self,
        client_id: str | None = None,
        client_secret: str | None = None,
        *,
        domain: str | None = None,
        quota: Mapping[str, Any] | None = None,
    ) -> Credentials:
        """Register another client (its own empty tenant); without an id, a fresh one is made up."""
        client_id = client_id or f"client-{next(_numbers)}"
        client_secret = client_secret or f"{client_id}-secret"
        self.call(lambda: self._register(client_id, client_secret, domain, quota))
        return Credentials(client_id, client_secret)

    def remove_client(self, client_id: str) -> None:
        self.call(lambda: self.state.remove_client(client_id))

    def tenant(self, client_id: str | None = None) -> TenantStore:
        """The domain store of this handle's client (or ``client_id``): look at or arrange resources directly.

        Its methods run on the server's loop while the emulator is served, as the handle's own do.
        """
        store = self.call(lambda: self.state.backends[client_id or self._config.client_id])
        return cast(TenantStore, _OnServerLoop(store, self.call))

    def set_registration(
        self, account_id: str, registered: bool = True, contact: str = "", *, client_id: str | None = None
    ) -> None:
        """Say a SIP client registered with (or left) an account, so its status endpoint reports it."""
        self.tenant(client_id).sip_accounts.set_registration(account_id, registered, contact)

    def export_state(self) -> dict[str, Any]:
        return self.call(self.state.export_state)

    def import_state(self, snapshot: Mapping[str, Any]) -> None:
        """As ``PUT /__admin/state``: checked whole, nothing changes when it is bad."""
        document = _check("adminImportState", snapshot)
        self.call(lambda: self.state.import_state(document))

    # Shortcuts named after the control endpoints

    def inject_fault(self, **rule: Any) -> dict[str, Any]:
        return self.faults.add(**rule)

    def advance_clock(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        return self.journal.entries(**filters)

    def _ensure_client(self) -> None:
        config = self._config
        if self.state.clients.get(config.client_id) is not None:
            self.state.remove_client(config.client_id)
        self._register(config.client_id, config.client_secret, config.domain, config.quota)

    def _register(
        self, client_id: str, client_secret: str, domain: str | None, quota: Mapping[str, Any] | None
    ) -> None:
        """Add a client as ``POST /__admin/clients`` would: the same checks and defaults."""
        fields: dict[str, Any] = {"client_id": client_id, "client_secret": client_secret}
        if domain is not None:
            fields["domain"] = domain
        if quota is not None:
            fields["quota"] = dict(quota)
        self.state.add_client(new_client(self.state, _check("adminAddClient", fields)))


_numbers = itertools.count(1)

__all__ = [
    "ApidazeMock",
    "ClockControl",
    "Credentials",
    "Faults",
    "InProcessTransport",
    "JournalView",
    "ServerErrorsFound",
    "ServerThread",
]
