"""What the benchmark serves from Prism and WireMock is made from the contract, offline (neither tool is started)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema_rs
import pytest


@pytest.fixture
def stubs(bench_module: Callable[[str], ModuleType]) -> ModuleType:
    return bench_module("stubs")


@pytest.fixture
def endpoints(bench_module: Callable[[str], ModuleType]) -> ModuleType:
    return bench_module("endpoints")


def _matches(mapping: dict[str, Any], method: str, target: str, headers: dict[str, str]) -> bool:
    """WireMock's matching, for the matchers the benchmark's stubs use."""
    request = mapping["request"]
    path, _, query = target.partition("?")
    if request["method"] != method:
        return False
    if "urlPath" in request and request["urlPath"] != path:
        return False
    if "urlPathPattern" in request and not re.fullmatch(request["urlPathPattern"], path):
        return False
    given = dict(part.split("=", 1) for part in query.split("&")) if query else {}
    for name, rule in request.get("queryParameters", {}).items():
        if given.get(name) != rule["equalTo"]:
            return False
    for name, rule in request.get("headers", {}).items():
        value = headers.get(name)
        if value is None:
            return False
        if "equalTo" in rule and value != rule["equalTo"]:
            return False
        if "matches" in rule and not re.fullmatch(rule["matches"], value):
            return False
    return True


def test_every_endpoint_gets_the_stub_with_its_status(stubs: ModuleType, endpoints: ModuleType) -> None:
    mappings = json.loads(json.dumps(stubs.wiremock_mappings(stubs.load_contract())))
    assert len(mappings) == len(endpoints.ENDPOINTS)
    for endpoint in endpoints.ENDPOINTS:
        request = endpoint.request("mock")
        headers = request.header_map(endpoint.token("mock", {}))
        found = [m for m in mappings if _matches(m, request.method, request.path, headers)]
        assert found, endpoint.name
        chosen = min(found, key=lambda mapping: mapping["priority"])  # WireMock: the lowest number wins
        assert chosen["response"]["status"] == endpoint.status, endpoint.name
        # Without its bearer token an API call matches no stub: WireMock answers 404, counted as unexpected.
        if endpoint.client:
            del headers["Authorization"]
            assert not [m for m in mappings if _matches(m, request.method, request.path, headers)]


def test_stub_bodies_follow_the_contract(stubs: ModuleType, endpoints: ModuleType) -> None:
    contract = stubs.load_contract()
    for endpoint, mapping in zip(endpoints.ENDPOINTS, stubs.wiremock_mappings(contract), strict=True):
        _, _, operation = stubs.operation(contract, endpoint.operation)
        response = operation["responses"][str(endpoint.status)]
        if "$ref" in response:
            response = contract["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
        schema = {**response["content"]["application/json"]["schema"], "components": contract["components"]}
        jsonschema_rs.validate(schema, mapping["response"]["jsonBody"])
        assert mapping["response"]["headers"]["Content-Type"] == "application/json"


def test_list_stub_holds_ten_accounts_like_the_emulator(stubs: ModuleType, endpoints: ModuleType) -> None:
    mappings = stubs.wiremock_mappings(stubs.load_contract())
    (listing,) = (m for m, e in zip(mappings, endpoints.ENDPOINTS, strict=True) if e.name == "list")
    ids = [account["id"] for account in listing["response"]["jsonBody"]]
    assert ids == [str(number) for number in range(1, 11)]


def test_429_stub_carries_the_headers_given_by_a_yaml_merge_key(stubs: ModuleType, endpoints: ModuleType) -> None:
    # TooManyRequests lists its headers as `<<: *apiHeaders` plus Retry-After.
    mapping = stubs.wiremock_mappings(stubs.load_contract())[-1]
    assert mapping["response"]["status"] == 429
    assert {"Retry-After", "api-version", "quota-limit", "quota-reset-UTC"} <= set(mapping["response"]["headers"])
    assert "<<" not in mapping["response"]["headers"]


def _keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node).union(*(_keys(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_keys(value) for value in node))
    return set()


def test_wiremock_root_has_one_mapping_file_per_endpoint(
    stubs: ModuleType, endpoints: ModuleType, tmp_path: Path
) -> None:
    root = stubs.write_wiremock_root(tmp_path / "wiremock", stubs.load_contract())
    files = sorted((root / "mappings").glob("*.json"))
    assert [file.stem for file in files] == sorted(endpoint.name for endpoint in endpoints.ENDPOINTS)
    for file in files:
        mapping = json.loads(file.read_text())
        assert {"request", "response"} <= set(mapping)
    assert (root / "__files").is_dir()
