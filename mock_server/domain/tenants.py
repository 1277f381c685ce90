"""One store per OAuth client, created on first use: the tenant boundary of the emulator."""

from __future__ import annotations

from collections.abc import Callable

from mock_server.domain.external_scripts import ExternalScriptStore
from mock_server.domain.sip_accounts import SipAccountStore


class TenantStore:
    """Everything one OAuth client owns."""

    def __init__(self, client_id: str, now: Callable[[], float]) -> None:
        self.client_id = client_id
        self.sip_accounts = SipAccountStore(now)
        self.external_scripts = ExternalScriptStore(now)


class Backends:
    """Maps client id to :class:`TenantStore`; a lookup in another tenant's store simply finds nothing."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self._tenants: dict[str, TenantStore] = {}

    def __getitem__(self, client_id: str) -> TenantStore:
        store = self._tenants.get(client_id)
        if store is None:
            store = self._tenants[client_id] = TenantStore(client_id, self._now)
        return store

    def __contains__(self, client_id: object) -> bool:
        return client_id in self._tenants

    def replace_all(self, stores: dict[str, TenantStore]) -> None:
        """Swap in stores built elsewhere (snapshot import), all at once."""
        self._tenants = dict(stores)

    def client_ids(self) -> list[str]:
        return list(self._tenants)

    def reset(self, client_id: str | None = None) -> None:
        if client_id is None:
            self._tenants.clear()
        else:
            self._tenants.pop(client_id, None)
