"""``mock_server.testing.ApidazeMock`` without a socket: the handle's own methods, and the async transport."""

from __future__ import annotations

import anyio
import httpx
import pytest

from mock_server.app import create_app
from mock_server.clock import Clock
from mock_server.errors import ClientAlreadyExists, InvalidRequest
from mock_server.testing import ApidazeMock

ACCOUNTS = "/communication/apidaze/cpaas/sipaccounts"


@pytest.fixture
def mock() -> ApidazeMock:
    return ApidazeMock()


def test_the_handle_has_its_own_client_with_an_empty_tenant(mock: ApidazeMock) -> None:
    with mock.client() as http:
        token = http.post("/oauth/client_credential/accesstoken", data=mock.credentials.form())
        assert token.status_code == 200
        assert http.get(ACCOUNTS, headers={"Authorization": f"Bearer {mock.token()}"}).json() == []


def test_resetting_another_client_leaves_the_handles_client_alone(mock: ApidazeMock) -> None:
    token = mock.token()
    mock.tenant().sip_accounts.create("alice", {})
    other = mock.add_client()
    mock.tenant(other.client_id).sip_accounts.create("bob", {})
    mock.reset(other.client_id)
    assert [account.username for account in mock.tenant().sip_accounts.list()] == ["alice"]
    assert mock.tenant(other.client_id).sip_accounts.list() == []
    assert mock.state.tokens.lookup(token) is not None
    mock.reset(mock.credentials.client_id)
    assert mock.tenant().sip_accounts.list() == []
    assert mock.state.tokens.lookup(token) is not None  # a one-client reset keeps tokens


def test_add_client_makes_up_credentials_and_refuses_a_taken_id(mock: ApidazeMock) -> None:
    made = mock.add_client(quota={"limit": 3})
    assert made.client_secret == f"{made.client_id}-secret"
    assert mock.state.clients.get(made.client_id) is not None
    with pytest.raises(ClientAlreadyExists):
        mock.add_client(made.client_id, "x")
    with pytest.raises(InvalidRequest):
        mock.add_client("bad id with spaces", "x")


def test_rules_are_checked_like_the_control_endpoint_checks_them(mock: ApidazeMock) -> None:
    with pytest.raises(InvalidRequest):
        mock.faults.add(status=200)
    with pytest.raises(InvalidRequest):
        mock.inject_fault(path="/sipaccounts", latency_ms=(5, 1))
    rule = mock.inject_fault(path="/sipaccounts", latency_ms=(1, 5), times=2)
    assert mock.faults.get(rule["id"])["latency_ms"] == [1, 5]
    mock.faults.remove(rule["id"])
    assert mock.faults.all() == []


def test_state_round_trips_and_a_bad_snapshot_changes_nothing(mock: ApidazeMock) -> None:
    mock.tenant().sip_accounts.create("alice", {})
    mock.set_registration("1", True, "sip:alice@192.0.2.1")
    snapshot = mock.export_state()
    mock.reset()
    assert mock.tenant().sip_accounts.list() == []
    mock.import_state(snapshot)
    assert mock.export_state() == snapshot
    with pytest.raises(InvalidRequest):
        mock.import_state({**snapshot, "version": 2})
    assert mock.export_state() == snapshot


def test_the_clock_and_the_journal(mock: ApidazeMock) -> None:
    mock.clock.set(1_800_000_000, freeze=True)
    mock.advance_clock(60)
    with mock.client() as http:
        http.get(ACCOUNTS)
    (entry,) = mock.requests(status=401)
    assert entry["time"] == "2027-01-15T08:01:00.000Z"
    assert mock.journal.last() == entry
    mock.journal.clear()
    assert mock.journal.count() == 0


def test_the_transport_serves_async_clients_too() -> None:
    mock = ApidazeMock(create_app(clock=Clock()))
    mock.faults.add(path="/sipaccounts", action="drop", times=1)

    async def run() -> list[str]:
        seen = []
        async with httpx.AsyncClient(base_url="http://emulator.localhost", transport=mock.transport()) as http:
            headers = {"Authorization": f"Bearer {mock.token()}"}
            for _ in range(2):
                try:
                    seen.append(str((await http.get(ACCOUNTS, headers=headers)).status_code))
                except httpx.ReadError:
                    seen.append("reset")
        return seen

    assert anyio.run(run) == ["reset", "200"]


def test_journal_filters_take_dicts_of_fields_query_and_headers(mock: ApidazeMock) -> None:
    with mock.client() as http:
        auth = {"Authorization": f"Bearer {mock.token()}"}
        http.post(ACCOUNTS, data={"username": "alice"}, headers=auth)
        http.post(ACCOUNTS, json={"username": "bob", "name": "Bob"}, headers={**auth, "X-Request-Id": "r-7"})
    assert [e["json"]["username"] for e in mock.journal(body={"name": "Bob"})] == ["bob"]
    assert [e["form"] for e in mock.journal(body={"username": "alice"})] == [{"username": "alice"}]
    assert mock.journal.count(body={"username": "carol"}) == 0
    assert mock.journal.count(headers={"x-request-id": "r-7"}) == 1
    assert mock.journal.count(headers={"X-Request-Id": "r-8"}) == 0
    assert mock.journal.count(query={"grant_type": "client_credentials"}) == 0  # the handle's token is not a call


def test_a_respond_fault_answers_exactly_what_it_is_told(mock: ApidazeMock) -> None:
    mock.faults.add(
        method="GET",
        path="/sipaccounts",
        action="respond",
        status=200,
        headers={"Content-Type": "text/html; charset=utf-8", "X-Odd": "yes"},
        body="<html>maintenance</html>",
        times=1,
    )
    with mock.client() as http:
        auth = {"Authorization": f"Bearer {mock.token()}"}
        odd = http.get(ACCOUNTS, headers=auth)
        assert (odd.status_code, odd.text) == (200, "<html>maintenance</html>")
        assert odd.headers["content-type"] == "text/html; charset=utf-8"
        assert odd.headers["x-odd"] == "yes"
        assert (odd.headers["api-version"], odd.headers["quota-used"]) == ("v1.1.1", "1")  # the API's own headers
        assert http.get(ACCOUNTS, headers=auth).json() == []
    assert mock.journal.last(status=200, path="/sipaccounts")["fault"] is None
    assert mock.journal(path="/sipaccounts")[-1]["fault"] == "rule 1: respond 200"


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ({"action": "respond", "headers": {"Content-Length": "5"}}, "frames the answer itself"),
        ({"action": "respond", "status": 101}, "cannot be a final answer"),
        ({"action": "respond", "status": 204, "body": "x"}, "cannot be a final answer"),
        ({"status": 200}, "400 to 599"),
        ({"status": 503, "body": "x"}, "only with action 'respond'"),
        ({"action": "respond", "headers": {"X-Bad": "a\r\nb"}}, "does not match"),
    ],
)
def test_a_respond_fault_is_refused_when_it_cannot_be_sent(mock: ApidazeMock, rule: dict, problem: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        mock.faults.add(**rule)
    assert problem in f"{refused.value.detail} {refused.value.info}"


def test_assert_all_fired_names_the_rules_that_did_not(mock: ApidazeMock) -> None:
    mock.faults.add(method="GET", path="/sipaccounts", status=503, times=2)
    mock.faults.add(method="DELETE", path="/sipaccounts/{id}", action="drop")
    with mock.client() as http:
        http.get(ACCOUNTS, headers={"Authorization": f"Bearer {mock.token()}"})
    with pytest.raises(AssertionError) as unfired:
        mock.faults.assert_all_fired()
    assert str(unfired.value).splitlines()[1:] == [
        "rule 1 (GET /sipaccounts, status): fired 1 of 2 time(s), matched 1 call(s)",
        "rule 2 (DELETE /sipaccounts/{id}, drop): fired 0 of at least 1 time(s), matched 0 call(s)",
    ]
    with mock.client() as http:
        http.get(ACCOUNTS, headers={"Authorization": f"Bearer {mock.token()}"})
    mock.faults.remove("2")
    mock.faults.assert_all_fired()
