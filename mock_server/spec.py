"""The OpenAPI file, loaded once: the contract the emulator validates requests against.

Nothing here copies the contract by hand. Request body and query schemas are compiled once per operation, with
format checking on (an RFC 3986 ``uri`` check, not ``urlsplit``) and ECMA regex semantics, so a pattern's ``$``
does not accept a trailing newline the way Python's ``re`` would. Query and path values arrive as text; each is
read as the type its parameter schema declares (``integer``, ``number``, ``boolean``) before the check, so the
contract states a number as a number and routes get the value it stands for.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterator
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
SPECS = (API_SPEC, ADMIN_SPEC)
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
    """One broken rule: where (``body.username``; ``pointer`` says it as a JSON pointer) and what."""

    location: str
    message: str
    rule: str
    pointer: str = ""

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


def _walk(node: Any) -> Iterator[Any]:
    """``node`` and every value nested in it, without recursion."""
    pending = [node]
    while pending:
        item = pending.pop()
        yield item
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def _is_password(spec: str, schema: Any) -> bool:
    return _resolve_any(spec, schema).get("format") == "password"


@cache
def secret_fields() -> frozenset[str]:
    """Names of the properties the contract files mark as secrets (``format: password``): ``client_secret``, ...

    The one rule for error wording: a message never quotes a value held under one of these names.
    """
    names: set[str] = set()
    for spec in SPECS:
        for node in _walk(load_spec(spec)):
            properties = node.get("properties") if isinstance(node, dict) else None
            if isinstance(properties, dict):
                names.update(name for name, schema in properties.items() if _is_password(spec, schema))
    return frozenset(names)


# Errors whose messages name properties and never quote a value.
_NAMES_ONLY = (
    jsonschema_rs.ValidationErrorKind.Required,
    jsonschema_rs.ValidationErrorKind.AdditionalProperties,
    jsonschema_rs.ValidationErrorKind.UnevaluatedProperties,
)


def _quotes_secret(error: jsonschema_rs.ValidationError) -> bool:
    """Whether the error's message may quote a secret: the value of a secret field, or a value that holds one."""
    if isinstance(error.kind, _NAMES_ONLY):
        return False
    secrets = secret_fields()
    if any(part in secrets for part in error.instance_path):
        return True
    return any(isinstance(value, dict) and not secrets.isdisjoint(value) for value in _walk(error.instance))


def _describe(error: jsonschema_rs.ValidationError, prefix: str) -> Problem:
    path = ".".join(str(part) for part in error.instance_path)
    location = f"{prefix}.{path}" if path else prefix
    rule = str(error.schema_path[-1]) if error.schema_path else "schema"
    pointer = "/" + "/".join(str(part) for part in error.instance_path)
    if _quotes_secret(error):
        # The validator's message quotes the value, and a secret must reach no terminal, CI log or HTTP client.
        return Problem(location, f"breaks the {rule} rule (not quoted: it is or holds a secret)", rule, pointer)
    return Problem(location, error.message, rule, pointer)


_REMEMBERED_PATHS = 4096


@cache
def _registry(name: str) -> jsonschema_rs.Registry:
    """The other contract files, by file URI, so ``name`` can refer into them (``apidaze-cpaas.yaml#/...``)."""
    return jsonschema_rs.Registry([(spec_path(other).as_uri(), load_spec(other)) for other in SPECS if other != name])


class Schema:
    """One schema of a contract file, compiled: ``#/components/...`` and references to the other file resolve."""

    def __init__(self, schema: dict[str, Any], spec: str, prefix: str) -> None:
        # Keep the file's components beside the schema so its ``#/components/...`` references resolve, and place it
        # at the file's own URI so a relative reference finds the file beside it in the registry.
        self._validator = jsonschema_rs.Draft202012Validator(
            {**schema, "components": load_spec(spec).get("components", {})},
            validate_formats=True,
            base_uri=spec_path(spec).as_uri(),
            registry=_registry(spec),
        )
        self._prefix = prefix

    def iter_errors(self, instance: Any) -> Iterator[jsonschema_rs.ValidationError]:
        """The validator's own errors; their messages may quote values, secrets too (:meth:`problems` does not)."""
        return self._validator.iter_errors(instance)

    def problems(self, instance: Any) -> list[Problem]:
        """Every broken rule, worded without quoting a secret; empty when ``instance`` is valid."""
        # is_valid stops at the first broken rule and builds no error objects: the common, valid case pays only that.
        if self._validator.is_valid(instance):
            return []
        return [_describe(error, self._prefix) for error in self._validator.iter_errors(instance)]

    def check(self, instance: Any) -> None:
        problems = self.problems(instance)
        if problems:
            raise InvalidRequest(
                message="; ".join(str(problem) for problem in problems),
                info="; ".join(f"{problem.location}: {problem.rule}" for problem in problems),
            )


# Beyond this a float no longer holds every whole number exactly.
_EXACT = 2**53


def _whole(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() and abs(value) < _EXACT else value


def whole_numbers(document: Any) -> Any:
    """``document`` with every whole number written as a float (``5.0``, ``1e3``) read as an int, changed in place.

    JSON does not tell ``5`` from ``5.0`` and JSON Schema's ``integer`` accepts both, so the emulator reads both as
    5: a quota limit sent as ``1e3`` is 1000 in its header, not ``1000.0``. Floats beyond 2^53 stay floats, and
    every integer the contracts accept is bounded below that.
    """
    pending = [document]
    while pending:  # no recursion: orjson reads documents 1024 levels deep
        item = pending.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                item[key] = _whole(value)
                if isinstance(value, dict | list):
                    pending.append(value)
        elif isinstance(item, list):
            for index, value in enumerate(item):
                item[index] = _whole(value)
                if isinstance(value, dict | list):
                    pending.append(value)
    return _whole(document)


# JSON's own spelling of numbers, ASCII digits only: int() alone would also take " 5", "1_000" and Arabic-Indic digits.
_INTEGER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")


def _typed(text: str, types: frozenset[str]) -> Any:
    """The value ``text`` spells in one of ``types``, or ``text`` itself, which the schema check then refuses."""
    try:
        if "integer" in types and _INTEGER.fullmatch(text):
            return int(text)
        if "number" in types and _NUMBER.fullmatch(text) and math.isfinite(number := float(text)):
            return number
    except ValueError:  # more digits than int() reads (sys.get_int_max_str_digits)
        return text
    if "boolean" in types and text in ("true", "false"):
        return text == "true"
    return text


class _Parameters:
    """The query or the path parameters of one operation: each read as its declared type, then checked together."""

    def __init__(self, schema: Schema, types: dict[str, frozenset[str]]) -> None:
        self._schema = schema
        self._types = types

    def check(self, params: dict[str, str]) -> dict[str, Any]:
        """The parameters as their schema types; ``InvalidRequest`` naming the parameter and rule when one fails."""
        if not self._types:
            self._schema.check(params)
            return params
        values: dict[str, Any] = {
            name: _typed(text, self._types[name]) if name in self._types else text for name, text in params.items()
        }
        self._schema.check(values)
        return values


@dataclass
class Operation:
    """What the contract says one operation accepts."""

    operation_id: str
    body: dict[str, Schema] = field(default_factory=dict)
    query: _Parameters | None = None
    path: _Parameters | None = None
    # Path parameters that passed, with their typed values: clients ask for the same few ids again and again, and a
    # dict lookup is a quarter of the schema check (cProfile of read: is_valid 1 us of every call). Bounded, for
    # fuzzers that try millions.
    _valid_paths: dict[tuple[tuple[str, str], ...], dict[str, Any]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def check_query(self, params: dict[str, str]) -> dict[str, Any]:
        """The query as its schema types, checked against the contract."""
        return params if self.query is None else self.query.check(params)

    def check_path(self, params: dict[str, str]) -> dict[str, Any]:
        """The path parameters as their schema types, checked against the contract."""
        if self.path is None:
            return params
        key = tuple(params.items())
        known = self._valid_paths.get(key)
        if known is not None:
            return known
        values = self.path.check(params)
        if len(self._valid_paths) < _REMEMBERED_PATHS:
            self._valid_paths[key] = values
        return values


_SCALARS = frozenset({"integer", "number", "boolean", "string", "null"})


def _declared_types(document: dict[str, Any], schema: dict[str, Any]) -> frozenset[str]:
    """Every ``type`` a schema allows, through ``$ref``, ``allOf``, ``anyOf`` and ``oneOf``; empty when it says none."""
    schema = _resolve(document, schema)
    declared = schema.get("type", ())
    types = {declared} if isinstance(declared, str) else set(declared)
    for keyword in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(keyword, ()):
            types |= _declared_types(document, branch)
    return frozenset(types)


def _parameters(spec: str, parameters: list[dict[str, Any]], where: str) -> _Parameters | None:
    chosen = [parameter for parameter in parameters if parameter["in"] == where]
    if not chosen:
        return None
    types: dict[str, frozenset[str]] = {}
    for parameter in chosen:
        name, declared = parameter["name"], _declared_types(load_spec(spec), parameter["schema"])
        if not declared <= _SCALARS:
            # An array or object would need OpenAPI's style/explode rules, which no parameter uses yet.
            raise ValueError(f"{where} parameter {name!r}: only scalar types are supported, not {sorted(declared)}")
        # Text stays text wherever a string is allowed (or no type is said): there is nothing to read it as.
        if declared and "string" not in declared:
            types[name] = declared
    schema = {
        "type": "object",
        "properties": {parameter["name"]: parameter["schema"] for parameter in chosen},
        "required": [parameter["name"] for parameter in chosen if parameter.get("required")],
    }
    return _Parameters(Schema(schema, spec, where), types)


def _resolve_any(spec: str, node: Any) -> dict[str, Any]:
    """``node`` with its ``$ref`` followed, into the other contract file too; {} for anything but a schema object."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        target, _, pointer = node["$ref"].partition("#")
        spec = target or spec
        if spec not in SPECS:
            return {}
        node = load_spec(spec)
        for part in pointer.removeprefix("/").split("/") if pointer else ():
            node = node.get(part, {}) if isinstance(node, dict) else {}
    return node if isinstance(node, dict) else {}


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
    compiled: dict[str, Operation] = {}
    for path_item in document["paths"].values():
        shared = [_resolve(document, p) for p in path_item.get("parameters", [])]
        for method, operation in path_item.items():
            if method == "parameters":
                continue
            parameters = shared + [_resolve(document, p) for p in operation.get("parameters", [])]
            entry = Operation(
                operation["operationId"],
                query=_parameters(name, parameters, "query"),
                path=_parameters(name, parameters, "path"),
            )
            body = operation.get("requestBody")
            if body is not None:
                body = _resolve(document, body)
                for media_type, content in body["content"].items():
                    entry.body[media_type] = Schema(content["schema"], name, "body")
            compiled[entry.operation_id] = entry
    return compiled


def check_admin_body(operation_id: str, document: Any) -> Any:
    """Check a control-plane body given in Python (the test handle, a state file) as its endpoint checks it.

    Returns a copy as the endpoint reads it: whole numbers as ints (:func:`whole_numbers`).
    """
    document = whole_numbers(copy.deepcopy(document))
    operations(ADMIN_SPEC)[operation_id].body["application/json"].check(document)
    return document


@cache
def component_schema(name: str, spec: str = ADMIN_SPEC) -> Schema:
    """The compiled ``#/components/schemas/<name>`` of a contract file, e.g. the seed file's ``SeedFile``."""
    return Schema({"$ref": f"#/components/schemas/{name}"}, spec, name)
