"""The OpenAPI files are valid, their examples obey their schemas, and the emulator serves exactly what they say."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest
from openapi_spec_validator import validate
from starlette.routing import Route

from mock_server.app import create_app
from mock_server.spec import ADMIN_SPEC, API_SPEC, load_spec, spec_path

SPECS = [API_SPEC, ADMIN_SPEC]
METHODS = {"get", "put", "post", "delete", "patch", "options", "head"}


@pytest.mark.parametrize("name", SPECS)
def test_spec_passes_openapi_spec_validator(name: str) -> None:
    # At the file's own address: admin.yaml refers to the API's schemas in the file beside it.
    validate(load_spec(name), base_uri=spec_path(name).as_uri())


def _examples(node: Any, schema_path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(where, schema, example) for every example in the document."""
    if isinstance(node, dict):
        if "schema" in node and ("example" in node or "examples" in node):
            if "example" in node:
                yield schema_path, node["schema"], node["example"]
            for name, example in (node.get("examples") or {}).items():
                yield f"{schema_path}/examples/{name}", node["schema"], example["value"]
        if "examples" in node and isinstance(node["examples"], list) and ("type" in node or "$ref" in node):
            for index, example in enumerate(node["examples"]):
                yield f"{schema_path}/examples/{index}", node, example
        for key, value in node.items():
            yield from _examples(value, f"{schema_path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _examples(value, f"{schema_path}/{index}")


@pytest.mark.parametrize("name", SPECS)
def test_every_example_validates_against_its_schema(name: str) -> None:
    document = load_spec(name)
    found = list(_examples(document))
    assert found, "the spec should carry examples"
    for where, schema, example in found:
        validator = jsonschema_rs.Draft202012Validator(
            {**schema, "components": document.get("components", {})}, validate_formats=True
        )
        errors = [error.message for error in validator.iter_errors(example)]
        assert not errors, f"{name}{where}: {errors}"


def _operations(name: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in load_spec(name)["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_every_api_operation_is_documented_and_tagged() -> None:
    tags = {tag["name"] for tag in load_spec(API_SPEC)["tags"]}
    ids = []
    for path, method, operation in _operations(API_SPEC):
        where = f"{method.upper()} {path}"
        assert operation.get("summary"), where
        assert operation.get("description"), where
        assert len(operation["tags"]) == 1, where
        assert operation["tags"][0] in tags, where
        ids.append(operation["operationId"])
    assert len(ids) == len(set(ids)) == 13


def test_every_api_response_declares_kpns_headers() -> None:
    document = load_spec(API_SPEC)
    for path, method, operation in _operations(API_SPEC):
        for status, response in operation["responses"].items():
            if "$ref" in response:
                response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
            headers = response.get("headers", {})
            where = f"{method.upper()} {path} {status}"
            assert {"api-version", "sunset", "strict-transport-security"} <= set(headers), where
            counted = path.startswith("/communication") and status != "401"
            assert ("quota-used" in headers) == counted, where
            if status == "429":
                assert "Retry-After" in headers, where


@pytest.mark.parametrize(("name", "prefix"), [(API_SPEC, ""), (ADMIN_SPEC, "/__admin")])
def test_routes_and_spec_agree(name: str, prefix: str) -> None:
    emulator = create_app()
    assert emulator.control is not None
    router_routes = emulator.control.routes if prefix else emulator.api.routes
    served = {
        (prefix + route.path, method.lower())
        for route in router_routes
        if isinstance(route, Route)
        for method in route.methods or ()
        if method != "HEAD"
    }
    declared = {(path, method) for path, method, _ in _operations(name)}
    assert served == declared
