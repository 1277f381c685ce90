"""Everything the emulator holds, in one object: what the API serves and the control plane drives.

Defaults and user changes are kept apart. The fixtures (and ``--chaos``) are the defaults; clients registered at
run time, fault rules and imported snapshots are user changes. A full :meth:`EmulatorState.reset` drops every user
change (run-time clients included) and returns to the defaults; a reset of one client empties its resources, quota
counter, fault rules and journal entries, and keeps its registration and its tokens.
"""

from __future__ import annotations

from typing import Any

from mock_server.clock import Clock
from mock_server.domain.calls import CallLog
from mock_server.domain.clients import ApiOptions, Client, ClientRegistry
from mock_server.domain.fault_plan import ChaosSpec, FaultPlan
from mock_server.domain.journal import DEFAULT_CAPACITY, Journal
from mock_server.domain.quota import QuotaBook
from mock_server.domain.server_errors import ServerErrors
from mock_server.domain.snapshot import export_state, load_state
from mock_server.domain.tenants import Backends
from mock_server.domain.tokens import TokenStore
from mock_server.errors import ClientAlreadyExists, ClientNotFound
from mock_server.fixtures import Fixtures, client_from
from mock_server.paths import API_PREFIX
from mock_server.scripts.fetch import FetchPolicy
from mock_server.scripts.isolation import ScriptRunner


class EmulatorState:
    """Clients, tokens, tenant stores, quota counters, journal and fault plan, on one clock, seeded from fixtures."""

    def __init__(
        self,
        fixtures: Fixtures,
        clock: Clock | None = None,
        script_policy: FetchPolicy | None = None,
        *,
        journal_size: int = DEFAULT_CAPACITY,
        chaos: ChaosSpec | None = None,
        api_options: ApiOptions | None = None,
    ) -> None:
        self.fixtures = fixtures
        # Where the test endpoint and the call simulator may fetch scripts from: configuration, never reset.
        self.script_policy = script_policy or FetchPolicy()
        # The run's response style and strictness (--response-style, --strict), for clients that set none:
        # configuration, never reset.
        self.api_options = api_options or ApiOptions()
        # Served over HTTPS from the local CA: the CA certificate a client trusts (configuration, never reset).
        self.ca_bundle: str | None = None
        # Runs their fetches and checks in child processes, within a CPU and a wall-clock budget.
        self.script_runner = ScriptRunner(self.script_policy)
        self.clock = clock or Clock()
        self.clients = ClientRegistry()
        self.tokens = TokenStore(self.clock.now, fixtures.token_lifetime_seconds)
        self.backends = Backends(self.clock.now)
        self.quotas = QuotaBook()
        self.journal = Journal(journal_size, API_PREFIX)
        self.faults = FaultPlan(API_PREFIX, chaos)
        # Unexpected exceptions, for the test that caused them (the pytest fixture reads them at teardown).
        self.server_errors = ServerErrors()
        # Calls run from the control plane and from softphones, with their events.
        self.calls = CallLog()
        # Where softphones reach the emulator (UDP and TCP), while its SIP side serves.
        self.sip_address: tuple[str, int] | None = None
        # Clients registered at run time (or imported), kept apart from the fixtures' ones.
        self.added_clients: dict[str, Client] = {}
        self.reset()

    def reset(self, client_id: str | None = None) -> None:
        """Everything back to the fixtures; with ``client_id``, that client only.

        Tokens of clients the fixtures define stay valid, so a client under test need not log in again after
        each reset; clients that only existed at run time are dropped with their tokens.
        """
        seeds = [seed for seed in self.fixtures.clients if client_id in (None, seed.client.client_id)]
        for client in self.clients.all():
            if client_id in (None, client.client_id):
                self.clients.remove(client.client_id)
                # A full reset drops run-time clients, and their tokens with them.
                if client_id is None and not self.is_fixture_client(client.client_id):
                    self.tokens.revoke_client(client.client_id)
        if client_id is None:
            self.added_clients.clear()
        elif client_id in self.added_clients:
            self.clients.add(self.added_clients[client_id])
        self.backends.reset(client_id)
        self.quotas.reset(client_id)
        self.journal.clear(client_id)
        self.calls.clear(client_id)
        self.faults.reset(client_id)
        for seed in seeds:
            # A fixture client replaced at run time keeps its replacement through its own reset (a full reset has
            # emptied added_clients).
            self.clients.add(self.added_clients.get(seed.client.client_id, seed.client))
            tenant = self.backends[seed.client.client_id]
            for account in seed.sip_accounts:
                username = account["username"]
                tenant.sip_accounts.create(username, account, seed.sip_account_ids.get(username))
            if seed.external_script is not None:
                script = seed.external_script
                tenant.external_scripts.create(script["url"], script.get("name", ""), seed.external_script_id)

    def new_client(self, fields: dict[str, Any]) -> Client:
        """A client from schema-checked ``NewClient`` fields; unset quota fields take the fixtures' default."""
        return client_from(fields, self.fixtures.default_quota)

    def add_client(self, client: Client) -> None:
        """Register a client at run time: its own empty tenant, until it is deleted or a full reset."""
        if self.clients.get(client.client_id) is not None:
            raise ClientAlreadyExists(info=f"client_id={client.client_id!r}")
        self.clients.add(client)
        self.added_clients[client.client_id] = client
        self.backends.reset(client.client_id)
        self.quotas.reset(client.client_id)

    def remove_client(self, client_id: str) -> None:
        """Forget a client, its tokens and its resources (a fixture client comes back with the next reset)."""
        if not self.clients.remove(client_id):
            raise ClientNotFound(info=f"client_id={client_id!r}")
        self.added_clients.pop(client_id, None)
        self.tokens.revoke_client(client_id)
        self.backends.reset(client_id)
        self.quotas.reset(client_id)

    def is_fixture_client(self, client_id: str) -> bool:
        return any(seed.client.client_id == client_id for seed in self.fixtures.clients)

    def export_state(self) -> dict[str, Any]:
        """A snapshot of every client and its resources (see :mod:`mock_server.domain.snapshot`)."""
        return export_state(self.clients.all(), self.backends)

    def import_state(self, document: dict[str, Any]) -> None:
        """Replace clients and resources with a schema-checked snapshot, whole or not at all."""
        loaded = load_state(document, self.clock.now)
        # Nothing below can fail: the snapshot is fully built.
        self.clients.clear()
        self.tokens.clear()
        self.quotas.reset()
        self.added_clients = {
            client.client_id: client for client in loaded.clients if not self.is_fixture_client(client.client_id)
        }
        for client in loaded.clients:
            self.clients.add(client)
        self.backends.replace_all(loaded.tenants)
