"""``/__admin/clients`` and reset semantics for run-time clients, through the ASGI app in process."""

from __future__ import annotations

import httpx
import pytest

from mock_server.spec import component_schema
from tests.http.default_seed import ACCOUNTS, TOKEN, bearer


def test_a_registered_client_gets_tokens_and_an_empty_tenant_of_its_own(http: httpx.Client) -> None:
    reply = http.post("/__admin/clients", json={"client_id": "ci-42", "client_secret": "s3cret", "quota": {"limit": 2}})
    assert reply.status_code == 201
    assert reply.json() == {
        "client_id": "ci-42",
        "domain": "ci-42.apidaze.local",
        "quota": {"limit": 2, "interval": 1, "time_unit": "minute", "spike_per_second": None},
        "origin": "runtime",
        "response_style": "kpn",
        "strict": False,
    }
    headers = bearer(http, "ci-42", "s3cret")
    assert http.get(ACCOUNTS, headers=headers).json() == []
    assert http.get(ACCOUNTS, headers=headers).headers["quota-limit"] == "2"
    listed = {client["client_id"]: client["origin"] for client in http.get("/__admin/clients").json()["clients"]}
    assert listed == {
        "local-client": "fixtures",
        "contract-tests": "fixtures",
        "throttled-client": "fixtures",
        "ci-42": "runtime",
    }
    assert "s3cret" not in http.get("/__admin/clients").text


def test_a_taken_id_is_a_409_and_a_bad_body_a_400(http: httpx.Client) -> None:
    assert http.post("/__admin/clients", json={"client_id": "local-client", "client_secret": "x"}).status_code == 409
    assert http.post("/__admin/clients", json={"client_id": "no secret"}).status_code == 400
    assert (
        http.post("/__admin/clients", json={"client_id": "a", "client_secret": "b", "quota": {"limit": 0}}).status_code
        == 400
    )


def test_deleting_a_client_revokes_its_tokens(http: httpx.Client) -> None:
    http.post("/__admin/clients", json={"client_id": "gone", "client_secret": "soon"})
    headers = bearer(http, "gone", "soon")
    assert http.delete("/__admin/clients/gone").status_code == 204
    assert http.get(ACCOUNTS, headers=headers).status_code == 401
    assert http.delete("/__admin/clients/gone").status_code == 404


def test_a_full_reset_drops_run_time_clients_and_a_client_reset_keeps_them(http: httpx.Client) -> None:
    http.post("/__admin/clients", json={"client_id": "mine", "client_secret": "pw"})
    headers = bearer(http, "mine", "pw")
    http.post(ACCOUNTS, json={"username": "alice"}, headers=headers)

    assert http.post("/__admin/reset", json={"client_id": "mine"}).status_code == 204
    assert http.get(ACCOUNTS, headers=bearer(http, "mine", "pw")).json() == []

    http.post("/__admin/reset")
    assert http.post(TOKEN, data={"client_id": "mine", "client_secret": "pw"}).status_code == 401


def test_a_deleted_fixture_client_comes_back_with_a_reset(http: httpx.Client) -> None:
    http.delete("/__admin/clients/local-client")
    assert http.post(TOKEN, data={"client_id": "local-client", "client_secret": "local-secret"}).status_code == 401
    http.post("/__admin/reset")
    assert bearer(http, "local-client", "local-secret")


def test_a_fixture_client_replaced_at_run_time_keeps_its_new_secret_through_its_own_reset(http: httpx.Client) -> None:
    http.delete("/__admin/clients/local-client")
    http.post("/__admin/clients", json={"client_id": "local-client", "client_secret": "new-secret"})
    http.post("/__admin/reset", json={"client_id": "local-client"})
    assert bearer(http, "local-client", "new-secret")
    assert http.post(TOKEN, data={"client_id": "local-client", "client_secret": "local-secret"}).status_code == 401
    http.post("/__admin/reset")
    assert bearer(http, "local-client", "local-secret")


@pytest.mark.parametrize("time_unit", ["minute", "hour", "day", "week", "month"])
def test_the_largest_quota_allowed_is_served_on_any_date_the_clock_takes(http: httpx.Client, time_unit: str) -> None:
    quota = {"limit": 1_000_000_000, "interval": 1000, "time_unit": time_unit, "spike_per_second": 1_000_000_000}
    assert (
        http.post("/__admin/clients", json={"client_id": "big", "client_secret": "s", "quota": quota}).status_code
        == 201
    )
    assert http.post("/__admin/clock", json={"now": "2999-12-31T23:59:59Z", "freeze": True}).status_code == 200
    reply = http.get(ACCOUNTS, headers=bearer(http, "big", "s"))
    assert reply.status_code == 200, reply.text
    assert (reply.headers["quota-limit"], reply.headers["quota-interval"]) == ("1000000000", "1000")


@pytest.mark.parametrize(
    "quota",
    [{"limit": 1_000_000_001}, {"limit": 10**20}, {"interval": 1001}, {"spike_per_second": 1_000_000_001}],
)
def test_a_quota_beyond_its_bounds_is_a_400(http: httpx.Client, quota: dict[str, int]) -> None:
    reply = http.post("/__admin/clients", json={"client_id": "big", "client_secret": "s", "quota": quota})
    assert reply.status_code == 400
    assert "maximum" in reply.json()["info"]


@pytest.mark.parametrize(
    "domain",
    ["a b", "evil@example.com", "x.example\r\nVia: evil", "-lead.example", "a..b", "x" * 64 + ".example", "é.example"],
)
def test_a_domain_that_is_no_host_name_is_refused(http: httpx.Client, domain: str) -> None:
    # It ends up in the status uri (sip:user@domain) and, with a SIP side, in SIP headers.
    reply = http.post("/__admin/clients", json={"client_id": "ci", "client_secret": "s", "domain": domain})
    assert reply.status_code == 400, reply.text
    assert "body.domain" in reply.json()["message"]


@pytest.mark.parametrize("domain", ["sip.example.com", "pbx-1.example", "192.0.2.10", "localhost", "A.Example"])
def test_a_host_name_is_taken_as_a_domain(http: httpx.Client, domain: str) -> None:
    reply = http.post("/__admin/clients", json={"client_id": "ci", "client_secret": "s", "domain": domain})
    assert reply.status_code == 201, reply.text
    assert reply.json()["domain"] == domain


@pytest.mark.parametrize("client_id", ["ci-42", "my_client", "a..b", "~", "x.y~z", "-" + "n" * 127])
def test_a_default_domain_is_a_host_name_whatever_the_client_id(http: httpx.Client, client_id: str) -> None:
    reply = http.post("/__admin/clients", json={"client_id": client_id, "client_secret": "s"})
    assert reply.status_code == 201, reply.text
    domain = reply.json()["domain"]
    assert domain.endswith(".apidaze.local")
    assert component_schema("HostName").problems(domain) == []
    headers = bearer(http, client_id, "s")
    http.post(ACCOUNTS, json={"username": "desk"}, headers=headers)
    [status] = http.get(f"{ACCOUNTS}/1/status", headers=headers).json()
    assert status["uri"] == f"sip:desk@{domain}"
