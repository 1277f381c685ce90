"""The SIP side served with the API (``ApidazeMock.sip_address``): what a softphone does shows through HTTP.

A plain-socket phone registers and calls; the status endpoint, ``/__admin/health``, ``/__admin/registrations``, the
journal and ``/__admin/calls`` tell the same story.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_server.testing import ApidazeMock
from tests.script_server import ScriptServer
from tests.sip.phone import Caller

SCRIPTS = Path(__file__).parent / "scripts"


@pytest.fixture(scope="module")
def mock() -> Iterator[ApidazeMock]:
    with ApidazeMock() as handle:
        yield handle


@pytest.fixture
def fresh(mock: ApidazeMock) -> ApidazeMock:
    return mock.prepare(domain="tests.example", sip_accounts=[{"username": "alice", "internal_caller_id_number": "7"}])


@pytest.fixture
def http(fresh: ApidazeMock) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fresh.base_url, headers={"Authorization": f"Bearer {fresh.token()}"}) as client:
        yield client


def phone(mock: ApidazeMock) -> Caller:
    account = mock.tenant().sip_accounts.by_username("alice")
    return Caller(mock.sip_address, "alice", account.password, mock.sip_domain)


def status(http: httpx.Client) -> dict[str, Any]:
    body: dict[str, Any] = http.get("/communication/apidaze/cpaas/sipaccounts/1/status").json()[0]
    return body


def test_health_gives_the_sip_address(fresh: ApidazeMock, http: httpx.Client) -> None:
    host, port = fresh.sip_address
    assert http.get("/__admin/health").json()["sip"] == {"host": host, "port": port, "transports": ["udp", "tcp"]}


def test_a_registration_shows_in_the_status_the_registrations_and_the_journal(
    fresh: ApidazeMock, http: httpx.Client
) -> None:
    assert status(http)["status"] == "Not registered"
    host, port = fresh.sip_address
    assert status(http)["uri"] == f"sip:alice@tests.example:{port};maddr={host}"
    alice = phone(fresh)
    try:
        assert alice.register(600).status_code == 200
    finally:
        alice.close()
    assert status(http)["status"] == "Registered"
    [live] = http.get("/__admin/registrations", params={"client_id": fresh.credentials.client_id}).json()[
        "registrations"
    ]
    assert live["contact"] == f"sip:alice@127.0.0.1:{alice.port}"
    assert live["expires_in"] == 600
    assert live["source"] == f"udp 127.0.0.1:{alice.port}"
    registers = fresh.journal(method="REGISTER")
    assert [entry["status"] for entry in registers] == [200, 401]
    assert registers[0]["client_id"] == fresh.credentials.client_id
    assert registers[1]["client_id"] is None
    assert registers[0]["path"] == "sip:tests.example"
    assert registers[0]["headers"]["authorization"] == "Digest [redacted]"
    fresh.clock.advance(600)
    assert status(http)["status"] == "Not registered"
    assert http.get("/__admin/registrations").json()["registrations"] == []


def test_a_softphone_call_and_a_simulated_call_share_the_call_log(fresh: ApidazeMock, http: httpx.Client) -> None:
    with ScriptServer(SCRIPTS) as scripts:
        fresh.tenant().external_scripts.create(f"{scripts.url}/refuse.xml")
        alice = phone(fresh)
        try:
            answer = alice.invite("+31201234567")
        finally:
            alice.close()
        assert answer is not None
        assert answer.status_code == 480
        simulated = http.post("/__admin/calls", json={"url": f"{scripts.url}/menu.xml", "dtmf": "1"}).json()
    calls = http.get("/__admin/calls").json()["calls"]
    assert [(call["origin"], call["id"]) for call in calls] == [("control", simulated["id"]), ("sip", calls[1]["id"])]
    sip_call = http.get(f"/__admin/calls/{calls[1]['id']}").json()
    assert sip_call["client_id"] == fresh.credentials.client_id
    assert sip_call["state"] == "ended"
    assert sip_call["events"][0]["params"]["caller_id_number"] == "7"
    assert http.get("/__admin/calls", params={"origin": "sip"}).json()["calls"] == [sip_call]
    assert http.get("/__admin/calls/no-such-call").status_code == 404
    invites = fresh.journal(method="INVITE")
    assert [entry["status"] for entry in invites] == [480, 407]
    assert invites[0]["headers"]["proxy-authorization"] == "Digest [redacted]"


def test_a_reset_drops_registrations_and_calls(fresh: ApidazeMock, http: httpx.Client) -> None:
    fresh.set_registration("1", True, "sip:alice@192.0.2.1")
    assert http.get("/__admin/registrations").json()["registrations"][0]["source"] == "control"
    fresh.reset()
    assert http.get("/__admin/registrations").json()["registrations"] == []
    assert http.get("/__admin/calls").json()["calls"] == []


def test_the_sip_side_stops_with_the_server() -> None:
    with ApidazeMock() as handle:
        address = handle.sip_address
        assert handle.call(lambda: handle.state.sip_address) == address
    assert handle.state.sip_address is None
