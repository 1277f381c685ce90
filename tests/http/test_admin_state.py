"""``/__admin/state``: export, import whole or not at all, ids never reused; through the ASGI app in process."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from tests.http.default_seed import ACCOUNTS, bearer


def test_an_exported_state_imports_back_after_a_reset(http: httpx.Client) -> None:
    headers = bearer(http)
    http.post(ACCOUNTS, json={"username": "alice"}, headers=headers)
    http.put("/__admin/sipaccounts/local-client/2/registration", json={"registered": True, "contact": "sip:a@x"})
    snapshot = http.get("/__admin/state").json()
    assert snapshot["format"] == "apidaze-mock-state"

    http.post("/__admin/reset")
    assert http.put("/__admin/state", json=snapshot).status_code == 204
    assert http.get("/__admin/state").json() == snapshot
    # Tokens are not part of a snapshot.
    assert http.get(ACCOUNTS, headers=headers).status_code == 401
    accounts = http.get(ACCOUNTS, headers=bearer(http)).json()
    assert [account["sip"]["username"] for account in accounts] == ["reception", "alice"]


def test_ids_are_not_reused_after_an_import(http: httpx.Client) -> None:
    headers = bearer(http)
    http.post(ACCOUNTS, json={"username": "alice"}, headers=headers)
    http.delete(f"{ACCOUNTS}/2", headers=headers)
    http.put("/__admin/state", json=http.get("/__admin/state").json())
    created = http.post(ACCOUNTS, json={"username": "bob"}, headers=bearer(http))
    assert created.json()[0]["id"] == "3"


def _break(snapshot: dict[str, Any], how: str) -> None:
    if how == "duplicate client":
        snapshot["clients"].append(copy.deepcopy(snapshot["clients"][0]))
    elif how == "missing field":
        del snapshot["clients"][1]["client_secret"]
    elif how == "wrong format":
        snapshot["format"] = "something-else"
    elif how == "duplicate username":
        accounts = snapshot["clients"][0]["sip_accounts"]
        accounts.append({**accounts[0], "id": "9"})
    elif how == "client id POST refuses":
        snapshot["clients"][1]["client_id"] = "a b"


@pytest.mark.parametrize(
    "how", ["duplicate client", "missing field", "wrong format", "duplicate username", "client id POST refuses"]
)
def test_a_bad_snapshot_is_refused_whole_and_nothing_changes(http: httpx.Client, how: str) -> None:
    headers = bearer(http)
    http.post("/__admin/clients", json={"client_id": "extra", "client_secret": "x"})
    before = http.get("/__admin/state").json()
    bad = copy.deepcopy(before)
    _break(bad, how)
    reply = http.put("/__admin/state", json=bad)
    assert reply.status_code == 400
    assert reply.json()["name"] == "InvalidRequest"
    assert http.get("/__admin/state").json() == before
    assert http.get(ACCOUNTS, headers=headers).status_code == 200  # tokens survive a refused import


SECRET = "S3CRET-" * 40  # over client_secret's 256 characters


@pytest.mark.parametrize(
    "how",
    ["secret too long", "clients as a mapping", "secret of the wrong type", "password too long", "one client bare"],
)
def test_a_refused_snapshot_never_quotes_a_secret_back(http: httpx.Client, how: str) -> None:
    snapshot = http.get("/__admin/state").json()
    client = snapshot["clients"][0]
    if how == "secret too long":
        client["client_secret"] = SECRET
    elif how == "clients as a mapping":
        snapshot["clients"] = {"local": {**client, "client_secret": SECRET}}
    elif how == "secret of the wrong type":
        client["client_secret"] = {"value": SECRET}
    elif how == "password too long":
        client["sip_accounts"][0]["password"] = SECRET
    elif how == "one client bare":
        snapshot["clients"] = {**client, "client_secret": SECRET}
    reply = http.put("/__admin/state", json=snapshot)
    assert reply.status_code == 400
    assert "S3CRET" not in reply.text
    assert "secret" in reply.json()["message"]  # it still says where and why


def test_an_overlong_client_secret_is_refused_without_being_quoted(http: httpx.Client) -> None:
    reply = http.post("/__admin/clients", json={"client_id": "ci", "client_secret": SECRET})
    assert reply.status_code == 400
    assert "S3CRET" not in reply.text
    assert "body.client_secret" in reply.json()["message"]
    assert "maxLength" in reply.json()["info"]
