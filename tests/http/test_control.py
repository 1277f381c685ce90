from __future__ import annotations

import time

import pytest

from mock_server.clock import Clock
from tests.conftest import LOCAL_URL, START, Api


def test_health(api: Api) -> None:
    response = api.http.get("/__admin/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_clock_can_be_read_moved_frozen_and_released(api: Api, clock: Clock) -> None:
    assert api.http.get("/__admin/clock").json()["mode"] == "frozen"
    moved = api.http.post("/__admin/clock", json={"advance_seconds": 60, "freeze": True}).json()
    assert moved["epoch"] == START + 60
    jumped = api.http.post("/__admin/clock", json={"now": "2030-01-01T00:00:00Z"}).json()
    assert jumped["mode"] == "shifted"
    assert abs(jumped["epoch"] - 1893456000) < 5
    frozen = api.http.post("/__admin/clock", json={"now": "2030-01-01T00:00:00+01:00", "freeze": True}).json()
    assert frozen == {
        "now": "2029-12-31T23:00:00.000Z",
        "epoch": 1893452400.0,
        "mode": "frozen",
        "offset_seconds": pytest.approx(1893452400.0 - time.time(), abs=5),
    }
    released = api.http.delete("/__admin/clock").json()
    assert released["mode"] == "real"
    assert abs(clock.now() - time.time()) < 5


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"advance_seconds": 1, "now": "2030-01-01T00:00:00Z"},
        {"now": "tomorrow"},
        {"advance_seconds": "1"},
        {"x": 1},
    ],
)
def test_bad_clock_changes_are_400_and_change_nothing(api: Api, clock: Clock, body: dict[str, object]) -> None:
    response = api.http.post("/__admin/clock", json=body)
    assert response.status_code == 400
    assert response.json()["message"]
    assert clock.now() == START


def test_reset_puts_fixtures_back_for_one_client_or_all(api: Api) -> None:
    api.call("POST", "/sipaccounts", "alpha", data={"username": "alice"})
    api.call("POST", "/sipaccounts", "beta", data={"username": "bob"})
    for _ in range(3):
        api.call("GET", "/sipaccounts", "tiny")

    assert api.http.post("/__admin/reset", json={"client_id": "alpha"}).status_code == 204
    assert api.call("GET", "/sipaccounts", "alpha").json() == []
    assert len(api.call("GET", "/sipaccounts", "beta").json()) == 1
    assert api.call("GET", "/sipaccounts", "tiny").status_code == 429

    assert api.http.post("/__admin/reset").status_code == 204
    assert api.call("GET", "/sipaccounts", "beta").json() == []  # tokens of seeded clients stay valid
    assert api.call("GET", "/sipaccounts", "tiny").headers["quota-used"] == "1"


def test_reset_of_an_unknown_field_is_400(api: Api) -> None:
    response = api.http.post("/__admin/reset", json={"client": "alpha"})
    assert response.status_code == 400
    assert "client" in response.json()["message"]


def test_lower_case_rfc_3339_instants_are_understood(api: Api) -> None:
    response = api.http.post("/__admin/clock", json={"now": "2030-01-01t00:00:00z", "freeze": True})
    assert response.status_code == 200
    assert response.json()["epoch"] == 1893456000.0


def test_control_plane_crash_is_a_json_500(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(self: object, client_id: object = None) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("mock_server.state.EmulatorState.reset", explode)
    from starlette.testclient import TestClient

    with TestClient(api.emulator, base_url=LOCAL_URL, raise_server_exceptions=False) as client:
        response = client.post("/__admin/reset")
    assert response.status_code == 500
    assert response.json()["name"] == "InternalServerError"
    assert "boom" not in response.text
