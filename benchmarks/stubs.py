"""What Prism and WireMock serve, made from openapi/apidaze-cpaas.yaml and nothing else.

- Prism reads the contract itself, ``openapi/apidaze-cpaas.yaml`` as users would give it (the file has no YAML merge
  keys: Prism 5 takes ``<<`` for a header name, and a test keeps them out).
- WireMock gets one stub per endpoint: the operation's method and path, the bearer header where the contract
  requires one, and the answer the contract gives for the status the benchmark expects. The body is the response's
  own example where it has one, else one built from the schema's examples, as Prism's static mode does; the
  headers are the response's required headers with their example values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from endpoints import ENDPOINTS, Endpoint

CONTRACT = Path(__file__).resolve().parents[1] / "openapi" / "apidaze-cpaas.yaml"
LIST_LENGTH = 10  # the emulator's list answer holds the 10 accounts of benchmarks/fixtures.yaml

Contract = dict[str, Any]
_FORMATTED = {"date-time": "2026-11-27T10:00:00Z", "uri": "http://127.0.0.1/"}  # strings that must parse


def load_contract(path: Path = CONTRACT) -> Contract:
    contract: Contract = yaml.safe_load(path.read_text(encoding="utf-8"))
    return contract


def _resolve(contract: Contract, node: Any) -> Any:
    """``node`` with its local ``$ref`` followed (the contract has no others)."""
    while isinstance(node, dict) and "$ref" in node:
        ref: str = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"only local references are supported: {ref}")
        node = contract
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def example(contract: Contract, schema: Any) -> Any:
    """A value for ``schema``: its own example, else its examples, const, default or first enum value, else one
    built from its parts; a plain string is "string", as in Prism's static answers."""
    schema = _resolve(contract, schema)
    if not isinstance(schema, dict):
        return None
    for key in ("example", "const", "default"):
        if key in schema:
            return schema[key]
    if schema.get("examples"):
        return schema["examples"][0]
    if schema.get("enum"):
        return schema["enum"][0]
    for keyword in ("oneOf", "anyOf"):
        if schema.get(keyword):  # the first branch: the contract lists style kpn's answer first
            return example(contract, schema[keyword][0])
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = example(contract, part)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((name for name in kind if name != "null"), "null")
    if kind == "object" or "properties" in schema:
        return {name: example(contract, part) for name, part in schema.get("properties", {}).items()}
    if kind == "array":
        return [example(contract, schema.get("items", {}))]
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    if kind == "boolean":
        return True
    if kind == "string":
        return _FORMATTED.get(schema.get("format", ""), "string")
    return None


def operation(contract: Contract, operation_id: str) -> tuple[str, str, dict[str, Any]]:
    """Path, method and operation object of ``operation_id``."""
    for path, item in contract["paths"].items():
        for method, candidate in item.items():
            if isinstance(candidate, dict) and candidate.get("operationId") == operation_id:
                return path, method.upper(), candidate
    raise KeyError(f"no operation {operation_id} in the contract")


def answer(contract: Contract, operation_id: str, status: int) -> tuple[dict[str, str], Any]:
    """Headers and JSON body the contract gives ``operation_id`` for ``status``."""
    _, _, found = operation(contract, operation_id)
    response = _resolve(contract, found["responses"][str(status)])
    media = response.get("content", {}).get("application/json", {})
    body = media["example"] if "example" in media else example(contract, media.get("schema", {}))
    headers = {}
    for name, header in response.get("headers", {}).items():
        header = _resolve(contract, header)
        if header.get("required"):
            value = example(contract, header.get("schema", {}))
            headers[name] = json.dumps(value) if isinstance(value, bool) else str(value)
    return headers, body


def _path_matcher(template: str) -> dict[str, str]:
    if "{" not in template:
        return {"urlPath": template}
    return {"urlPathPattern": re.sub(r"\{[^}/]+\}", "[^/]+", template)}


def wiremock_mapping(contract: Contract, endpoint: Endpoint) -> dict[str, Any]:
    path, method, found = operation(contract, endpoint.operation)
    request: dict[str, Any] = {"method": method, **_path_matcher(path)}
    headers: dict[str, Any] = {}
    security: list[dict[str, Any]] = found.get("security", contract.get("security")) or []
    if any("BearerAuth" in requirement for requirement in security):
        headers["Authorization"] = {"matches": "Bearer .+"}
    for line in endpoint.mock_headers:
        name, value = line.split(": ", 1)
        headers[name] = {"equalTo": value}
    if headers:
        request["headers"] = headers
    if "?" in endpoint.path:
        query = dict(part.split("=", 1) for part in endpoint.path.split("?", 1)[1].split("&"))
        request["queryParameters"] = {name: {"equalTo": value} for name, value in query.items()}
    response_headers, body = answer(contract, endpoint.operation, endpoint.status)
    if endpoint.name == "list" and isinstance(body, list) and body:
        body = [{**body[0], "id": str(number)} for number in range(1, LIST_LENGTH + 1)]
    return {
        "name": f"apidaze-mock benchmark: {endpoint.name}",
        # A stub that asks for more (the Prefer header of the 429) wins over the plain one on the same path.
        "priority": 1 if endpoint.mock_headers else 5,
        "request": request,
        "response": {
            "status": endpoint.status,
            "headers": {"Content-Type": "application/json", **response_headers},
            "jsonBody": body,
        },
    }


def wiremock_mappings(contract: Contract, endpoints: Sequence[Endpoint] = ENDPOINTS) -> list[dict[str, Any]]:
    return [wiremock_mapping(contract, endpoint) for endpoint in endpoints]


def write_wiremock_root(root: Path, contract: Contract, endpoints: Sequence[Endpoint] = ENDPOINTS) -> Path:
    """WireMock's ``--root-dir``: one file per stub under ``mappings/``."""
    mappings = root / "mappings"
    mappings.mkdir(parents=True, exist_ok=True)
    (root / "__files").mkdir(exist_ok=True)
    for endpoint, mapping in zip(endpoints, wiremock_mappings(contract, endpoints), strict=True):
        (mappings / f"{endpoint.name}.json").write_text(json.dumps(mapping, indent=2), encoding="utf-8")
    return root
