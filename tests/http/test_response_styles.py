"""Response styles: every operation answers exactly as its style says, per run, per client, across snapshots.

``kpn`` is KPN's published Swagger (200, one-element arrays, SIP account delete 200 with the record); ``upstream`` is
the platform behind the gateway (201, 202, 204 without body, single objects). The contract lists both; here each
style must give its own answer and never the other's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mock_server.app import create_app
from mock_server.paths import API_PREFIX
from mock_server.testing import InProcessTransport
from tests.http.default_seed import bearer

SCRIPT = "http://127.0.0.1:9/ivr.xml"  # never fetched successfully: the test endpoint reports it as a finding

# (status, body form) per style, as docs/decisions.md lists them.
EXPECTED = {
    "kpn": {
        "create": (200, "array"),
        "read": (200, "array"),
        "update": (200, "array"),
        "delete_account": (200, "array"),
    },
    "upstream": {
        "create": (201, "object"),
        "read": (200, "object"),
        "update": (202, "object"),
        "delete_account": (204, "none"),
    },
}


def client_for(style: str | None = None, **options: Any) -> Iterator[httpx.Client]:
    app = create_app(**({} if style is None else {"response_style": style}), **options)
    with httpx.Client(base_url="http://localhost", transport=InProcessTransport(app)) as client:
        yield client


def record(response: httpx.Response, form: str) -> dict[str, Any] | None:
    """The record of an answer whose body has ``form``; fails if the body has another."""
    if form == "none":
        assert response.content == b"", response.text
        return None
    body = response.json()
    if form == "array":
        assert isinstance(body, list), body
        assert len(body) == 1
        found: dict[str, Any] = body[0]
        return found
    assert isinstance(body, dict), body
    return body


def walk(http: httpx.Client, headers: dict[str, str], style: str) -> None:
    """Every operation once, each answer held to ``style``."""
    want = EXPECTED[style]
    accounts, scripts = f"{API_PREFIX}/sipaccounts", f"{API_PREFIX}/externalscripts"

    created = http.post(accounts, data={"username": "alice"}, headers=headers)
    assert created.status_code == want["create"][0], created.text
    account = record(created, want["create"][1])
    assert account is not None
    assert account["sip"]["username"] == "alice"
    item = f"{accounts}/{account['id']}"

    read = http.get(item, headers=headers)
    assert (read.status_code, record(read, want["read"][1])) == (want["read"][0], account)
    status = http.get(f"{item}/status", headers=headers)
    assert status.status_code == 200
    assert record(status, want["read"][1]) == {
        **account,
        "uri": "sip:alice@local-client.apidaze.local",
        "status": "Not registered",
    }
    updated = http.put(item, data={"name": "A"}, headers=headers)
    assert updated.status_code == want["update"][0]
    assert (record(updated, want["update"][1]) or {})["name"] == "A"
    deleted = http.delete(item, headers=headers)
    assert deleted.status_code == want["delete_account"][0]
    gone = record(deleted, want["delete_account"][1])
    assert gone is None or gone["name"] == "A"

    http.delete(f"{scripts}/1", headers=headers)  # the seed's script, so a new one can be created
    created = http.post(scripts, data={"url": SCRIPT}, headers=headers)
    assert created.status_code == want["create"][0]
    script = record(created, want["create"][1])
    assert script is not None
    assert script["url"] == SCRIPT
    read = http.get(f"{scripts}/{script['id']}", headers=headers)
    assert record(read, want["read"][1]) == script
    tested = http.get(f"{scripts}/test", headers=headers)
    assert tested.status_code == 200
    assert (record(tested, want["read"][1]) or {})["url"] == SCRIPT
    updated = http.put(f"{scripts}/{script['id']}", data={"url": SCRIPT + "?v=2"}, headers=headers)
    assert updated.status_code == want["update"][0]
    assert (record(updated, want["update"][1]) or {})["url"] == SCRIPT + "?v=2"
    deleted = http.delete(f"{scripts}/{script['id']}", headers=headers)
    assert (deleted.status_code, deleted.content) == (204, b"")  # both styles: KPN's Swagger says 204 too
    # Lists are arrays in every style.
    assert http.get(accounts, headers=headers).json()[0]["sip"]["username"] == "reception"


@pytest.mark.parametrize("style", ["kpn", "upstream"])
def test_each_operation_answers_as_the_runs_style_says(style: str) -> None:
    for http in client_for(style):
        walk(http, bearer(http), style)


def test_kpn_is_the_default() -> None:
    for http in client_for():
        walk(http, bearer(http), "kpn")


def test_a_client_may_answer_in_its_own_style() -> None:
    for http in client_for("kpn"):
        reply = http.post(
            "/__admin/clients", json={"client_id": "sdk", "client_secret": "s", "response_style": "upstream"}
        )
        assert reply.status_code == 201
        assert reply.json()["response_style"] == "upstream"
        headers = bearer(http, "sdk", "s")
        created = http.post(f"{API_PREFIX}/sipaccounts", data={"username": "alice"}, headers=headers)
        assert created.status_code == 201
        assert created.json()["sip"]["username"] == "alice"
        # The other clients keep the run's style.
        created = http.post(f"{API_PREFIX}/sipaccounts", data={"username": "alice"}, headers=bearer(http))
        assert created.status_code == 200
        listed = {
            client["client_id"]: client["response_style"] for client in http.get("/__admin/clients").json()["clients"]
        }
        assert listed["sdk"] == "upstream"
        assert listed["local-client"] == "kpn"


def test_a_clients_own_style_and_strictness_survive_a_snapshot() -> None:
    for http in client_for("upstream", strict=True):
        http.post(
            "/__admin/clients", json={"client_id": "a", "client_secret": "s", "response_style": "kpn", "strict": False}
        )
        snapshot = http.get("/__admin/state").json()
        saved = {client["client_id"]: client for client in snapshot["clients"]}
        assert (saved["a"]["response_style"], saved["a"]["strict"]) == ("kpn", False)
        # A client that sets neither follows the run's options, and keeps following them after an import.
        assert "response_style" not in saved["local-client"]
        assert "strict" not in saved["local-client"]
        assert http.put("/__admin/state", json=snapshot).status_code == 204
        views = {client["client_id"]: client for client in http.get("/__admin/clients").json()["clients"]}
        assert (views["a"]["response_style"], views["a"]["strict"]) == ("kpn", False)
        assert (views["local-client"]["response_style"], views["local-client"]["strict"]) == ("upstream", True)


def test_an_unknown_style_is_refused_everywhere() -> None:
    with pytest.raises(ValueError, match="response_style"):
        create_app(response_style="soap")
    for http in client_for():
        reply = http.post("/__admin/clients", json={"client_id": "a", "client_secret": "s", "response_style": "soap"})
        assert reply.status_code == 400
        assert "response_style" in reply.json()["message"]
