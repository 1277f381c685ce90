"""Drive the emulator from Python: a served instance on a free port, a handle over its control plane, httpx transports.

.. code-block:: python

    from mock_server.testing import ApidazeMock

    with ApidazeMock() as mock:                      # serves on 127.0.0.1:<free port> in a background thread
        mock.faults.add(path="/sipaccounts", status=503, times=1)
        my_client = MyApidazeClient(mock.base_url, *mock.credentials)
        my_client.create_sip_account("alice")        # your client meets a 503 first, then succeeds
        assert mock.journal.count(path="/sipaccounts", status=201) == 1

The handle works on the emulator's objects directly (the server thread shares them), so it needs no HTTP of its
own; every rule it accepts is checked against ``openapi/admin.yaml`` like the control endpoints check theirs.
``mock.transport()`` serves the same app with no socket at all, as a sync and async httpx transport.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, NamedTuple

import httpx

from mock_server.app import Emulator, create_app
from mock_server.clock import Clock
from mock_server.control.clients import new_client
from mock_server.control.faults import chaos_spec
from mock_server.domain.fault_plan import ChaosSpec, FaultPlan
from mock_server.domain.faults import FaultRule
from mock_server.domain.journal import Journal
from mock_server.domain.tenants import TenantStore
from mock_server.routes.context import API_PREFIX
from mock_server.routes.oauth import TOKEN_PATH
from mock_server.serving import InProcessTransport, ServerThread
from mock_server.spec import check_admin_body

IN_PROCESS_URL = "http://apidaze-mock.local"
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
    check_admin_body(operation_id, document)
    return document


class Faults:
    """Fault rules and chaos; the same rules as ``POST /__admin/faults`` (see its schema for every field)."""

    def __init__(self, plan: FaultPlan) -> None:
        self._plan = plan

    def add(self, **rule: Any) -> dict[str, Any]:
        """Add a rule, e.g. ``add(path="/sipaccounts", status=503, times=1)``; returns it with its id and seed."""
        return self._plan.add(_check("adminAddFault", rule)).view()

    def all(self) -> list[dict[str, Any]]:
        """Every rule with its counters (spent ones show ``remaining`` 0)."""
        return [rule.view() for rule in self._plan.rules()]

    def get(self, rule_id: str) -> dict[str, Any]:
        return self._plan.get(rule_id).view()

    def remove(self, rule_id: str) -> None:
        self._plan.remove(rule_id)

    def clear(self) -> None:
        """Remove every rule (chaos stays)."""
        self._plan.clear()

    def chaos(self, seed: int, rate: float, **options: Any) -> dict[str, Any]:
        """Random faults on ``rate`` of all calls, seeded; ``statuses`` and ``latency_ms`` narrow what they are."""
        fields = _check("adminSetChaos", {"seed": seed, "rate": rate, **options})
        self._plan.set_chaos(chaos_spec(fields))
        view = self._plan.chaos_view()
        assert view is not None
        return view

    def stop_chaos(self) -> None:
        self._plan.set_chaos(None)

    def rules(self) -> list[FaultRule]:
        """The domain objects, for counters."""
        return self._plan.rules()


class JournalView:
    """The request journal, newest first. Filters: ``client_id``, ``method``, ``path`` (a pattern), ``status``."""

    def __init__(self, journal: Journal) -> None:
        self._journal = journal

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
        return self._journal.entries(client_id=client_id, method=method, path=path, status=status, limit=limit)

    def count(self, **filters: Any) -> int:
        return len(self.entries(**filters))

    def last(self, **filters: Any) -> dict[str, Any] | None:
        found = self.entries(limit=1, **filters)
        return found[0] if found else None

    def clear(self) -> None:
        self._journal.clear()

    @property
    def capacity(self) -> int:
        return self._journal.capacity


class ClockControl:
    """The emulator's clock: move it instead of sleeping."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def now(self) -> datetime:
        return self._clock.now_datetime()

    def advance(self, seconds: float) -> None:
        self._clock.advance(seconds)

    def set(self, instant: datetime | float, *, freeze: bool = False) -> None:
        self._clock.set(instant.timestamp() if isinstance(instant, datetime) else instant, freeze=freeze)

    def freeze(self) -> None:
        self._clock.set(self._clock.now(), freeze=True)

    def reset(self) -> None:
        """Back to real time."""
        self._clock.reset()


@dataclass(frozen=True)
class TestClientConfig:
    """The client a handle registers for its user; the pytest marker sets these fields."""

    __test__ = False  # not a pytest test class

    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    domain: str | None = None
    quota: Mapping[str, Any] | None = None


class ApidazeMock:
    """A handle on one emulator: URLs, working credentials, faults, journal, clock, tenants.

    As a context manager it serves the emulator on a free port of ``host`` in a background thread and stops it on
    exit; ``base_url`` also starts serving on first use. The handle registers its own client (``credentials``),
    whose tenant starts empty; :meth:`reset` brings the emulator back to its fixtures and that client back to new.
    ``loop`` is uvicorn's event loop setting: ``"auto"`` (uvloop where installed), ``"asyncio"`` or ``"uvloop"``.
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
        self.faults = Faults(self.state.faults)
        self.journal = JournalView(self.state.journal)
        self.clock = ClockControl(self.state.clock)
        self._server = ServerThread(self.app, host, loop=loop)
        self._config = TestClientConfig(client_id, client_secret, domain, quota)
        self._ensure_client()

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
        return InProcessTransport(self.app)

    def client(self, *, in_process: bool = True, **options: Any) -> httpx.Client:
        """An httpx client with ``base_url`` set, in process (default) or over the served socket."""
        if in_process:
            return httpx.Client(base_url=IN_PROCESS_URL, transport=self.transport(), **options)
        return httpx.Client(base_url=self.base_url, **options)

    def token(self, client_id: str | None = None) -> str:
        """A live access token of this handle's client (or ``client_id``), issued without an HTTP call."""
        return self.state.tokens.issue(client_id or self._config.client_id).value

    # State

    def reset(self, client_id: str | None = None) -> None:
        """Everything back to the fixtures (as ``POST /__admin/reset``), or one client's resources only.

        A full reset drops run-time clients, so this handle's client is then registered anew; a reset of one client
        keeps every client's registration and tokens, as the state's own reset does.
        """
        self.state.reset(client_id)
        if client_id is None:
            self._ensure_client()

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
        """A clean start for one test: full reset, real time, a fresh client with these settings.

        ``sip_accounts`` are created in the client's tenant; ``chaos`` is ``"SEED:RATE"``; ``frozen_at`` stops the
        clock at that instant. These are the options of the ``apidaze_mock`` pytest marker.
        """
        self._config = TestClientConfig(client_id, client_secret, domain, quota)
        self.reset()
        self.clock.reset()
        tenant = self.tenant()
        for account in sip_accounts:
            tenant.sip_accounts.create(account["username"], account)
        if chaos is not None:
            self.state.faults.set_chaos(ChaosSpec.parse(chaos))
        if frozen_at is not None:
            self.clock.set(frozen_at, freeze=True)
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
        self._register(client_id, client_secret, domain, quota)
        return Credentials(client_id, client_secret)

    def remove_client(self, client_id: str) -> None:
        self.state.remove_client(client_id)

    def tenant(self, client_id: str | None = None) -> TenantStore:
        """The domain store of this handle's client (or ``client_id``): look at or arrange resources directly."""
        return self.state.backends[client_id or self._config.client_id]

    def set_registration(
        self, account_id: str, registered: bool = True, contact: str = "", *, client_id: str | None = None
    ) -> None:
        """Say a SIP client registered with (or left) an account, so its status endpoint reports it."""
        self.tenant(client_id).sip_accounts.set_registration(account_id, registered, contact)

    def export_state(self) -> dict[str, Any]:
        return self.state.export_state()

    def import_state(self, snapshot: Mapping[str, Any]) -> None:
        """As ``PUT /__admin/state``: checked whole, nothing changes when it is bad."""
        self.state.import_state(_check("adminImportState", snapshot))

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
    "ServerThread",
]
