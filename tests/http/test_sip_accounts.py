from __future__ import annotations

from typing import Any

import pytest

from mock_server.clock import Clock
from tests.conftest import Api


def create(api: Api, client_id: str = "alpha", **fields: str) -> Any:
    return api.call("POST", "/sipaccounts", client_id, data={"username": "alice", **fields})


def test_create_with_form_body_answers_201_array(api: Api) -> None:
    response = create(api, name="Alice", internal_caller_id_number="101", mwi_account="alice")
    assert response.status_code == 201
    [account] = response.json()
    assert account["sip"]["username"] == "alice"
    assert len(account["sip"]["password"]) >= 20
    assert account["callerid"]["internal_number"] == "101"
    assert account["voicemail"]["mwi_account"] == "alice"
    assert account["created_at"] == "2026-11-27T10:00:30.000Z"


def test_create_accepts_json_with_the_same_fields(api: Api) -> None:
    response = api.call("POST", "/sipaccounts", json={"username": "bob", "external_caller_id_number": "+31201234567"})
    assert response.status_code == 201
    assert response.json()[0]["callerid"]["external_number"] == "+31201234567"


def test_list_read_update_delete_round_trip(api: Api, clock: Clock) -> None:
    [account] = create(api).json()
    assert api.call("GET", "/sipaccounts").json() == [account]
    assert api.call("GET", f"/sipaccounts/{account['id']}").json() == [account]

    clock.advance(90)
    response = api.call("PUT", f"/sipaccounts/{account['id']}", data={"name": "Alice B"})
    assert response.status_code == 200
    [updated] = response.json()
    assert updated["name"] == "Alice B"
    assert updated["sip"] == account["sip"]
    assert updated["updated_at"] == "2026-11-27T10:02:00.000Z"
    assert updated["created_at"] == account["created_at"]
    # Read answers are remembered per account value: the updated account must read as updated.
    assert api.call("GET", f"/sipaccounts/{account['id']}").json() == [updated]

    response = api.call("DELETE", f"/sipaccounts/{account['id']}")
    assert response.status_code == 200
    assert response.json() == [updated]
    assert api.call("GET", f"/sipaccounts/{account['id']}").status_code == 404
    assert api.call("GET", "/sipaccounts").json() == []


def test_update_without_fields_keeps_everything_but_updated_at(api: Api, clock: Clock) -> None:
    [account] = create(api, name="Alice").json()
    clock.advance(1)
    [updated] = api.call("PUT", f"/sipaccounts/{account['id']}").json()
    assert {**updated, "updated_at": account["updated_at"]} == account
    assert updated["updated_at"] != account["updated_at"]


def test_username_cannot_be_changed(api: Api) -> None:
    [account] = create(api).json()
    response = api.call("PUT", f"/sipaccounts/{account['id']}", data={"username": "mallory"})
    assert response.status_code == 400
    assert "username" in response.json()["message"]


def test_duplicate_username_is_409(api: Api) -> None:
    create(api)
    response = create(api)
    assert response.status_code == 409
    assert response.json()["name"] == "SipAccountAlreadyExists"


def test_ids_are_strings_and_never_reused(api: Api) -> None:
    [first] = create(api).json()
    api.call("DELETE", f"/sipaccounts/{first['id']}")
    [second] = create(api).json()
    assert isinstance(second["id"], str)
    assert second["id"] != first["id"]


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({}, "username"),
        ({"username": "al"}, "body.username"),
        ({"username": "alice bob"}, "body.username"),
        ({"username": "alice\n"}, "body.username"),
        ({"username": "alice", "internal_caller_id_number": "12ab"}, "body.internal_caller_id_number"),
        ({"username": "alice", "name": "x" * 65}, "body.name"),
        ({"username": "alice", "colour": "red"}, "colour"),
    ],
)
def test_invalid_create_is_400_naming_field_and_rule(api: Api, fields: dict[str, str], named: str) -> None:
    response = api.call("POST", "/sipaccounts", data=fields)
    assert response.status_code == 400
    body = response.json()
    assert body["name"] == "InvalidRequest"
    assert named in body["message"]
    assert api.call("GET", "/sipaccounts").json() == []  # nothing half-written


def test_json_null_and_numbers_are_not_strings(api: Api) -> None:
    response = api.call("POST", "/sipaccounts", json={"username": "alice", "name": None, "mwi_account": 7})
    assert response.status_code == 400
    assert "body.name" in response.json()["message"]
    assert "body.mwi_account" in response.json()["message"]


def test_status_follows_registration_set_by_the_control_plane(api: Api) -> None:
    [account] = create(api).json()
    [status] = api.call("GET", f"/sipaccounts/{account['id']}/status").json()
    assert status["uri"] == "sip:alice@alpha.example"
    assert status["status"] == "Not registered"
    response = api.http.put(
        f"/__admin/sipaccounts/alpha/{account['id']}/registration", json={"registered": True, "contact": "sip:a@h"}
    )
    assert response.status_code == 200
    [status] = api.call("GET", f"/sipaccounts/{account['id']}/status").json()
    assert status["status"] == "Registered"
    assert status["id"] == account["id"]


def test_tenants_never_see_each_others_accounts(api: Api) -> None:
    [mine] = create(api, "alpha").json()
    assert api.call("GET", "/sipaccounts", "beta").json() == []
    for method in ("GET", "PUT", "DELETE"):
        response = api.call(method, f"/sipaccounts/{mine['id']}", "beta")
        assert response.status_code == 404, method
    assert api.call("GET", f"/sipaccounts/{mine['id']}/status", "beta").status_code == 404
    # The same username is free in another tenant.
    assert create(api, "beta").status_code == 201
    assert api.call("GET", f"/sipaccounts/{mine['id']}", "alpha").json() == [mine]
