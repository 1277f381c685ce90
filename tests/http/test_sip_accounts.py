from __future__ import annotations

from typing import Any

import pytest

from mock_server.clock import Clock
from tests.conftest import Api, warnings


def create(api: Api, client_id: str = "alpha", **fields: str) -> Any:
    return api.call("POST", "/sipaccounts", client_id, data={"username": "alice", **fields})


def test_create_with_form_body_answers_200_array(api: Api) -> None:
    response = create(api, name="Alice", internal_caller_id_number="101", mwi_account="alice")
    assert response.status_code == 200  # KPN's Swagger; response style upstream answers 201
    [account] = response.json()
    assert account["sip"]["username"] == "alice"
    assert len(account["sip"]["password"]) >= 20
    assert account["callerid"]["internal_number"] == "101"
    assert account["voicemail"]["mwi_account"] == "alice"
    assert account["created_at"] == "2026-11-27T10:00:30.000Z"


def test_create_accepts_json_with_the_same_fields_and_says_so(api: Api) -> None:
    response = api.call("POST", "/sipaccounts", json={"username": "bob", "external_caller_id_number": "+31201234567"})
    assert response.status_code == 200
    assert response.json()[0]["callerid"]["external_number"] == "+31201234567"
    assert warnings(api) == [
        "body: sent as application/json; KPN's contract takes application/x-www-form-urlencoded only "
        "(--strict refuses it)"
    ]
    assert create(api, username="carol").status_code == 200
    assert warnings(api) == []


def test_strict_refuses_json(strict_api: Api) -> None:
    response = strict_api.call("POST", "/sipaccounts", json={"username": "bob"})
    assert response.status_code == 415
    assert "application/json" in response.json()["info"]
    assert strict_api.call("GET", "/sipaccounts").json() == []


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


def test_username_cannot_be_changed(api: Api, strict_api: Api) -> None:
    [account] = create(api).json()
    response = api.call("PUT", f"/sipaccounts/{account['id']}", data={"username": "mallory", "name": "M"})
    assert response.status_code == 200  # not a field of the update: ignored, as the platform ignores it
    assert response.json()[0]["sip"]["username"] == "alice"
    assert response.json()[0]["name"] == "M"
    assert warnings(api) == ["body.username: not a field of updateSipAccount; ignored (--strict refuses it)"]
    [account] = create(strict_api).json()
    response = strict_api.call("PUT", f"/sipaccounts/{account['id']}", data={"username": "mallory"})
    assert response.status_code == 400
    assert "username" in response.json()["message"]
    assert response.json()["info"] == "body: additionalProperties"


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
        ({"username": ""}, "body.username"),
        ({"username": "a" * 129}, "body.username"),
        ({"username": "alice", "name": "x" * 257}, "body.name"),
        ({"username": "alice", "internal_caller_id_number": "1" * 65}, "body.internal_caller_id_number"),
    ],
)
def test_invalid_create_is_400_naming_field_and_rule(api: Api, fields: dict[str, str], named: str) -> None:
    response = api.call("POST", "/sipaccounts", data=fields)
    assert response.status_code == 400
    body = response.json()
    assert body["name"] == "InvalidRequest"
    assert named in body["message"]
    assert api.call("GET", "/sipaccounts").json() == []  # nothing half-written


# The emulator's own rules: no evidence that the platform has them, so only a strict client is held to them.
STRICT_ONLY = [
    ({"username": "al"}, "body.username", "pattern"),
    ({"username": "alice bob"}, "body.username", "pattern"),
    ({"username": "alice\n"}, "body.username", "pattern"),
    ({"username": "alice", "internal_caller_id_number": "12ab"}, "body.internal_caller_id_number", "pattern"),
    ({"username": "alice", "name": "x" * 65}, "body.name", "maxLength"),
    ({"username": "alice", "email_address": "a@example.com"}, "email_address", "additionalProperties"),
]


@pytest.mark.parametrize(("fields", "named", "rule"), STRICT_ONLY)
def test_strict_refuses_what_only_the_emulator_asks(
    strict_api: Api, fields: dict[str, str], named: str, rule: str
) -> None:
    response = strict_api.call("POST", "/sipaccounts", data=fields)
    assert response.status_code == 400
    body = response.json()
    assert named in body["message"]
    assert rule in body["info"]
    assert strict_api.call("GET", "/sipaccounts").json() == []


@pytest.mark.parametrize(("fields", "named", "rule"), STRICT_ONLY)
def test_lenient_serves_what_only_the_emulator_would_refuse(
    api: Api, fields: dict[str, str], named: str, rule: str
) -> None:
    response = api.call("POST", "/sipaccounts", data=fields)
    assert response.status_code == 200, response.text
    [account] = response.json()
    assert account["sip"]["username"] == fields["username"]
    if rule == "additionalProperties":  # an unknown field: ignored, and the journal says so
        assert warnings(api) == [f"body.{named}: not a field of createSipAccount; ignored (--strict refuses it)"]
        assert named not in str(account)
    else:
        assert warnings(api) == []


def test_unknown_fields_named_in_warnings_are_bounded(api: Api) -> None:
    body = "&".join(["username=alice", *(f"f{index}=" for index in range(500))])
    response = api.call(
        "POST", "/sipaccounts", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 200
    found = warnings(api)
    assert len(found) == 11
    assert found[-1] == "body: 490 more unknown fields ignored"


def test_a_client_may_be_strict_on_a_lenient_run(api: Api) -> None:
    response = api.http.post(
        "/__admin/clients", json={"client_id": "picky", "client_secret": "picky-secret", "strict": True}
    )
    assert response.status_code == 201
    assert (response.json()["response_style"], response.json()["strict"]) == ("kpn", True)
    assert api.call("POST", "/sipaccounts", "picky", data={"username": "al"}).status_code == 400
    assert api.call("POST", "/sipaccounts", "alpha", data={"username": "al"}).status_code == 200


def test_status_uri_escapes_what_a_sip_user_part_may_not_hold(api: Api) -> None:
    [account] = create(api, username="alice smith@home").json()
    [status] = api.call("GET", f"/sipaccounts/{account['id']}/status").json()
    assert status["uri"] == "sip:alice%20smith%40home@alpha.example"


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
    assert create(api, "beta").status_code == 200
    assert api.call("GET", f"/sipaccounts/{mine['id']}", "alpha").json() == [mine]
