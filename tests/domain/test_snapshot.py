"""Snapshot rules: round trip, id counters kept, bad snapshots refused before anything is built into place."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mock_server.domain.clients import Client, QuotaPolicy
from mock_server.domain.snapshot import export_state, load_state
from mock_server.domain.tenants import Backends
from mock_server.errors import InvalidRequest


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def populated() -> tuple[list[Client], Backends, FakeClock]:
    clock = FakeClock()
    backends = Backends(clock)
    clients = [Client("a", "a-secret", "a.example", QuotaPolicy(limit=5)), Client("b", "b-secret", "b.example")]
    accounts = backends["a"].sip_accounts
    accounts.create("alice", {"name": "Alice"})
    clock.now += 60
    accounts.create("bob", {})
    accounts.set_registration("1", True, "sip:alice@192.0.2.1")
    accounts.delete("2")
    backends["a"].external_scripts.create("https://example.com/ivr.xml", "ivr")
    return clients, backends, clock


def test_an_export_loads_back_to_the_same_export() -> None:
    clients, backends, clock = populated()
    document = export_state(clients, backends)
    loaded = load_state(copy.deepcopy(document), clock)
    rebuilt = Backends(clock)
    rebuilt.replace_all(loaded.tenants)
    assert export_state(loaded.clients, rebuilt) == document
    assert loaded.clients == clients


def test_id_counters_travel_so_an_id_is_never_reused() -> None:
    clients, backends, clock = populated()
    document = export_state(clients, backends)
    assert document["clients"][0]["next_ids"] == {"sip_accounts": 3, "external_scripts": 2}
    tenant = load_state(document, clock).tenants["a"]
    assert tenant.sip_accounts.create("carol", {}).id == "3"


def test_counters_below_the_ids_present_are_raised() -> None:
    clients, backends, clock = populated()
    document = export_state(clients, backends)
    document["clients"][0]["next_ids"] = {"sip_accounts": 1, "external_scripts": 1}
    assert load_state(document, clock).tenants["a"].sip_accounts.create("carol", {}).id == "2"


def _break(document: dict[str, Any], how: str) -> None:
    accounts = document["clients"][0]["sip_accounts"]
    if how == "duplicate client":
        document["clients"].append(copy.deepcopy(document["clients"][0]))
    elif how == "duplicate username":
        accounts.append({**accounts[0], "id": "77"})
    elif how == "duplicate id":
        accounts.append({**accounts[0], "username": "someone-else"})
    elif how == "bad quota":
        document["clients"][1]["quota"] = {"limit": 0}
    # What the schema refuses, given to the domain directly: building the snapshot must refuse it too.
    elif how == "time the clock cannot show":
        accounts[0]["created_at"] = 1e300
    elif how == "month window beyond the calendar":
        document["clients"][1]["quota"] = {"interval": 10**5, "time_unit": "month"}
    elif how == "script time before the epoch":
        document["clients"][0]["external_script"]["updated_at"] = -1e12


@pytest.mark.parametrize(
    "how",
    [
        "duplicate client",
        "duplicate username",
        "duplicate id",
        "bad quota",
        "time the clock cannot show",
        "month window beyond the calendar",
        "script time before the epoch",
    ],
)
def test_a_bad_snapshot_is_refused_with_the_place_named(how: str) -> None:
    clients, backends, clock = populated()
    document = export_state(clients, backends)
    _break(document, how)
    with pytest.raises(InvalidRequest) as caught:
        load_state(document, clock)
    assert caught.value.info.startswith("body.clients[")
