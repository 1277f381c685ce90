"""What a user's httpx client sees over a real socket: each fault kind, a replayed chaos run, snapshots, the journal.

The directory's served emulators (``conftest.py``: one per event loop; uvloop's transports are not
``asyncio.Transport`` but can be cut all the same) on 127.0.0.1; each test starts from a reset.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

import httpx
import pytest

from mock_server.testing import ApidazeMock

ACCOUNTS = "/communication/apidaze/cpaas/sipaccounts"


@pytest.fixture
def http(mock: ApidazeMock) -> Iterator[httpx.Client]:
    with mock.client(in_process=False, timeout=5) as client:
        yield client


def bearer(http: httpx.Client, mock: ApidazeMock) -> dict[str, str]:
    reply = http.post(mock.token_url, data=mock.credentials.form())
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def test_a_503_arrives_in_kpns_shape_with_kpns_headers(mock: ApidazeMock, http: httpx.Client) -> None:
    headers = bearer(http, mock)
    mock.faults.add(method="GET", path="/sipaccounts", status=503, times=1)
    reply = http.get(ACCOUNTS, headers=headers)
    assert reply.status_code == 503
    assert reply.json()["name"] == "ServiceUnavailable"
    assert reply.headers["retry-after"] == "1"
    assert reply.headers["api-version"] == "v1.1.1"
    assert http.get(ACCOUNTS, headers=headers).status_code == 200


def test_latency_makes_a_client_time_out(mock: ApidazeMock, http: httpx.Client) -> None:
    headers = bearer(http, mock)
    mock.faults.add(path="/sipaccounts", latency_ms=400, times=1)
    with pytest.raises(httpx.ReadTimeout):
        http.get(ACCOUNTS, headers=headers, timeout=0.1)
    assert http.get(ACCOUNTS, headers=headers).status_code == 200


def test_a_delayed_call_keeps_its_body_and_one_whose_client_left_is_abandoned(
    mock: ApidazeMock, http: httpx.Client
) -> None:
    headers = bearer(http, mock)
    mock.faults.add(method="POST", path="/sipaccounts", latency_ms=300, times=1)
    with pytest.raises(httpx.ReadTimeout):
        http.post(ACCOUNTS, json={"username": "gone"}, headers=headers, timeout=0.05)
    mock.faults.add(method="POST", path="/sipaccounts", latency_ms=50, times=1)
    created = http.post(ACCOUNTS, json={"username": "kept", "name": "Kept"}, headers=headers)
    assert (created.status_code, created.json()[0]["name"]) == (200, "Kept")
    assert [account.username for account in mock.tenant().sip_accounts.list()] == ["kept"]


def test_a_dropped_connection_is_reset_under_the_client(mock: ApidazeMock, http: httpx.Client) -> None:
    headers = bearer(http, mock)
    rule = mock.faults.add(path="/sipaccounts", action="drop", times=1)
    with pytest.raises(httpx.ReadError) as caught:
        http.get(ACCOUNTS, headers=headers)
    assert isinstance(caught.value.__context__, ConnectionResetError) or "reset" in str(caught.value).lower()
    assert http.get(ACCOUNTS, headers=headers).status_code == 200
    ok, dropped = mock.journal.entries(path="/sipaccounts")
    assert (dropped["status"], dropped["fault"], ok["fault"]) == (None, f"rule {rule['id']}: drop", None)


def test_a_drop_still_finds_the_connection_of_a_caller_behind_a_proxy(mock: ApidazeMock, http: httpx.Client) -> None:
    # uvicorn's proxy-headers layer used to take the client address from X-Forwarded-For, hiding the connection.
    headers = {**bearer(http, mock), "X-Forwarded-For": "10.1.2.3", "X-Forwarded-Proto": "https"}
    mock.faults.add(path="/sipaccounts", action="drop", times=1)
    with pytest.raises(httpx.ReadError):
        http.get(ACCOUNTS, headers=headers)
    assert http.get(ACCOUNTS, headers=headers).status_code == 200


def test_a_truncated_body_is_shorter_than_its_content_length(mock: ApidazeMock, http: httpx.Client) -> None:
    headers = bearer(http, mock)
    mock.faults.add(path="/sipaccounts", action="truncate", times=1)
    with pytest.raises(httpx.RemoteProtocolError, match=r"complete message body"):
        http.get(ACCOUNTS, headers=headers)
    assert http.get(ACCOUNTS, headers=headers).status_code == 200


def outcomes(mock: ApidazeMock, seed: int) -> list[str]:
    """Thirty calls under chaos, from a fresh start, and what the client saw of each."""
    mock.prepare()
    mock.faults.chaos(seed, 0.5, latency_ms=[1, 5])
    seen = []
    with httpx.Client(base_url=mock.base_url, timeout=5) as http:
        headers = {"Authorization": f"Bearer {mock.token()}"}
        for _ in range(30):
            try:
                seen.append(str(http.get(ACCOUNTS, headers=headers).status_code))
            except httpx.HTTPError as error:
                seen.append(type(error).__name__)
    return seen


def test_a_seeded_chaos_run_repeats_exactly(mock: ApidazeMock) -> None:
    first = outcomes(mock, 2024)
    assert first == outcomes(mock, 2024)
    assert {"200", "ReadError", "RemoteProtocolError"} <= set(first)
    assert set(first) & {"429", "500", "502", "503"}
    assert outcomes(mock, 7) != first


def test_a_snapshot_round_trips(mock: ApidazeMock, http: httpx.Client) -> None:
    headers = bearer(http, mock)
    http.post(ACCOUNTS, json={"username": "alice", "name": "Alice"}, headers=headers)
    snapshot = http.get("/__admin/state").json()
    http.post("/__admin/reset")
    assert http.get("/__admin/state").json() != snapshot
    assert http.put("/__admin/state", json=snapshot).status_code == 204
    assert http.get("/__admin/state").json() == snapshot
    accounts = http.get(ACCOUNTS, headers=bearer(http, mock)).json()
    assert [account["name"] for account in accounts] == ["Alice"]


def test_a_bad_snapshot_is_rejected_and_nothing_changes(mock: ApidazeMock, http: httpx.Client) -> None:
    http.post(ACCOUNTS, json={"username": "alice"}, headers=bearer(http, mock))
    before = http.get("/__admin/state").json()
    bad = copy.deepcopy(before)
    bad["clients"][0]["sip_accounts"] = [{"id": "1", "username": "no-other-fields"}]
    reply = http.put("/__admin/state", json=bad)
    assert reply.status_code == 400
    assert "body.clients" in reply.json()["message"]
    assert http.get("/__admin/state").json() == before


def test_the_journal_records_what_a_client_sent_with_secrets_redacted(mock: ApidazeMock, http: httpx.Client) -> None:
    token_reply = http.post(mock.token_url, data=mock.credentials.form())
    access_token = token_reply.json()["access_token"]
    http.post(ACCOUNTS, json={"username": "alice"}, headers={"Authorization": f"Bearer {access_token}"})
    journal = http.get("/__admin/requests", params={"client_id": mock.credentials.client_id}).json()["requests"]
    created, token_call = journal
    assert (created["method"], created["path"], created["status"]) == ("POST", ACCOUNTS, 200)
    assert created["body"] == '{"username":"alice"}'
    assert created["headers"]["authorization"] == "Bearer [redacted]"
    assert token_call["path"] == "/oauth/client_credential/accesstoken"
    assert "client_secret=%5Bredacted%5D" in token_call["body"]
    text = str(journal)
    assert access_token not in text
    assert mock.credentials.client_secret not in text


def test_a_respond_fault_arrives_as_written(mock: ApidazeMock, http: httpx.Client) -> None:
    headers = bearer(http, mock)
    mock.faults.add(path="/sipaccounts", action="respond", status=200, body="not json at all", times=1)
    odd = http.get(ACCOUNTS, headers=headers)
    assert (odd.status_code, odd.content, odd.headers["content-length"]) == (200, b"not json at all", "15")
    assert "content-type" not in odd.headers  # none was given: a client must cope
    assert http.get(ACCOUNTS, headers=headers).json() == []
