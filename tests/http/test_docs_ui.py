from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
import yaml
from openapi_spec_validator import validate
from starlette.testclient import TestClient

from mock_server.app import create_app
from mock_server.paths import API_PREFIX


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(), base_url="http://emulator.test:9000") as client:
        yield client


def test_docs_page_loads_swagger_ui_from_the_emulator_itself(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    for asset in ("/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js", "/docs/swagger-initializer.js"):
        assert asset in page.text
        assert client.get(asset).status_code == 200
    assert "http://" not in page.text
    assert "https://" not in page.text  # no CDN
    assert '"url":"/openapi.yaml"' in client.get("/docs/swagger-initializer.js").text


def test_bundle_is_swagger_ui_5_which_reads_openapi_3_1(client: TestClient) -> None:
    bundle = client.get("/docs/swagger-ui-bundle.js")
    assert bundle.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert "OpenAPI 3.1" in bundle.text or "openapi31" in bundle.text.lower()


@pytest.mark.parametrize("path", ["/openapi.yaml", "/openapi.json"])
def test_spec_lists_this_emulator_first(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    document = yaml.safe_load(response.text)  # JSON is YAML too
    assert document["openapi"].startswith("3.1")
    urls = [server["url"] for server in document["servers"]]
    assert urls[0] == "http://emulator.test:9000"
    assert "https://api-prd.kpn.com" in urls
    assert list(document["security"]) == [{"BearerAuth": []}, {"OAuth2": []}]
    token_url = document["components"]["securitySchemes"]["OAuth2"]["flows"]["clientCredentials"]["tokenUrl"]
    assert token_url.startswith("/oauth/client_credential/accesstoken")


def test_a_forged_host_header_is_not_echoed(client: TestClient) -> None:
    document = client.get("/openapi.json", headers={"host": "evil.test/<script>"}).json()
    assert "<script>" not in document["servers"][0]["url"]


def test_docs_need_no_token_and_carry_no_api_headers(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert "api-version" not in response.headers
    assert not any(name.startswith("quota-") for name in response.headers)


def test_swagger_uis_token_request_works(client: TestClient) -> None:
    """What Swagger UI 5 sends for the clientCredentials flow: Basic credentials, grant_type and scope in the body."""
    document = client.get("/openapi.json").json()
    token_url = document["components"]["securitySchemes"]["OAuth2"]["flows"]["clientCredentials"]["tokenUrl"]
    basic = base64.b64encode(b"local-client:local-secret").decode()
    response = client.post(
        token_url,
        content="grant_type=client_credentials&scope=",
        headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    listed = client.get(API_PREFIX + "/sipaccounts", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200


def test_docs_can_be_left_out() -> None:
    with TestClient(create_app(docs=False)) as client:
        assert client.get("/docs").status_code == 404
        assert client.get("/openapi.yaml").status_code == 404


def test_the_root_leads_to_the_docs(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (302, "/docs")


def test_docs_offer_both_contracts_and_serve_the_control_planes(client: TestClient) -> None:
    script = client.get("/docs/swagger-initializer.js").text
    assert '{"url":"/openapi.yaml","name":"KPN CPaaS APIdaze voice API"}' in script
    assert '{"url":"/__admin/openapi.yaml"' in script
    assert 'layout: "StandaloneLayout"' in script  # the top bar with the selector
    admin = client.get("/__admin/openapi.yaml")
    assert (admin.status_code, admin.headers["content-type"]) == (200, "application/yaml")
    document = yaml.safe_load(admin.text)
    assert document["servers"] == [{"url": "http://emulator.test:9000", "description": "this emulator (apidaze-mock)"}]
    # One document: the API's schemas admin.yaml uses come along, so a browser resolves every reference.
    assert [ref for ref in _refs(document) if not ref.startswith("#/")] == []
    validate(document)


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_the_control_plane_lists_its_endpoints_even_behind_its_token() -> None:
    with TestClient(create_app(admin_token="s3cret"), base_url="http://localhost") as client:
        index = client.get("/__admin")
        assert index.status_code == 200
        listed = {(endpoint["method"], endpoint["path"]) for endpoint in index.json()["endpoints"]}
        assert {("GET", "/__admin/health"), ("POST", "/__admin/faults"), ("GET", "/__admin")} <= listed
        assert index.json()["openapi"] == "/__admin/openapi.yaml"
        assert client.get("/__admin/openapi.yaml").status_code == 200
        assert client.get("/__admin/health").status_code == 401  # everything else still wants the token


def test_without_the_control_plane_the_docs_show_the_api_alone() -> None:
    with TestClient(create_app(admin=False)) as client:
        script = client.get("/docs/swagger-initializer.js").text
        assert "/__admin" not in script
        assert 'layout: "BaseLayout"' in script
        assert client.get("/__admin").status_code == 404
        assert client.get("/__admin/openapi.yaml").status_code == 404
