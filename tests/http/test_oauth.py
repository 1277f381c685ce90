from __future__ import annotations

import base64

import pytest

from mock_server.clock import Clock
from mock_server.paths import TOKEN_PATH
from tests.conftest import Api


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def test_token_answer_has_kpns_fields_all_strings(api: Api, clock: Clock) -> None:
    response = api.http.post(
        TOKEN_PATH + "?grant_type=client_credentials",
        data={"client_id": "alpha", "client_secret": "alpha-secret"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == "3599"
    assert body["issued_at"] == str(int(clock.now() * 1000))
    assert body["client_id"] == "alpha"
    assert body["status"] == "approved"
    assert all(isinstance(value, str) for key, value in body.items() if key != "api_product_list_json")
    assert response.headers["cache-control"] == "no-store"


def test_grant_type_may_be_in_the_body_and_credentials_in_basic(api: Api) -> None:
    response = api.http.post(
        TOKEN_PATH, data={"grant_type": "client_credentials"}, headers=basic("alpha", "alpha-secret")
    )
    assert response.status_code == 200
    assert response.json()["client_id"] == "alpha"


def test_tokens_are_distinct(api: Api) -> None:
    assert api.token() != api.token()


@pytest.mark.parametrize(
    ("query", "data", "headers", "status", "error"),
    [
        ("", {"client_id": "alpha", "client_secret": "alpha-secret"}, {}, 400, "invalid_request"),
        (
            "?grant_type=password",
            {"client_id": "alpha", "client_secret": "alpha-secret"},
            {},
            400,
            "unsupported_grant_type",
        ),
        ("?grant_type=client_credentials", {"client_secret": "alpha-secret"}, {}, 400, "invalid_request"),
        ("?grant_type=client_credentials", {"client_id": "alpha"}, {}, 400, "invalid_request"),
        ("?grant_type=client_credentials", {"client_id": "alpha", "client_secret": "wrong"}, {}, 401, "invalid_client"),
        ("?grant_type=client_credentials", {"client_id": "nobody", "client_secret": "x"}, {}, 401, "invalid_client"),
        (
            "?grant_type=client_credentials",
            {"client_id": "alpha", "client_secret": "alpha-secret"},
            basic("alpha", "alpha-secret"),
            400,
            "invalid_request",
        ),
        ("?grant_type=client_credentials", {}, {"Authorization": "Basic !!!"}, 400, "invalid_request"),
        (
            "?grant_type=client_credentials&grant_type=client_credentials",
            {},
            basic("alpha", "alpha-secret"),
            400,
            "invalid_request",
        ),
    ],
)
def test_token_errors_follow_rfc_6749(
    api: Api, query: str, data: dict[str, str], headers: dict[str, str], status: int, error: str
) -> None:
    response = api.http.post(TOKEN_PATH + query, data=data, headers=headers)
    assert response.status_code == status
    body = response.json()
    assert body["error"] == error
    assert body["error_description"]
    assert "alpha-secret" not in response.text


def test_wrong_basic_secret_gets_a_basic_challenge(api: Api) -> None:
    response = api.http.post(TOKEN_PATH, params={"grant_type": "client_credentials"}, headers=basic("alpha", "nope"))
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")


def test_repeated_form_field_is_refused(api: Api) -> None:
    response = api.http.post(
        TOKEN_PATH + "?grant_type=client_credentials",
        content=b"client_id=alpha&client_id=beta&client_secret=alpha-secret",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_json_token_request_is_an_unsupported_media_type(api: Api) -> None:
    response = api.http.post(TOKEN_PATH + "?grant_type=client_credentials", json={"client_id": "alpha"})
    assert response.status_code == 415
    assert response.json()["name"] == "UnsupportedMediaType"


def test_get_on_the_token_endpoint_is_405_with_allow(api: Api) -> None:
    response = api.http.get(TOKEN_PATH)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


def test_basic_credentials_that_are_not_utf8_are_named_so(api: Api) -> None:
    encoded = base64.b64encode(b"\xff\xfe:x").decode()
    response = api.http.post(
        TOKEN_PATH, params={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {encoded}"}
    )
    assert response.status_code == 400
    assert "UTF-8" in response.json()["error_description"]
