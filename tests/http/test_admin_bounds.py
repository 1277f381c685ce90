"""Inputs that pass a loose schema but cannot be served are refused at the door, and the emulator keeps serving.

Each of these was accepted once, and then the add itself, or every later listing or export, answered 500.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.http.default_seed import ACCOUNTS, bearer

Change = Callable[[dict[str, Any]], None]


def _account(change: Callable[[dict[str, Any]], None]) -> Change:
    return lambda snapshot: change(snapshot["clients"][0]["sip_accounts"][0])


def _client(change: Callable[[dict[str, Any]], None]) -> Change:
    return lambda snapshot: change(snapshot["clients"][0])


SNAPSHOTS: dict[str, Change] = {
    "timestamp far in the future": _account(lambda account: account.update(created_at=1e300)),
    "timestamp before the epoch": _account(lambda account: account.update(updated_at=-1e12)),
    "account id of 64 nines": _account(lambda account: account.update(id="9" * 64)),
    "next id beyond 2^53": _client(lambda client: client.update(next_ids={"sip_accounts": 10**23})),
    "next id as a float": _client(lambda client: client.update(next_ids={"sip_accounts": 1e23})),
    # The API's own (lenient) field rules: what it would not store, a snapshot cannot hold either.
    "username the API refuses": _account(lambda account: account.update(username="x" * 129)),
    "username empty": _account(lambda account: account.update(username="")),
    "caller id the API refuses": _account(lambda account: account.update(internal_caller_id_number="1" * 65)),
    "script url the API refuses": _client(
        lambda client: client.update(
            external_script={"id": "1", "name": "", "url": "", "created_at": 0, "updated_at": 0}
        )
    ),
    "quota interval of 1e10 minutes": _client(lambda client: client["quota"].update(interval=10**10)),
    "quota interval of 1e5 months": _client(lambda client: client["quota"].update(interval=10**5, time_unit="month")),
    "quota limit of 1e23": _client(lambda client: client["quota"].update(limit=1e23)),
}


@pytest.mark.parametrize("how", SNAPSHOTS)
def test_an_unservable_snapshot_is_refused_and_the_state_still_exports(http: httpx.Client, how: str) -> None:
    before = http.get("/__admin/state").json()
    bad = copy.deepcopy(before)
    SNAPSHOTS[how](bad)
    reply = http.put("/__admin/state", json=bad)
    assert reply.status_code == 400, reply.text
    assert reply.json()["name"] == "InvalidRequest"
    after = http.get("/__admin/state")
    assert after.status_code == 200
    assert after.json() == before


FAULTS: list[dict[str, Any]] = [
    {"status": 503, "seed": 10**23},
    {"status": 503, "seed": 1e23},
    {"status": 503, "times": 10**23},
    {"status": 429, "retry_after": 10**23},
    {"latency_ms": 1, "times": 1e23},
]


@pytest.mark.parametrize("rule", FAULTS)
def test_an_unservable_fault_rule_is_refused_and_leaves_no_rule_behind(
    http: httpx.Client, rule: dict[str, Any]
) -> None:
    reply = http.post("/__admin/faults", json=rule)
    assert reply.status_code == 400, reply.text
    listed = http.get("/__admin/faults")
    assert listed.status_code == 200
    assert listed.json()["rules"] == []


@pytest.mark.parametrize("chaos", [{"seed": 10**23, "rate": 0.5}, {"seed": 1e23, "rate": 0.5}])
def test_an_unservable_chaos_seed_is_refused(http: httpx.Client, chaos: dict[str, Any]) -> None:
    assert http.put("/__admin/faults/chaos", json=chaos).status_code == 400
    assert http.get("/__admin/faults").status_code == 200


@pytest.mark.parametrize("quota", [{"limit": 1e23}, {"interval": 10**10}, {"interval": 10**5, "time_unit": "month"}])
def test_an_unservable_quota_is_refused(http: httpx.Client, quota: dict[str, Any]) -> None:
    reply = http.post("/__admin/clients", json={"client_id": "ci", "client_secret": "s", "quota": quota})
    assert reply.status_code == 400, reply.text


def test_whole_numbers_written_as_floats_are_read_as_integers(http: httpx.Client) -> None:
    created = http.post("/__admin/clients", json={"client_id": "ci", "client_secret": "s", "quota": {"limit": 5.0}})
    assert created.status_code == 201
    assert created.text.count('"limit":5,') == 1
    assert http.get(ACCOUNTS, headers=bearer(http, "ci", "s")).headers["quota-limit"] == "5"
    rule = http.post("/__admin/faults", json={"status": 503, "times": 2.0, "seed": 7.0, "client_id": "nobody"})
    assert rule.status_code == 201
    assert (rule.json()["times"], rule.json()["seed"], rule.json()["remaining"]) == (2, 7, 2)
    assert '"times":2,' in rule.text


def test_a_latency_written_as_a_float_is_a_delay_not_a_500(http: httpx.Client) -> None:
    # The admin fuzz run found it on main: latency_ms 5.0 passed the schema, then 'float' is not subscriptable.
    reply = http.post("/__admin/faults", json={"latency_ms": 5.0, "client_id": "nobody"})
    assert reply.status_code == 201, reply.text
    assert reply.json()["latency_ms"] == [5, 5]
