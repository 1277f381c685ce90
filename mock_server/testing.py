"""Drive the emulator from Python: a served instance on a free port, a handle over its control plane, httpx transports.

.. code-block:: python

    from mock_server.testing import ApidazeMock

    with ApidazeMock() as mock:                      # serves on 127.0.0.1:<free port> in a background thread
        mock.faults.add(path="/sipaccounts", status=503, times=1)
        my_client = MyApidazeClient(mock.base_url, *mock.credentials)
        my_client.create_sip_account("alice")        # your client meets a 503 first, then succeeds
        assert mock.journal.count(path="/sipaccounts", status=200) == 1

The handle works on the emulator's objects directly, so it needs no HTTP of its own; while the emulator is served,
every change and every read is handed to the server's event loop, so a test never changes state under a request.
Every rule it accepts is checked against ``openapi/admin.yaml`` like the control endpoints check theirs.
``mock.transport()`` serves the same app with no socket at all, as a sync and async httpx transport.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import ssl
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, NamedTuple, Protocol, TypeVar, cast, overload

import httpx

from mock_server.app import Emulator, create_app
from mock_server.clock import Clock, Instant, epoch_seconds
from mock_server.control.calls import call_script
from mock_server.domain.fault_plan import ChaosSpec, FaultPlan
from mock_server.domain.faults import FaultRule
from mock_server.domain.journal import Journal
from mock_server.domain.server_errors import ServerError
from mock_server.domain.tenants import TenantStore
from mock_server.paths import API_PREFIX, TOKEN_PATH
from mock_server.scripts.fetch import ScriptFetcher
from mock_server.scripts.simulator import simulate
from mock_server.serving import InProcessTransport, ServerThread
from mock_server.sip.digest import DEFAULT_ALGORITHMS
from mock_server.sip.limits import SipLimits
from mock_server.sip.server import SipServer
from mock_server.spec import check_admin_body, component_schema
from mock_server.tls import ServerCertificate, local_certificate

T = TypeVar("T")


class Call(Protocol):
    """Runs a function where the emulator's state lives (:meth:`ApidazeMock.call`)."""

    def __call__(self, function: Callable[[], T], /) -> T: ...


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
        spec = ChaosSpec.from_fields(_check("adminSetChaos", {"seed": seed, "rate": rate, **options}))

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

    def assert_all_fired(self) -> None:
        """Fail unless every rule fired: at least once, and all its ``times`` when it has them.

        A rule that never fired means the client never made the call the test meant to break, so what the test
        asserts afterwards proves less than it seems.
        """
        unfired = [view for view in self.all() if view["fired"] == 0 or view["remaining"] not in (None, 0)]
        if unfired:
            lines = [
                f"rule {view['id']} ({view['method'] or 'any method'} {view['path'] or 'any path'}, "
                f"{view['action']}): fired {view['fired']} of {view['times'] or 'at least 1'} time(s), "
                f"matched {view['matched']} call(s)"
                for view in unfired
            ]
            raise AssertionError("fault rules that did not fire as often as set:\n" + "\n".join(lines))


class JournalView:
    """The request journal, newest first.

    Filters: ``client_id``, ``method``, ``path`` (a pattern), ``status``, ``body`` (text the body contains, or a dict
    of fields its parsed form or JSON has), ``query`` and ``headers`` (dicts of what the call carried).
    """

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
        body: str | Mapping[str, Any] | None = None,
        query: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> list[dict[str, Any]]:
        """Matching calls, newest first; each with ``body`` as text and ``form`` or ``json`` parsed from it."""
        return self._call(
            lambda: self._journal.entries(
                client_id=client_id,
                method=method,
                path=path,
                status=status,
                limit=limit,
                body=body,
                query=query,
                headers=headers,
            )
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

    def set(self, instant: Instant, *, freeze: bool = False) -> None:
        """Jump to ``instant``: epoch seconds, a ``datetime`` or an ISO 8601 string such as ``"2030-01-01T00:00Z"``
        (no offset: UTC); time runs on from there unless ``freeze``."""
        epoch = epoch_seconds(instant)
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
    # None: the emulator's own (create_app's response_style and strict).
    response_style: str | None = None
    strict: bool | None = None


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
    :attr:`sip_address` starts the SIP side (registrar and calls, UDP and TCP) on a free port of ``host``, with
    ``sip_limits`` and the ``sip_digest`` algorithms its challenges offer.
    ``tls=True`` serves HTTPS with the local CA's certificate (as ``apidaze-mock --tls``): give your client
    :attr:`ca_bundle`. A :class:`~mock_server.tls.ServerCertificate` serves with that certificate instead.
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
        sip_limits: SipLimits | None = None,
        sip_digest: tuple[str, ...] = DEFAULT_ALGORITHMS,
        tls: bool | ServerCertificate = False,
    ) -> None:
        self.app = app or create_app()
        self.state = self.app.state
        certificate = local_certificate() if tls is True else tls or None
        self._server = ServerThread(self.app, host, loop=loop, certificate=certificate)
        self.ca_bundle: str | None = None
        """The CA certificate (PEM file) a client must trust when served over HTTPS; None over plain HTTP."""
        if certificate is not None and certificate.ca_bundle is not None:
            self.ca_bundle = self.state.ca_bundle = str(certificate.ca_bundle)
        self._sip_options = (sip_limits, sip_digest)
        self._sip: SipServer | None = None
        self.faults = Faults(self.state.faults, self._server.call)
        self.journal = JournalView(self.state.journal, self._server.call)
        self.clock = ClockControl(self.state.clock, self._server.call)
        self._config = TestClientConfig(client_id, client_secret, domain, quota)
        self.call(self._ensure_client)

    @overload
    def call(self, function: Callable[[], T], /) -> T: ...

    @overload
    def call(self, /, *, url: str, **options: Any) -> list[dict[str, Any]]: ...

    def call(self, function: Callable[[], T] | None = None, /, **options: Any) -> T | list[dict[str, Any]]:
        """Two things, told apart by their arguments.

        ``call(function)`` runs ``function`` where the emulator's state lives: on the server's event loop while it
        serves. The handle's own methods already do; use this to read or change :attr:`state` directly.

        ``call(url=..., dtmf="1", dial=["busy"], ...)`` places a simulated inbound call against the External Script
        at ``url``, as ``POST /__admin/calls`` does (the same fields), and returns its events, e.g.
        ``[e["type"] for e in mock.call(url=..., dtmf="1")]``. Scripts are fetched from the hosts the emulator
        allows (loopback unless ``create_app(script_hosts=...)`` says more).
        """
        if function is not None:
            if options:
                raise TypeError("call() takes either a function or the fields of a simulated call, not both")
            return self._server.call(function)
        script = call_script(_check("adminSimulateCall", options))
        running = self._server.submit(simulate(script, ScriptFetcher(self.state.script_policy)))
        if running is not None:
            return running.result()
        # Not served: a loop of its own, on a thread of its own, so this works from async tests too.
        with concurrent.futures.ThreadPoolExecutor(1) as worker:
            return worker.submit(asyncio.run, simulate(script, ScriptFetcher(self.state.script_policy))).result()

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
        self._sip = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``: put it where your client has ``https://api-prd.kpn.com``."""
        return self._server.start()

    url = base_url

    @property
    def sip_address(self) -> tuple[str, int]:
        """``(host, port)`` where softphones register and call, over UDP and TCP: set it as the softphone's outbound
        proxy, with your client's domain as its domain. The SIP side starts serving on first use."""
        if self._sip is None:
            self.start()
            sip = SipServer(self.state, *self._sip_options)
            sip.bind(self._server.host, 0)
            self._server.add(sip)
            self._sip = sip
        return (self._sip.host, self._sip.port)

    @property
    def sip_domain(self) -> str:
        """The SIP domain (digest realm) of this handle's client: its accounts register as ``user@sip_domain``."""
        client = self.call(lambda: self.state.clients.get(self._config.client_id))
        assert client is not None
        return client.domain

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
        """An httpx client with ``base_url`` set, in process (default) or over the served socket (trusting
        :attr:`ca_bundle` when served over HTTPS)."""
        if in_process:
            return httpx.Client(base_url=IN_PROCESS_URL, transport=self.transport(), **options)
        if self.ca_bundle is not None:
            options.setdefault("verify", ssl.create_default_context(cafile=self.ca_bundle))
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
        frozen_at: Instant | None = None,
        token_lifetime: int | None = None,
        response_style: str | None = None,
        strict: bool | None = None,
    ) -> ApidazeMock:
        """A clean start for one test: full reset, real time, a fresh client with these settings, no server errors.

        ``sip_accounts`` are created in the client's tenant; ``chaos`` is ``"SEED:RATE"``; ``frozen_at`` stops the
        clock at that instant (epoch seconds, a ``datetime`` or an ISO 8601 string); ``token_lifetime`` is how many
        seconds tokens issued during the test last (the fixtures' lifetime, 3599 by default, when absent);
        ``response_style`` (``"kpn"`` or ``"upstream"``) and ``strict`` say how the API treats the client (the
        emulator's own when not given). These are the options of the ``apidaze_mock`` pytest marker.
        """
        config = TestClientConfig(client_id, client_secret, domain, quota, response_style, strict)
        spec = ChaosSpec.parse(chaos) if chaos is not None else None
        frozen = epoch_seconds(frozen_at) if frozen_at is not None else None
        if token_lifetime is not None:
            # The seed file's bound on the same setting (admin.yaml's SeedFile), so both refuse the same values.
            component_schema("SeedFile").check({"token_lifetime_seconds": token_lifetime})
        lifetime = token_lifetime or self.state.fixtures.token_lifetime_seconds

        def prepare() -> None:
            self._config = config
            self.state.reset()
            self._ensure_client()
            self.state.clock.reset()
            self.state.tokens.lifetime_seconds = lifetime
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
        response_style: str | None = None,
        strict: bool | None = None,
    ) -> Credentials:
        """Register another client (its own empty tenant); without an id, a fresh one is made up."""
        client_id = client_id or f"client-{next(_numbers)}"
        secret = client_secret or f"{client_id}-secret"
        config = TestClientConfig(client_id, secret, domain, quota, response_style, strict)
        self.call(lambda: self._register(config))
        return Credentials(config.client_id, config.client_secret)

    def remove_client(self, client_id: str) -> None:
        self.call(lambda: self.state.remove_client(client_id))

    def tenant(self, client_id: str | None = None) -> TenantStore:
        """The domain store of this handle's client (or ``client_id``): look at or arrange resources directly.

        Its methods run on the server's loop while the emulator is served, as the handle's own do.
        """
        store = self.call(lambda: self.state.backends[client_id or self._config.client_id])
        return cast(TenantStore, _OnServerLoop(store, self._server.call))

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
        self._register(config)

    def _register(self, config: TestClientConfig) -> None:
        """Add a client as ``POST /__admin/clients`` would: the same checks and defaults."""
        fields: dict[str, Any] = {"client_id": config.client_id, "client_secret": config.client_secret}
        optional = {
            "domain": config.domain,
            "quota": None if config.quota is None else dict(config.quota),
            "response_style": config.response_style,
            "strict": config.strict,
        }
        fields.update((name, value) for name, value in optional.items() if value is not None)
        self.state.add_client(self.state.new_client(_check("adminAddClient", fields)))


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
