"""``/__admin/requests`` and the journal middleware, through the ASGI app in process."""

from __future__ import annotations

import httpx
import pytest

from mock_server.app import Emulator, create_app
from tests.http.default_seed import ACCOUNTS, TOKEN, access_token


@pytest.fixture
def default_app() -> Emulator:
    return create_app(journal_size=5)


def test_each_call_is_recorded_as_the_client_sent_it_with_secrets_redacted(http: httpx.Client) -> None:
    value = access_token(http)
    created = http.post(
        ACCOUNTS, json={"username": "alice", "name": "Alice"}, headers={"Authorization": f"Bearer {value}"}
    )
    assert created.status_code == 200
    recorded = http.get("/__admin/requests").json()
    assert recorded["capacity"] == 5
    post, token_call = recorded["requests"]
    assert post["client_id"] == "local-client"
    assert (post["method"], post["path"], post["status"]) == ("POST", ACCOUNTS, 200)
    assert post["body"] == '{"username":"alice","name":"Alice"}'
    assert post["headers"]["authorization"] == "Bearer [redacted]"
    assert post["duration_ms"] >= 0
    assert post["fault"] is None
    assert token_call["client_id"] == "local-client"
    assert token_call["query"] == "grant_type=client_credentials"
    assert "local-secret" not in token_call["body"]
    assert value not in str(recorded)


def test_secret_query_values_are_redacted_in_the_journal(http: httpx.Client) -> None:
    http.post(f"{TOKEN}&client_id=local-client&client_secret=local-secret")
    http.get(ACCOUNTS + "?api_key=k3y&name=alice")
    listed, token_call = http.get("/__admin/requests").json()["requests"]
    assert token_call["query"] == "grant_type=client_credentials&client_id=[redacted]&client_secret=[redacted]"
    assert listed["query"] == "api_key=[redacted]&name=alice"
    assert "local-secret" not in str(token_call)


def test_refused_and_faulted_calls_are_recorded(http: httpx.Client) -> None:
    http.post("/__admin/faults", json={"path": "/oauth/**", "status": 503, "times": 1})
    http.get(ACCOUNTS)
    http.post(TOKEN, data={"client_id": "local-client", "client_secret": "local-secret"})
    faulted, refused = http.get("/__admin/requests").json()["requests"]
    assert (refused["status"], refused["client_id"]) == (401, None)
    assert (faulted["status"], faulted["fault"]) == (503, "rule 1: status 503")


def test_filters_and_limit_newest_first(http: httpx.Client) -> None:
    headers = {"Authorization": f"Bearer {access_token(http)}"}
    http.get(ACCOUNTS, headers=headers)
    http.get(ACCOUNTS + "/404", headers=headers)
    http.get(ACCOUNTS)

    def statuses(**query: str) -> list[int]:
        return [entry["status"] for entry in http.get("/__admin/requests", params=query).json()["requests"]]

    assert statuses() == [401, 404, 200, 200]
    assert statuses(client_id="local-client", method="get") == [404, 200]
    assert statuses(path="/sipaccounts/{id}") == [404]
    assert statuses(status="401") == [401]
    assert statuses(limit="2") == [401, 404]
    refused = http.get("/__admin/requests", params={"status": "abc"})
    assert refused.status_code == 400
    assert (refused.json()["name"], refused.json()["info"]) == ("InvalidRequest", "query.status: type")


def test_the_journal_is_bounded_and_cleared(http: httpx.Client) -> None:
    for _ in range(8):
        http.get(ACCOUNTS)
    entries = http.get("/__admin/requests").json()["requests"]
    assert [entry["id"] for entry in entries] == [8, 7, 6, 5, 4]
    assert http.delete("/__admin/requests").status_code == 204
    assert http.get("/__admin/requests").json()["requests"] == []


def test_control_calls_are_not_recorded(http: httpx.Client) -> None:
    http.get("/__admin/health")
    http.post("/__admin/reset")
    assert http.get("/__admin/requests").json()["requests"] == []


def test_entries_show_the_body_parsed_and_filter_on_body_query_and_headers(http: httpx.Client) -> None:
    value = access_token(http)
    auth = {"Authorization": f"Bearer {value}"}
    http.post(ACCOUNTS, data={"username": "alice", "name": "Alice A"}, headers=auth)
    http.post(ACCOUNTS, json={"username": "bob", "internal_caller_id_number": "102"}, headers=auth)
    http.get(ACCOUNTS + "?page=2", headers={**auth, "X-Trace": "t-1"})

    entries = http.get("/__admin/requests").json()["requests"]
    listed, bob, alice, token_call = entries
    assert (alice["form"], alice["json"]) == ({"username": "alice", "name": "Alice A"}, None)
    assert (bob["form"], bob["json"]) == (None, {"username": "bob", "internal_caller_id_number": "102"})
    assert (listed["form"], listed["json"]) == (None, None)
    # The token call's form is parsed from the redacted body: the secret never shows.
    assert token_call["form"] == {"client_id": "local-client", "client_secret": "[redacted]"}

    def ids(**query: str) -> list[int]:
        reply = http.get("/__admin/requests", params=query)
        assert reply.status_code == 200, reply.text
        return [entry["id"] for entry in reply.json()["requests"]]

    assert ids(body="username=alice") == [alice["id"]]
    assert ids(body='"username":"bob"') == [bob["id"]]
    assert ids(query="page=2") == [listed["id"]]
    assert ids(query="page=3") == []
    assert ids(header="x-trace: t-1") == [listed["id"]]
    assert ids(header="X-Trace:t-2") == []
    assert ids(query="grant_type=client_credentials", method="POST") == [token_call["id"]]
    assert ids(body="local-secret") == []  # secrets match nothing
    assert http.get("/__admin/requests", params={"header": "no colon"}).status_code == 400


def test_a_body_cut_at_the_limit_is_not_parsed(http: httpx.Client) -> None:
    auth = {"Authorization": f"Bearer {access_token(http)}"}
    http.post(ACCOUNTS, json={"username": "carol", "name": "x" * 9000}, headers=auth)
    entry = http.get("/__admin/requests", params={"limit": 1}).json()["requests"][0]
    assert entry["body"].endswith("…")
    assert (entry["form"], entry["json"]) == (None, None)


def test_a_secret_spelled_with_a_percent_escape_is_redacted_in_the_journal(http: httpx.Client) -> None:
    # The token endpoint decodes client%5Fsecret to client_secret and accepts it: the journal must not show it.
    reply = http.post(
        TOKEN,
        content=b"client_id=local-client&client%5Fsecret=local-secret",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status_code == 200
    [token_call] = http.get("/__admin/requests").json()["requests"]
    assert "local-secret" not in str(token_call)
    assert reply.json()["access_token"] not in str(token_call)
