from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from mock_server.app import create_app
from mock_server.clock import Clock
from mock_server.paths import API_PREFIX, TOKEN_PATH
from tests.conftest import Api, seed_fixtures
from tests.live_server import serve


def test_every_api_answer_reports_the_quota_truthfully(api: Api) -> None:
    for expected in range(1, 4):
        response = api.call("GET", "/sipaccounts", "tiny")
        assert response.status_code == 200
        assert response.headers["quota-used"] == str(expected)
        assert response.headers["quota-limit"] == "3"
        assert response.headers["quota-interval"] == "1"
        assert response.headers["quota-time-unit"] == "hour"
        # The clock stands at 10:00:30 UTC; an hourly window ends at 11:00.
        assert response.headers["quota-reset-UTC"] == "2026-11-27T11:00:00Z"


def test_failed_calls_count_too(api: Api) -> None:
    assert api.call("GET", "/sipaccounts/404", "tiny").headers["quota-used"] == "1"
    assert api.call("POST", "/sipaccounts", "tiny", data={}).headers["quota-used"] == "2"


def test_call_limit_plus_one_is_429_with_retry_after_until_the_clock_moves(api: Api, clock: Clock) -> None:
    for _ in range(3):
        assert api.call("GET", "/sipaccounts", "tiny").status_code == 200
    response = api.call("GET", "/sipaccounts", "tiny")
    assert response.status_code == 429
    body = response.json()
    assert (body["status"], body["name"]) == ("429", "QuotaExceeded")
    assert response.headers["retry-after"] == str(3600 - 30)
    assert response.headers["quota-used"] == "3"  # a refused call is not counted
    assert response.headers["api-version"] == "v1.1.1"

    clock.advance(3600 - 30 - 1)
    assert api.call("GET", "/sipaccounts", "tiny").headers["retry-after"] == "1"
    clock.advance(1)
    response = api.call("GET", "/sipaccounts", "tiny")
    assert response.status_code == 200
    assert response.headers["quota-used"] == "1"
    assert response.headers["quota-reset-UTC"] == "2026-11-27T12:00:00Z"


def test_clock_moves_through_the_control_plane(api: Api) -> None:
    for _ in range(4):
        api.call("GET", "/sipaccounts", "tiny")
    assert api.call("GET", "/sipaccounts", "tiny").status_code == 429
    # 3570 s reaches the next hourly window; the token (3599 s) is still valid.
    moved = api.http.post("/__admin/clock", json={"advance_seconds": 3570})
    assert moved.status_code == 200
    assert moved.json()["now"] == "2026-11-27T11:00:00.000Z"
    assert api.call("GET", "/sipaccounts", "tiny").status_code == 200


def test_spike_arrest_answers_429_within_a_second(api: Api, clock: Clock) -> None:
    statuses = [api.call("GET", "/sipaccounts", "spiky").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    response = api.call("GET", "/sipaccounts", "spiky")
    assert response.json()["name"] == "SpikeArrestViolation"
    assert response.headers["retry-after"] == "1"
    clock.advance(1)
    assert api.call("GET", "/sipaccounts", "spiky").status_code == 200


def test_one_clients_traffic_never_moves_anothers_counter(api: Api) -> None:
    for _ in range(4):
        api.call("GET", "/sipaccounts", "tiny")
    response = api.call("GET", "/sipaccounts", "beta")
    assert response.status_code == 200
    assert response.headers["quota-used"] == "1"
    assert response.headers["quota-limit"] == "1000"


def test_token_endpoint_and_control_plane_are_not_counted(api: Api) -> None:
    for _ in range(5):
        api.token("tiny")
        api.http.get("/__admin/health")
    assert api.call("GET", "/sipaccounts", "tiny").headers["quota-used"] == "1"


def test_counting_is_exact_under_real_concurrency() -> None:
    """50 concurrent callers over real sockets against a limit of 100: exactly 100 get through."""
    fixtures = seed_fixtures(
        clients=[{"client_id": "busy", "client_secret": "busy-secret", "quota": {"limit": 100, "time_unit": "hour"}}]
    )
    clock = Clock()
    clock.set(1795773630.0, freeze=True)  # mid-window: the test cannot straddle a reset

    async def hammer(base_url: str) -> Counter[int]:
        limits = httpx.Limits(max_connections=50, max_keepalive_connections=50)
        async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
            token = await client.post(
                TOKEN_PATH,
                params={"grant_type": "client_credentials"},
                data={"client_id": "busy", "client_secret": "busy-secret"},
            )
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}

            async def caller(index: int) -> list[int]:
                statuses = []
                for call in range(4):
                    path = "/sipaccounts" if (index + call) % 2 else "/externalscripts"
                    response = await client.get(API_PREFIX + path, headers=headers)
                    statuses.append(response.status_code)
                return statuses

            results = await asyncio.gather(*(caller(index) for index in range(50)))
        return Counter(status for statuses in results for status in statuses)

    with serve(create_app(fixtures, clock=clock)) as base_url:
        counts = asyncio.run(hammer(base_url))
    assert counts == Counter({200: 100, 429: 100})
