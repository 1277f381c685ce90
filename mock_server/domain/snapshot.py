"""State snapshots: every client with its resources and id counters, as plain JSON, and back.

Loading builds everything new first, renders each resource and finds each quota window once, and reports the first
broken rule as :class:`InvalidRequest`; the caller swaps the built pieces in only when all of it loaded, so a bad
snapshot changes nothing and a loaded one can be served. Id counters travel with the
resources, so an id is never handed out twice across an export and import. Tokens and quota counters are not part
of a snapshot: after an import clients ask for new tokens and start fresh windows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from mock_server.domain.clients import Client, QuotaPolicy
from mock_server.domain.external_scripts import ExternalScript
from mock_server.domain.quota import window_bounds
from mock_server.domain.sip_accounts import SipAccount
from mock_server.domain.tenants import Backends, TenantStore
from mock_server.errors import ApiError, InvalidRequest

FORMAT = "apidaze-mock-state"
VERSION = 1


def export_state(clients: list[Client], backends: Backends) -> dict[str, Any]:
    """Every client, its SIP accounts, its script and its id counters."""
    return {"format": FORMAT, "version": VERSION, "clients": [_export_client(c, backends) for c in clients]}


def _export_client(client: Client, backends: Backends) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        "domain": client.domain,
        "quota": asdict(client.quota),
        # Only what the client sets itself: the run's defaults stay the run's.
        **{name: getattr(client, name) for name in ("response_style", "strict") if getattr(client, name) is not None},
        "sip_accounts": [],
        "external_script": None,
        "next_ids": {"sip_accounts": 1, "external_scripts": 1},
    }
    if client.client_id in backends:
        tenant = backends[client.client_id]
        entry["sip_accounts"] = [account._asdict() for account in tenant.sip_accounts.list()]
        script = tenant.external_scripts.current
        entry["external_script"] = asdict(script) if script is not None else None
        entry["next_ids"] = {
            "sip_accounts": tenant.sip_accounts.next_id,
            "external_scripts": tenant.external_scripts.next_id,
        }
    return entry


@dataclass(frozen=True)
class LoadedState:
    """A snapshot, fully built and checked, ready to swap in."""

    clients: list[Client]
    tenants: dict[str, TenantStore]


def load_state(document: dict[str, Any], now: Callable[[], float]) -> LoadedState:
    """Build clients and tenant stores from a schema-checked snapshot; InvalidRequest names the first problem."""
    clients: list[Client] = []
    tenants: dict[str, TenantStore] = {}
    for index, entry in enumerate(document["clients"]):
        where = f"body.clients[{index}]"
        client_id = entry["client_id"]
        if client_id in tenants:
            raise InvalidRequest(f"{where}: client_id {client_id!r} appears twice.", info=f"{where}.client_id")
        try:
            quota = QuotaPolicy(**entry.get("quota", {}))
            tenant = TenantStore(client_id, now)
            seen_ids: set[str] = set()
            for account in entry.get("sip_accounts", []):
                if account["id"] in seen_ids:
                    raise InvalidRequest(f"SIP account id {account['id']!r} appears twice.")
                seen_ids.add(account["id"])
                tenant.sip_accounts.restore(SipAccount(**account))
            script = entry.get("external_script")
            if script is not None:
                tenant.external_scripts.restore(ExternalScript(**script))
            # Built is not enough: each piece must render and its quota window exist on the calendar, or every
            # later call that shows or counts it would fail instead.
            for account in tenant.sip_accounts.list():
                account.to_api()
            for script_built in tenant.external_scripts.list():
                script_built.to_api()
            window_bounds(quota, now())
        except (ApiError, ValueError, TypeError, OverflowError, OSError) as error:
            detail = error.detail if isinstance(error, ApiError) else str(error)
            raise InvalidRequest(f"{where}: {detail}", info=where) from None
        next_ids = entry.get("next_ids", {})
        # Never below what the resources themselves need, so an imported id is never issued again.
        tenant.sip_accounts.next_id = max(tenant.sip_accounts.next_id, next_ids.get("sip_accounts", 1))
        tenant.external_scripts.next_id = max(tenant.external_scripts.next_id, next_ids.get("external_scripts", 1))
        clients.append(
            Client(
                client_id,
                entry["client_secret"],
                entry["domain"],
                quota,
                entry.get("response_style"),
                entry.get("strict"),
            )
        )
        tenants[client_id] = tenant
    return LoadedState(clients, tenants)
