from __future__ import annotations

import pytest

from mock_server.clock import Clock
from mock_server.paths import API_PREFIX
from tests.conftest import Api


@pytest.mark.parametrize(
    ("headers", "name", "challenge"),
    [
        ({}, "MissingToken", 'Bearer realm="apidaze"'),
        ({"Authorization": "Bearer"}, "InvalidToken", "invalid_request"),
        ({"Authorization": "Basic YTpi"}, "InvalidToken", "invalid_request"),
        ({"Authorization": "Bearer not-a-token"}, "InvalidToken", "invalid_token"),
    ],
)
def test_bad_bearer_tokens_get_401_error_response(api: Api, headers: dict[str, str], name: str, challenge: str) -> None:
    response = api.http.get(API_PREFIX + "/sipaccounts", headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert body["name"] == name
    assert body["status"] == "401"
    assert body["transactionId"]
    assert challenge in response.headers["www-authenticate"]
    assert "quota-used" not in response.headers  # refused before quota counting


def test_bearertoken_scheme_is_accepted_too(api: Api) -> None:
    response = api.http.get(API_PREFIX + "/sipaccounts", headers={"Authorization": f"BearerToken {api.token()}"})
    assert response.status_code == 200


def test_token_expires_when_the_clock_passes_expires_in(api: Api, clock: Clock) -> None:
    headers = api.auth("alpha")
    assert api.http.get(API_PREFIX + "/sipaccounts", headers=headers).status_code == 200
    clock.advance(3598)
    assert api.http.get(API_PREFIX + "/sipaccounts", headers=headers).status_code == 200
    clock.advance(1)
    response = api.http.get(API_PREFIX + "/sipaccounts", headers=headers)
    assert response.status_code == 401
    assert response.json()["name"] == "InvalidToken"


def test_token_endpoint_needs_no_bearer_token(api: Api) -> None:
    response = api.http.post(
        "/oauth/client_credential/accesstoken?grant_type=client_credentials",
        data={"client_id": "beta", "client_secret": "beta-secret"},
    )
    assert response.status_code == 200


def test_token_expiry_through_the_control_plane_clock(api: Api) -> None:
    headers = api.auth("alpha")
    assert api.http.post("/__admin/clock", json={"advance_seconds": 3599}).status_code == 200
    response = api.http.get(API_PREFIX + "/sipaccounts", headers=headers)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_a_token_of_a_removed_client_is_refused(api: Api) -> None:
    headers = api.auth("alpha")
    api.emulator.state.clients.remove("alpha")  # as if removed between token issue and revocation
    response = api.http.get(API_PREFIX + "/sipaccounts", headers=headers)
    assert response.status_code == 401
    assert response.json()["name"] == "InvalidToken"
