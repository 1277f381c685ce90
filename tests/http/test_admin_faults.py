"""``/__admin/faults`` and the faults middleware, through the ASGI app in process."""

from __future__ import annotations

import httpx
import pytest

from tests.http.default_seed import ACCOUNTS, TOKEN, bearer


def test_a_rule_is_added_listed_and_answers_in_the_apis_error_shape(http: httpx.Client) -> None:
    headers = bearer(http)
    added = http.post("/__admin/faults", json={"method": "GET", "path": ACCOUNTS, "times": 1, "status": 503})
    assert added.status_code == 201
    assert added.json()["remaining"] == 1
    assert isinstance(added.json()["seed"], int)

    faulted = http.get(ACCOUNTS, headers=headers)
    assert faulted.status_code == 503
    assert faulted.json() == {
        "transactionId": faulted.json()["transactionId"],
        "status": "503",
        "name": "ServiceUnavailable",
        "message": "Injected fault: 503 ServiceUnavailable.",
        "info": "apidaze-mock rule 1: status 503",
    }
    assert faulted.headers["api-version"] == "v1.1.1"
    assert faulted.headers["retry-after"] == "1"
    assert faulted.headers["quota-used"] == "1"  # faults come after quota: the call counted

    assert http.get(ACCOUNTS, headers=headers).status_code == 200
    rules = http.get("/__admin/faults").json()["rules"]
    assert [(rule["fired"], rule["remaining"]) for rule in rules] == [(1, 0)]


def test_a_429_fault_carries_retry_after(http: httpx.Client) -> None:
    headers = bearer(http)
    http.post(
        "/__admin/faults", json={"path": "/sipaccounts", "status": 429, "retry_after": 30, "message": "slow down"}
    )
    reply = http.get(ACCOUNTS, headers=headers)
    assert (reply.status_code, reply.headers["retry-after"]) == (429, "30")
    assert reply.json()["name"] == "TooManyRequests"
    assert reply.json()["message"] == "slow down"


def test_the_token_endpoint_can_be_faulted_too(http: httpx.Client) -> None:
    http.post("/__admin/faults", json={"path": "/oauth/client_credential/accesstoken", "status": 500, "times": 1})
    assert http.post(TOKEN, data={"client_id": "local-client", "client_secret": "local-secret"}).status_code == 500
    assert http.post(TOKEN, data={"client_id": "local-client", "client_secret": "local-secret"}).status_code == 200


def test_a_client_scoped_rule_leaves_other_tenants_alone(http: httpx.Client) -> None:
    mine, theirs = bearer(http), bearer(http, "contract-tests", "contract-tests-secret")
    http.post("/__admin/faults", json={"client_id": "local-client", "status": 502})
    assert http.get(ACCOUNTS, headers=mine).status_code == 502
    assert http.get(ACCOUNTS, headers=theirs).status_code == 200


def test_refused_calls_never_reach_the_fault_plan(http: httpx.Client) -> None:
    http.post("/__admin/faults", json={"path": "/sipaccounts", "status": 503, "times": 1})
    assert http.get(ACCOUNTS).status_code == 401
    assert http.get("/__admin/faults").json()["rules"][0]["matched"] == 0


def test_a_truncated_reply_and_a_dropped_connection_reach_the_client_as_transport_errors(http: httpx.Client) -> None:
    headers = bearer(http)
    http.post("/__admin/faults", json={"path": "/sipaccounts", "action": "truncate", "times": 1})
    http.post("/__admin/faults", json={"path": "/sipaccounts", "action": "drop", "times": 1})
    with pytest.raises(httpx.RemoteProtocolError):
        http.get(ACCOUNTS, headers=headers)
    with pytest.raises(httpx.ReadError):
        http.get(ACCOUNTS, headers=headers)
    assert http.get(ACCOUNTS, headers=headers).status_code == 200


@pytest.mark.parametrize(
    "rule",
    [
        {},
        {"action": "drop", "status": 500},
        {"status": 200},
        {"status": 503, "times": 0},
        {"status": 503, "probability": 2},
        {"latency_ms": [10, 20, 30]},
        {"latency_ms": [30, 10]},
        {"path": "sipaccounts", "status": 500},
        {"status": 500, "colour": "red"},
    ],
)
def test_a_bad_rule_is_refused_with_400(http: httpx.Client, rule: dict[str, object]) -> None:
    reply = http.post("/__admin/faults", json=rule)
    assert reply.status_code == 400
    assert reply.json()["name"] == "InvalidRequest"
    assert http.get("/__admin/faults").json()["rules"] == []


def test_rules_are_read_and_removed_one_at_a_time_or_all(http: httpx.Client) -> None:
    first = http.post("/__admin/faults", json={"status": 500}).json()["id"]
    http.post("/__admin/faults", json={"status": 502})
    assert http.get(f"/__admin/faults/{first}").json()["status"] == 500
    assert http.delete(f"/__admin/faults/{first}").status_code == 204
    assert http.get(f"/__admin/faults/{first}").status_code == 404
    assert http.delete("/__admin/faults").status_code == 204
    assert http.get("/__admin/faults").json() == {"rules": [], "chaos": None}


def test_chaos_is_set_read_and_stopped(http: httpx.Client) -> None:
    headers = bearer(http)
    assert http.get("/__admin/faults/chaos").json() is None
    reply = http.put("/__admin/faults/chaos", json={"seed": 5, "rate": 1, "statuses": [418], "actions": ["status"]})
    assert reply.status_code == 200
    assert http.get(ACCOUNTS, headers=headers).status_code == 418
    assert http.get("/__admin/faults").json()["chaos"]["fired"] == 1
    assert http.delete("/__admin/faults/chaos").status_code == 204
    assert http.get(ACCOUNTS, headers=headers).status_code == 200
    assert http.put("/__admin/faults/chaos", json={"seed": 5, "rate": 1.5}).status_code == 400


def test_a_full_reset_drops_rules(http: httpx.Client) -> None:
    http.post("/__admin/faults", json={"status": 500})
    assert http.post("/__admin/reset").status_code == 204
    assert http.get("/__admin/faults").json()["rules"] == []


def test_a_respond_rule_over_http_answers_its_own_status_headers_and_body(http: httpx.Client) -> None:
    headers = bearer(http)
    rule = {
        "method": "POST",
        "path": "/sipaccounts",
        "action": "respond",
        "status": 202,
        "headers": {"Content-Type": "application/json", "Location": "/elsewhere"},
        "body": '{"queued": true}',
        "times": 1,
    }
    added = http.post("/__admin/faults", json=rule)
    assert added.status_code == 201, added.text
    assert (added.json()["headers"], added.json()["body"]) == (rule["headers"], rule["body"])
    odd = http.post(ACCOUNTS, data={"username": "alice"}, headers=headers)
    assert (odd.status_code, odd.json(), odd.headers["location"]) == (202, {"queued": True}, "/elsewhere")
    listed = http.get(ACCOUNTS, headers=headers).json()
    assert "alice" not in [account["sip"]["username"] for account in listed]  # answered by the rule: nothing made
    assert http.get("/__admin/faults").json()["rules"][0]["fired"] == 1


@pytest.mark.parametrize(
    "rule",
    [
        {"action": "respond", "headers": {"bad name": "x"}},
        {"action": "respond", "headers": {"X-Odd": "line\nbreak"}},
        {"action": "respond", "headers": {"Transfer-Encoding": "chunked"}},
        {"action": "respond", "body": "x" * 32769},
        {"action": "drop", "headers": {"X-Odd": "1"}},
    ],
)
def test_a_respond_rule_that_cannot_be_sent_is_refused(http: httpx.Client, rule: dict[str, object]) -> None:
    refused = http.post("/__admin/faults", json=rule)
    assert refused.status_code == 400, refused.text
    assert http.get("/__admin/faults").json()["rules"] == []
