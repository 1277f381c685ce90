"""Every control-plane answer obeys the schema ``openapi/admin.yaml`` gives for it."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from mock_server.app import Emulator
from mock_server.spec import ADMIN_SPEC, Schema, load_spec

ACCOUNTS = "/communication/apidaze/cpaas/sipaccounts"


def documented_schema(method: str, path: str, status: int) -> dict[str, Any] | None:
    """The response schema for this call, or None when the spec documents no body."""
    document = load_spec(ADMIN_SPEC)
    for template, item in document["paths"].items():
        if re.fullmatch(re.sub(r"\{[^/]+\}", "[^/]+", template), path) and method.lower() in item:
            response = item[method.lower()]["responses"][str(status)]
            while "$ref" in response:
                response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
            content = response.get("content")
            if content is None:
                return None
            schema: dict[str, Any] = content["application/json"]["schema"]
            return schema
    raise AssertionError(f"{method} {path} is not in admin.yaml")


@pytest.fixture
def http(http: httpx.Client, default_app: Emulator) -> httpx.Client:
    """The directory's client, with one call in the journal."""
    token = default_app.state.tokens.issue("local-client").value
    http.get(ACCOUNTS, headers={"Authorization": f"Bearer {token}"})
    return http


CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/__admin/health", None),
    ("POST", "/__admin/clients", {"client_id": "c1", "client_secret": "s"}),
    ("POST", "/__admin/clients", {"client_id": "local-client", "client_secret": "s"}),
    ("GET", "/__admin/clients", None),
    ("DELETE", "/__admin/clients/nobody", None),
    ("GET", "/__admin/state", None),
    ("GET", "/__admin/requests", None),
    ("GET", "/__admin/requests?status=x", None),
    ("POST", "/__admin/faults", {"path": "/sipaccounts", "latency_ms": [1, 2], "probability": 0.5}),
    ("POST", "/__admin/faults", {"action": "explode"}),
    ("GET", "/__admin/faults", None),
    ("GET", "/__admin/faults/1", None),
    ("GET", "/__admin/faults/99", None),
    ("PUT", "/__admin/faults/chaos", {"seed": 1, "rate": 0.5}),
    ("GET", "/__admin/faults/chaos", None),
    ("GET", "/__admin/faults", None),
    ("PUT", "/__admin/state", {"format": "nope"}),
    ("POST", "/__admin/reset", None),
]


def test_every_answer_matches_its_documented_schema(http: httpx.Client) -> None:
    for method, path, body in CALLS:
        reply = http.request(method, path, json=body)
        schema = documented_schema(method, path.split("?")[0], reply.status_code)
        if schema is None:
            assert reply.content == b"", f"{method} {path}"
            continue
        errors = [str(problem) for problem in Schema(schema, ADMIN_SPEC, "reply").problems(reply.json())]
        assert errors == [], f"{method} {path} -> {reply.status_code}: {errors}"
