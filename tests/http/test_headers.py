from __future__ import annotations

import pytest

from mock_server.paths import API_PREFIX, TOKEN_PATH
from tests.conftest import Api

STANDARD = {
    "api-version": "v1.1.1",
    "sunset": "n/a",
    "strict-transport-security": "max-age=31536000; includeSubDomains; preload",
    "access-control-allow-credentials": "true",
    "access-control-allow-methods": "GET, PUT, POST, DELETE, OPTIONS",
    "access-control-max-age": "3600",
}
QUOTA = ("quota-interval", "quota-time-unit", "quota-limit", "quota-used", "quota-reset-utc")


def assert_standard(headers: object) -> None:
    for name, value in STANDARD.items():
        assert headers[name] == value, name  # type: ignore[index]
    assert headers["access-control-allow-origin"]  # type: ignore[index]
    assert "authorization" in headers["access-control-allow-headers"].lower()  # type: ignore[index]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/sipaccounts", 200),
        ("POST", "/sipaccounts", 400),
        ("GET", "/sipaccounts/99", 404),
        ("PATCH", "/sipaccounts", 405),
        ("GET", "/externalscripts", 200),
    ],
)
def test_api_answers_carry_standard_and_quota_headers(api: Api, method: str, path: str, status: int) -> None:
    response = api.call(method, path)
    assert response.status_code == status
    assert_standard(response.headers)
    for name in QUOTA:
        assert name in response.headers, name


def test_token_endpoint_and_401_carry_standard_headers_only(api: Api) -> None:
    token = api.http.post(TOKEN_PATH, params={"grant_type": "client_credentials"})
    refused = api.http.get(API_PREFIX + "/sipaccounts")
    for response in (token, refused):
        assert_standard(response.headers)
        assert "quota-used" not in response.headers


def test_cors_preflight_is_answered_without_a_token(api: Api) -> None:
    response = api.http.options(
        API_PREFIX + "/sipaccounts",
        headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 204
    assert_standard(response.headers)
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert response.headers["vary"] == "Origin"


def test_origin_is_echoed_on_normal_answers(api: Api) -> None:
    response = api.call("GET", "/sipaccounts", headers={"Origin": "http://app.example"})
    assert response.headers["access-control-allow-origin"] == "http://app.example"
    assert api.call("GET", "/sipaccounts").headers["access-control-allow-origin"] == "*"
