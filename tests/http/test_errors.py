from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from mock_server.app import Emulator
from mock_server.paths import API_PREFIX
from tests.asgi_call import call
from tests.conftest import Api

ERROR_FIELDS = {"transactionId", "status", "name", "message", "info"}


@pytest.fixture
def http_admin(emulator: Emulator) -> Iterator[TestClient]:
    with TestClient(emulator, base_url="http://127.0.0.1") as client:
        yield client


def test_unknown_path_is_404_error_response(api: Api) -> None:
    response = api.call("GET", "/voicemails")
    assert response.status_code == 404
    assert set(response.json()) == ERROR_FIELDS
    assert response.json()["name"] == "NotFound"


def test_unknown_path_outside_the_api_is_404_too(api: Api) -> None:
    response = api.http.get("/nothing-here")
    assert response.status_code == 404
    assert set(response.json()) == ERROR_FIELDS


@pytest.mark.parametrize("path", ["/externalscripts/a%0Ab", "/sipaccounts/%0A", "/%0A"])
def test_a_newline_in_the_path_is_answered_by_the_api(api: Api, path: str) -> None:
    # A catch-all Mount matched paths with ".*", which stops at a newline: these got Starlette's plain-text 404.
    response = api.call("GET", path)
    assert response.status_code in (400, 404)
    assert set(response.json()) == ERROR_FIELDS
    assert "quota-used" in response.headers


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PATCH", "/sipaccounts", "GET, HEAD, POST"),
        ("DELETE", "/sipaccounts", "GET, HEAD, POST"),
        ("POST", "/sipaccounts/1", "GET, HEAD, PUT, DELETE"),
        ("PUT", "/sipaccounts/1/status", "GET, HEAD"),
        ("PUT", "/externalscripts", "GET, HEAD, POST"),
    ],
)
def test_wrong_method_is_405_with_complete_allow(api: Api, method: str, path: str, allow: str) -> None:
    response = api.call(method, path)
    assert response.status_code == 405
    # Starlette keeps a route's methods in a set, so only the members are stable, not their order.
    assert set(response.headers["allow"].split(", ")) == set(allow.split(", "))
    assert response.json()["name"] == "MethodNotAllowed"


def test_unsupported_content_type_is_415(api: Api) -> None:
    response = api.call("POST", "/sipaccounts", content=b"<a/>", headers={"Content-Type": "application/xml"})
    assert response.status_code == 415
    assert "application/xml" in response.json()["info"]


def test_body_over_64_kib_is_413(api: Api) -> None:
    response = api.call("POST", "/sipaccounts", data={"username": "alice", "name": "x" * 70_000})
    assert response.status_code == 413
    assert response.json()["name"] == "PayloadTooLarge"


def test_body_over_the_limit_without_content_length_is_413(api: Api) -> None:
    def chunks() -> object:
        for _ in range(20):
            yield b"n" * 4096

    response = api.call(
        "POST",
        "/sipaccounts",
        content=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("content", "content_type", "fragment"),
    [
        (b"{not json", "application/json", "JSON body"),
        (b"[1, 2]", "application/json", "object"),
        (b"username=alice&username=bob", "application/x-www-form-urlencoded", "more than once"),
        (b'{"username": "alice", "username": "bob"}', "application/json", "more than once"),
        # The same key, spelled with an escape: what counts is the key as parsed.
        (b'{"username": "alice", "user\\u006eame": "bob"}', "application/json", "more than once"),
        (b'{"username": "alice", "name": "http://x", "name": "y"}', "application/json", "more than once"),
        (b"username=%ff%fe", "application/x-www-form-urlencoded", "form body"),
        (b"just-some-text", "application/x-www-form-urlencoded", "form body"),
    ],
)
def test_malformed_bodies_are_400(api: Api, content: bytes, content_type: str, fragment: str) -> None:
    response = api.call("POST", "/sipaccounts", content=content, headers={"Content-Type": content_type})
    assert response.status_code == 400
    body = response.json()
    assert body["name"] == "MalformedBody"
    assert fragment in body["message"] + body["info"]


def test_a_json_body_whose_strings_hold_colons_is_not_taken_for_repeated_keys(api: Api) -> None:
    body = b'{"username": "alice", "name": "a:b:c", "mwi_account": "x"}'
    response = api.call("POST", "/sipaccounts", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text  # created (response style kpn)


def test_a_key_repeated_inside_a_nested_object_is_refused_too(http_admin: TestClient) -> None:
    body = b'{"client_id": "dup", "client_secret": "s", "quota": {"limit": 1, "limit": 5}}'
    response = http_admin.post("/__admin/clients", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["name"] == "MalformedBody"
    assert "'limit'" in response.json()["message"]


# jsonschema-rs describes an instance, and orjson writes one, only to some 255 levels, though orjson reads 1024: a
# body nested between the two answered a 500.
DEEP = b"[" * 300 + b"]" * 300


def test_a_json_body_nested_too_deep_is_400_on_the_api(api: Api) -> None:
    body = b'{"username": "alice", "name": ' + DEEP + b"}"
    response = api.call("POST", "/sipaccounts", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["name"] == "MalformedBody"
    assert "nested more than 64" in response.json()["info"]


def test_a_json_body_nested_too_deep_is_400_on_the_control_plane(http_admin: TestClient) -> None:
    body = b'{"client_id": "deep", "client_secret": "s", "quota": ' + DEEP + b"}"
    response = http_admin.post("/__admin/clients", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["name"] == "MalformedBody"


def test_a_json_body_nested_as_deep_as_allowed_is_read(api: Api) -> None:
    # 64 levels, the body object included: refused by the schema (name is a string), not by the parser.
    body = b'{"username": "alice", "name": ' + b"[" * 63 + b"]" * 63 + b"}"
    response = api.call("POST", "/sipaccounts", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["name"] == "InvalidRequest"


def test_content_type_parameters_are_understood(api: Api) -> None:
    response = api.call(
        "POST",
        "/sipaccounts",
        content=b"username=alice",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"},
    )
    assert response.status_code == 200


def test_overlong_path_id_is_400(api: Api) -> None:
    response = api.call("GET", "/sipaccounts/" + "9" * 65)
    assert response.status_code == 400
    assert "path.id" in response.json()["message"]


def test_a_crash_becomes_a_500_in_the_apis_shape(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(self: object) -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setattr("mock_server.domain.sip_accounts.SipAccountStore.list", explode)
    with TestClient(emulator) as client:
        api = Api(client, emulator)
        response = api.call("GET", "/sipaccounts")
    assert response.status_code == 500
    assert response.json()["name"] == "InternalServerError"
    assert response.headers["api-version"] == "v1.1.1"
    assert response.headers["quota-used"] == "1"  # counted, and said so
    assert "boom" not in response.text
    # Filed for the test that caused it, with the traceback.
    (error,) = emulator.state.server_errors.all()
    assert (error.method, error.path, error.error) == ("GET", API_PREFIX + "/sipaccounts", "RuntimeError: boom")
    assert "explode" in error.traceback


def test_transaction_ids_are_unique_per_request(api: Api) -> None:
    ids = {api.http.get(API_PREFIX + "/sipaccounts").json()["transactionId"] for _ in range(5)}
    assert len(ids) == 5


@pytest.mark.parametrize("path", ["/nothing%0Ahere", API_PREFIX + "/sipaccounts/1%0A", "/__admin%0A/health"])
def test_a_path_with_a_newline_gets_the_apis_404(api: Api, path: str) -> None:
    response = api.http.get(path, headers=api.auth())
    assert response.status_code in (400, 404)
    assert set(response.json()) == ERROR_FIELDS
    assert response.headers["api-version"] == "v1.1.1"


@pytest.mark.parametrize(
    ("path", "host"),
    [
        (API_PREFIX + "/sipaccounts/", "evil.example"),
        (API_PREFIX + "/externalscripts/", "evil.example"),
        ("/__admin/health/", "127.0.0.1:8080"),
    ],
)
def test_a_trailing_slash_is_a_404_not_a_redirect_to_the_hosts_name(api: Api, path: str, host: str) -> None:
    # Starlette's default answers 307 with a Location built from the request's Host header: an open redirect.
    response = api.http.get(path, headers={**api.auth(), "Host": host}, follow_redirects=False)
    assert response.status_code == 404
    assert "location" not in response.headers
    assert set(response.json()) == ERROR_FIELDS
    assert response.json()["name"] == "NotFound"


@pytest.mark.parametrize(
    ("path", "status", "name"),
    [
        (API_PREFIX + "/sipaccounts/a\nb/status", 401, "MissingToken"),
        ("/x\ny", 404, "NotFound"),
        ("/__admin/a\nb", 404, "NotFound"),
    ],
)
def test_a_path_holding_a_newline_is_answered_by_the_api_in_kpns_shape(
    emulator: Emulator, path: str, status: int, name: str
) -> None:
    # %0A decodes to a newline, which Starlette's Mount patterns do not match: that got a plain-text "Not Found".
    answered, headers, body = asyncio.run(call(emulator, "GET", path, []))
    assert (answered, json.loads(body)["name"]) == (status, name)
    assert (b"api-version", b"v1.1.1") in headers
