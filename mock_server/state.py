"""Everything the emulator holds, in one object: what the API serves and the control plane drives."""

from __future__ import annotations

from mock_server.clock import Clock
from mock_server.domain.clients import ClientRegistry
from mock_server.domain.quota import QuotaBook
from mock_server.domain.tenants import Backends
from mock_server.domain.tokens import TokenStore
from mock_server.fixtures import Fixtures
from mock_server.scripts.fetch import FetchPolicy


class EmulatorState:
    """Clients, tokens, per-tenant stores and quota counters, all on one clock, seeded from fixtures."""

    def __init__(
        self, fixtures: Fixtures, clock: Clock | None = None, script_policy: FetchPolicy | None = None
    ) -> None:
        self.fixtures = fixtures
        # Where the test endpoint and the call simulator may fetch scripts from: configuration, never reset.
        self.script_policy = script_policy or FetchPolicy()
        self.clock = clock or Clock()
        self.clients = ClientRegistry()
        self.tokens = TokenStore(self.clock.now, fixtures.token_lifetime_seconds)
        self.backends = Backends(self.clock.now)
        self.quotas = QuotaBook()
        self.reset()

    def reset(self, client_id: str | None = None) -> None:
        """Everything back to the fixtures; with ``client_id``, that client only.

        Tokens of clients the fixtures define stay valid, so a client under test need not log in again after
        each reset; clients that only existed at run time are dropped with their tokens.
        """
        seeds = [seed for seed in self.fixtures.clients if client_id in (None, seed.client.client_id)]
        seeded = {seed.client.client_id for seed in self.fixtures.clients}
        for client in self.clients.all():
            if client_id in (None, client.client_id):
                self.clients.remove(client.client_id)
                if client.client_id not in seeded:
                    self.tokens.revoke_client(client.client_id)
        self.backends.reset(client_id)
        self.quotas.reset(client_id)
        for seed in seeds:
            self.clients.add(seed.client)
            tenant = self.backends[seed.client.client_id]
            for account in seed.sip_accounts:
                tenant.sip_accounts.create(account["username"], account)
            if seed.external_script is not None:
                tenant.external_scripts.create(seed.external_script["url"], seed.external_script.get("name", ""))
