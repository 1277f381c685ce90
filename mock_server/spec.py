"""The OpenAPI file, loaded once: the contract the emulator validates requests against.

Nothing here copies the contract by hand. Request body and query schemas are compiled once per operation, with
format checking on (an RFC 3986 ``uri`` check, not ``urlsplit``) and ECMA regex semantics, so a pattern's ``$``
does not accept a trailing newline the way Python's ``re`` would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml

from mock_server.errors import InvalidRequest

_PACKAGE = Path(__file__).resolve().parent
# Installed wheels carry the files inside the package; a source checkout has them beside it.
_DATA_DIRS = (_PACKAGE / "_openapi", _PACKAGE.parent / "openapi")

API_SPEC = "apidaze-cpaas.yaml"
ADMIN_SPEC = "admin.yaml"
BODY_TYPES = ("application/x-www-form-urlencoded", "application/json")


def spec_path(name: str = API_SPEC) -> Path:
    for folder in _DATA_DIRS:
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"OpenAPI file {name} not found in {', '.join(map(str, _DATA_DIRS))}")


# libyaml's loader where PyYAML was built with it: the same documents, parsed in 17 ms instead of 128 ms, most of
# the start-up time create_app spent. The OpenAPI files ship with the package; they are safe-loaded either way.
_SpecLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def load_spec(name: str = API_SPEC) -> dict[str, Any]:
    with spec_path(name).open(encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.load(handle, Loader=_SpecLoader)  # noqa: S506 (a safe loader)
    return document


@dataclass(frozen=True)
class Problem:
    """One broken rule: where (``body.username``) and what."""

    location: str
    message: str
    rule: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


def _describe(error: jsonschema_rs.ValidationError, prefix: str) -> Problem:
    path = ".".join(str(part) for part in error.instance_path)
    location = f"{prefix}.{path}" if path else prefix
    rule = str(error.schema_path[-1]) if error.schema_path else "schema"
    return Problem(location, error.message, rule)


_REMEMBERED_PATHS = 4096


class _Schema:
    def __init__(self, schema: dict[str, Any], components: dict[str, Any], prefix: str) -> None:
        # Keep ``components`` beside the schema so its ``#/components/...`` references resolve.
        self._validator = jsonschema_rs.Draft202012Validator(
            {**schema, "components": components}, validate_formats=True
        )
        self._prefix = prefix

    def check(self, instance: Any) -> None:
        # is_valid stops at the first broken rule and builds no error objects: the common, valid case pays only that.
        if self._validator.is_valid(instance):
            return
        problems = [_describe(error, self._prefix) for error in self._validator.iter_errors(instance)]
        if problems:
            raise InvalidRequest(
                message="; ".join(str(problem) for problem in problems),
                info="; ".join(f"{problem.location}: {problem.rule}" for problem in problems),
            )


@dataclass
class Operation:
    """What the contract says one operation accepts."""

    operation_id: str
    body: dict[str, _Schema] = field(default_factory=dict)
    query: _Schema | None = None
    path: _Schema | None = None
    # Path parameters that passed: clients ask for the same few ids again and again, and a set lookup is a quarter
    # of the schema check (cProfile of read: is_valid 1 us of every call). Bounded, for fuzzers that try millions.
    _valid_paths: set[tuple[tuple[str, str], ...]] = field(default_factory=set, repr=False, compare=False)

    def check_query(self, params: dict[str, str]) -> None:
        if self.query is not None:
            self.query.check(params)

    def check_path(self, params: dict[str, str]) -> None:
        if self.path is None:
            return
        key = tuple(params.items())
        if key in self._valid_paths:
            return
        self.path.check(params)
        if len(self._valid_paths) < _REMEMBERED_PATHS:
            self._valid_paths.add(key)


def _parameters_schema(parameters: list[dict[str, Any]], where: str) -> dict[str, Any] | None:
    chosen = [parameter for parameter in parameters if parameter["in"] == where]
    if not chosen:
        return None
    return {
        "type": "object",
        "properties": {parameter["name"]: parameter["schema"] for parameter in chosen},
        "required": [parameter["name"] for parameter in chosen if parameter.get("required")],
    }


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


@cache
def operations(name: str = API_SPEC) -> dict[str, Operation]:
    """Compiled request rules of every operation, by ``operationId``."""
    document = load_spec(name)
    components = document.get("components", {})
    compiled: dict[str, Operation] = {}
    for path_item in document["paths"].values():
        shared = [_resolve(document, p) for p in path_item.get("parameters", [])]
        for method, operation in path_item.items():
            if method == "parameters":
                continue
            parameters = shared + [_resolve(document, p) for p in operation.get("parameters", [])]
            entry = Operation(operation["operationId"])
            for where, prefix in (("query", "query"), ("path", "path")):
                schema = _parameters_schema(parameters, where)
                if schema is not None:
                    setattr(entry, where, _Schema(schema, components, prefix))
            body = operation.get("requestBody")
            if body is not None:
                body = _resolve(document, body)
                for media_type, content in body["content"].items():
                    entry.body[media_type] = _Schema(content["schema"], components, "body")
            compiled[entry.operation_id] = entry
    return compiled


def check_admin_body(operation_id: str, document: Any) -> None:
    """Check a control-plane body given in Python (the test handle, a state file) as its endpoint checks it."""
    operations(ADMIN_SPEC)[operation_id].body["application/json"].check(document)
