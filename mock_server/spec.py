"""The OpenAPI file, loaded once: the contract the emulator validates requests against, and the proxy answers too.

Nothing here copies the contract by hand. Request body and query schemas are compiled once per operation, with
format checking on (an RFC 3986 ``uri`` check, not ``urlsplit``) and ECMA regex semantics, so a pattern's ``$``
does not accept a trailing newline the way Python's ``re`` would. Query and path values arrive as text; each is
read as the type its parameter schema declares (``integer``, ``number``, ``boolean``) before the check, so the
contract states a number as a number and routes get the value it stands for.

The same compiled schemas also report what is wrong as a list of :class:`Problem` instead of an error (the proxy's
reading of a request), and each operation reads its documented answers lazily (status, headers, body schema per
media type), so the emulator's start-up pays nothing for rules only ``apidaze-mock proxy`` applies. A failed ``oneOf``
or ``anyOf`` (a read answers ``[array form, object form]``) is reported by the errors of the alternative of the
instance's own JSON type, never by the validator's message for it, which quotes the whole instance, secrets and all.
Two readings of the same file live here too. ``x-strict`` on a schema holds the keywords that ``--strict`` adds to
it (the emulator's own patterns and lengths, closed bodies); they are merged in for the strict validators and
ignored otherwise. ``x-apidaze-style`` on a success response names the response styles that answer with it and
the body's form (``array``, ``object`` or ``none``), so routes read their status and shape from the contract.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import orjson
import yaml

from mock_server.errors import InvalidRequest

_PACKAGE = Path(__file__).resolve().parent
# Installed wheels carry the files inside the package; a source checkout has them beside it.
_DATA_DIRS = (_PACKAGE / "_openapi", _PACKAGE.parent / "openapi")

API_SPEC = "apidaze-cpaas.yaml"
ADMIN_SPEC = "admin.yaml"
SPECS = (API_SPEC, ADMIN_SPEC)
# The proxy's control plane (``apidaze-mock proxy``): it refers into the two above and nothing refers into it.
PROXY_SPEC = "proxy.yaml"
BODY_TYPES = ("application/x-www-form-urlencoded", "application/json")
STRICT = "x-strict"
STYLE = "x-apidaze-style"


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


def _with_strict(node: Any) -> Any:
    """``node`` with every ``x-strict`` merged into the schema that holds it (the strict reading of the file)."""
    if isinstance(node, list):
        return [_with_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    merged = {key: _with_strict(value) for key, value in node.items() if key != STRICT}
    if STRICT in node:
        merged.update(node[STRICT])
    return merged


@cache
def response_styles() -> tuple[str, ...]:
    """The response styles a client may be answered in (``admin.yaml``'s ``ResponseStyle``), the default first."""
    return tuple(load_spec(ADMIN_SPEC)["components"]["schemas"]["ResponseStyle"]["enum"])


@dataclass(frozen=True)
class Success:
    """How one operation succeeds in one response style: the status and the body's form."""

    status: int
    form: str  # "array" (a one-element array), "object" or "none"


@dataclass(frozen=True)
class Problem:
    """One broken rule: where (``body.username``; ``pointer`` says it as a JSON pointer) and what."""

    location: str
    message: str
    rule: str
    # The same place as a JSON pointer, for messages about a document (a seed file); not part of what a problem is.
    pointer: str = field(default="", compare=False)

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


def quotes_secret(error: jsonschema_rs.ValidationError) -> bool:
    """Whether the error's message may quote a secret: the value of a secret field, or a value that holds one."""
    if isinstance(error.kind, _NAMES_ONLY):
        return False
    secrets = secret_fields()
    if any(part in secrets for part in error.instance_path):
        return True
    return any(isinstance(value, dict) and not secrets.isdisjoint(value) for value in _walk(error.instance))


def _location(error: jsonschema_rs.ValidationError, prefix: str) -> str:
    path = ".".join(str(part) for part in error.instance_path)
    return f"{prefix}.{path}" if path else prefix


def _describe(error: jsonschema_rs.ValidationError, prefix: str) -> Problem:
    location = _location(error, prefix)
    rule = str(error.schema_path[-1]) if error.schema_path else "schema"
    pointer = "/" + "/".join(str(part) for part in error.instance_path)
    if quotes_secret(error):
        # The validator's message quotes the value, and a secret must reach no terminal, CI log or HTTP client.
        return Problem(location, f"breaks the {rule} rule (not quoted: it is or holds a secret)", rule, pointer)
    return Problem(location, error.message, rule, pointer)


# The validator's messages for these quote the whole instance (a body may hold a SIP password or a token) and say
# nothing of why no alternative fits; each carries its alternatives' own errors, which say it precisely.
_ALTERNATIVES = (jsonschema_rs.ValidationErrorKind.OneOfNotValid, jsonschema_rs.ValidationErrorKind.AnyOf)
_JSON_TYPES = (
    (bool, "a boolean"),
    (int, "an integer"),
    (float, "a number"),
    (str, "a string"),
    (list, "an array"),
    (dict, "an object"),
)


def _json_type(value: Any) -> str:
    return next((name for kind, name in _JSON_TYPES if isinstance(value, kind)), "null")


def _types_wanted(branch: list[jsonschema_rs.ValidationError], here: list[str | int]) -> list[str]:
    """The JSON types an alternative wants where it refused the instance's own type; empty when it took that type."""
    return [
        name
        for failure in branch
        if isinstance(failure.kind, jsonschema_rs.ValidationErrorKind.Type) and failure.instance_path == here
        for name in failure.kind.types
    ]


def _explained(error: jsonschema_rs.ValidationError, prefix: str) -> list[Problem]:
    """What ``error`` says is wrong, as problems: a ``oneOf`` or ``anyOf`` by the errors of the alternative meant."""
    kind = error.kind
    location = _location(error, prefix)
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.OneOfMultipleValid):
        return [
            Problem(location, "fits more than one of the schemas its oneOf lists; it must fit exactly one", "oneOf")
        ]
    if not isinstance(kind, _ALTERNATIVES):
        return [_describe(error, prefix)]
    # The alternative meant is the one of the instance's own JSON type (the contract's [array form, object form]: an
    # array is meant as the array form, whatever else is wrong with it), and its errors say what is wrong.
    wanted = [_types_wanted(branch, error.instance_path) for branch in kind.context]
    meant = [branch for branch, types in zip(kind.context, wanted, strict=True) if not types]
    if len(meant) == 1:
        return [problem for failure in meant[0] for problem in _explained(failure, prefix)]
    if not meant:
        allowed = " or ".join(sorted({name for types in wanted for name in types}))
        return [Problem(location, f"{_json_type(error.instance)} where the contract allows {allowed}", "type")]
    keyword = str(error.schema_path[-1])
    reasons = " | ".join(
        "; ".join(
            problem.message if problem.location == location else str(problem)
            for failure in branch
            for problem in _explained(failure, prefix)
        )
        for branch in meant
    )
    return [Problem(location, f"fits none of the {len(meant)} schemas its {keyword} lists: {reasons}", keyword)]


_REMEMBERED_PATHS = 4096


def _uri(spec: str, strict: bool) -> str:
    """Where a contract file lives in the registry; its strict reading beside it, in a folder of its own."""
    path = spec_path(spec)
    return (path.parent / "strict" / path.name).as_uri() if strict else path.as_uri()


@cache
def _registry() -> jsonschema_rs.Registry:
    """The contract files (and the proxy's), and the strict readings (``x-strict`` merged in), each once, by URI.

    Every compiled schema refers into these instead of carrying the file's components along: a schema compiled with
    them beside it cost about 0.4 MiB and 1 ms, some 70 of them 28 MiB of the emulator's memory and most of its start.
    """
    return jsonschema_rs.Registry(
        [(_uri(spec, False), load_spec(spec)) for spec in (*SPECS, PROXY_SPEC)]
        + [(_uri(spec, True), _with_strict(load_spec(spec))) for spec in SPECS]
    )


def _rebased(node: Any, filename: str) -> Any:
    """``node`` with its file-local references (``#/components/...``) naming the file (``admin.yaml#/...``)."""
    if isinstance(node, list):
        return [_rebased(item, filename) for item in node]
    if not isinstance(node, dict):
        return node
    rebased = {key: _rebased(value, filename) for key, value in node.items()}
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#"):
        rebased["$ref"] = filename + ref
    return rebased


class Schema:
    """One schema of a contract file, compiled: ``#/components/...`` and references to the other file resolve.

    The strict reading (``strict=True``) is compiled when first used: most runs never use it.
    """

    def __init__(self, schema: dict[str, Any], spec: str, prefix: str, *, strict: bool = False) -> None:
        self._source = (schema, spec, strict)
        self._compiled: jsonschema_rs.Validator | None = None
        self._prefix = prefix
        if not strict:
            self._compiled = self._compile()

    def _compile(self) -> jsonschema_rs.Validator:
        schema, spec, strict = self._source
        if strict:
            schema = _with_strict(schema)
        # Beside its file in the registry (a name of its own there), so ``admin.yaml``'s relative references into
        # ``apidaze-cpaas.yaml`` find the file next to it, and the strict reading's the strict file.
        base = _uri(spec, strict).rsplit("/", 1)[0] + "/compiled-schema.json"
        return jsonschema_rs.Draft202012Validator(
            _rebased(schema, spec_path(spec).name), validate_formats=True, base_uri=base, registry=_registry()
        )

    @property
    def _validator(self) -> jsonschema_rs.Validator:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = self._compile()
        return compiled

    def iter_errors(self, instance: Any) -> Iterator[jsonschema_rs.ValidationError]:
        """The validator's own errors; their messages may quote values, secrets too (:meth:`problems` does not)."""
        return self._validator.iter_errors(instance)

    def problems(self, instance: Any) -> list[Problem]:
        """Every broken rule, worded without quoting a secret; empty when ``instance`` is valid."""
        # is_valid stops at the first broken rule and builds no error objects: the common, valid case pays only that.
        if self._validator.is_valid(instance):
            return []
        return [
            problem for error in self._validator.iter_errors(instance) for problem in _explained(error, self._prefix)
        ]

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

    def __init__(self, schema: Schema, strict: Schema, types: dict[str, frozenset[str]]) -> None:
        self._schema = schema
        self._strict = strict
        self._types = types

    def check(self, params: dict[str, str], strict: bool = False) -> dict[str, Any]:
        """The parameters as their schema types; ``InvalidRequest`` naming the parameter and rule when one fails."""
        values = self._values(params)
        (self._strict if strict else self._schema).check(values)
        return values

    def problems(self, params: dict[str, str]) -> list[Problem]:
        """What is wrong with the parameters, read as their schema types; empty when nothing is."""
        return self._schema.problems(self._values(params))

    def _values(self, params: dict[str, str]) -> dict[str, Any]:
        if not self._types:
            return params
        return {name: _typed(text, self._types[name]) if name in self._types else text for name, text in params.items()}


def media_type(content_type: str) -> str:
    """``application/json`` of ``Application/JSON; charset=utf-8``."""
    return content_type.split(";", 1)[0].strip().lower()


def _media_matches(declared: str, received: str) -> bool:
    kind, _, sub = declared.lower().partition("/")
    received_kind, _, received_sub = received.partition("/")
    return kind in ("*", received_kind) and sub in ("*", received_sub)


@dataclass(frozen=True)
class _Header:
    name: str
    required: bool
    schema: Schema
    types: frozenset[str]


class AnswerRules:
    """One documented answer of an operation, compiled: the headers it must carry and the body of each media type.

    Header values are text; each is read as the type its schema declares before the check, as query values are
    (and as schemathesis' ``response_headers_conformance`` coerces them). Only JSON bodies are read.
    """

    def __init__(self, key: str, definition: dict[str, Any], spec: str) -> None:
        document = load_spec(spec)
        self.key = key
        self.headers: list[_Header] = []
        for name, header in definition.get("headers", {}).items():
            header = _resolve(document, header)
            schema = header.get("schema", {})
            # A string type keeps the text, as for parameters.
            declared = _declared_types(document, schema)
            types = declared if declared and "string" not in declared else frozenset()
            where = f"header.{name}"
            self.headers.append(_Header(name, bool(header.get("required")), Schema(schema, spec, where), types))
        self.content: dict[str, Schema | None] = {
            kind: Schema(media["schema"], spec, "body") if "schema" in media else None
            for kind, media in definition.get("content", {}).items()
        }

    def problems(self, headers: Mapping[str, str], body: bytes) -> list[Problem]:
        """What this answer breaks. ``headers`` maps lower-case names to values (the first, when repeated)."""
        found: list[Problem] = []
        for header in self.headers:
            value = headers.get(header.name.lower())
            if value is None:
                if header.required:
                    found.append(Problem(f"header.{header.name}", f"the {header.name} header is missing", "required"))
                continue
            found.extend(header.schema.problems(_typed(value, header.types) if header.types else value))
        found.extend(self._body_problems(headers.get("content-type"), body))
        return found

    def _body_problems(self, content_type: str | None, body: bytes) -> list[Problem]:
        if not self.content:
            if body:
                return [Problem("body", f"a {len(body)}-byte body where the contract documents none", "content")]
            return []
        declared = ", ".join(self.content)
        if content_type is None:
            return [Problem("header.content-type", f"missing; the contract documents {declared}", "content-type")]
        received = media_type(content_type)
        chosen = next((kind for kind in self.content if _media_matches(kind, received)), None)
        if chosen is None:
            return [Problem("header.content-type", f"{received!r} is not documented; it is {declared}", "content-type")]
        schema = self.content[chosen]
        if schema is None or not (received == "application/json" or received.endswith("+json")):
            return []
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            return [Problem("body", f"not JSON: {exc}", "json")]
        return schema.problems(document)


@dataclass
class Operation:
    """What the contract says one operation accepts, and (read when first asked) what it may answer."""

    operation_id: str
    body: dict[str, Schema] = field(default_factory=dict)
    # The body as --strict reads it (x-strict merged in), and the fields the body schema names.
    strict_body: dict[str, Schema] = field(default_factory=dict)
    body_fields: frozenset[str] = frozenset()
    query: _Parameters | None = None
    path: _Parameters | None = None
    successes: dict[str, Success] = field(default_factory=dict)
    # Path parameters that passed, with their typed values: clients ask for the same few ids again and again, and a
    # dict lookup is a quarter of the schema check (cProfile of read: is_valid 1 us of every call). Bounded, for
    # fuzzers that try millions.
    _valid_paths: dict[tuple[tuple[str, str], ...], dict[str, Any]] = field(
        default_factory=dict, repr=False, compare=False
    )
    method: str = ""
    template: str = ""
    spec: str = API_SPEC
    # The Authorization schemes (lower case) of which the request must send one; None when the operation is open.
    auth_schemes: frozenset[str] | None = None
    # The documented answers as the file has them, by status key ("200", "4XX", "default"); compiled when needed.
    responses: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _answers: dict[str, AnswerRules] = field(default_factory=dict, repr=False, compare=False)

    def query_problems(self, params: dict[str, str]) -> list[Problem]:
        """What is wrong with the query, read as its schema types."""
        return [] if self.query is None else self.query.problems(params)

    def path_problems(self, params: dict[str, str]) -> list[Problem]:
        """What is wrong with the path parameters, read as their schema types."""
        return [] if self.path is None else self.path.problems(params)

    def answer(self, status: int) -> AnswerRules | None:
        """The documented answer for ``status`` (the code itself, else its ``4XX`` range, else ``default``)."""
        keys = {key.upper(): key for key in self.responses}
        for wanted in (str(status), f"{str(status)[0]}XX", "DEFAULT"):
            key = keys.get(wanted)
            if key is None:
                continue
            rules = self._answers.get(key)
            if rules is None:
                definition = _resolve(load_spec(self.spec), self.responses[key])
                rules = self._answers[key] = AnswerRules(key, definition, self.spec)
            return rules
        return None

    def answer_problems(self, status: int, headers: Mapping[str, str], body: bytes) -> list[Problem]:
        """What an answer breaks: an undocumented status, a missing or wrong header, a body off its schema.

        ``headers`` maps lower-case names to values. A secret (:func:`secret_fields`) is never quoted.
        """
        rules = self.answer(status)
        if rules is None:
            documented = ", ".join(self.responses)
            message = f"{status} is not a documented status of {self.operation_id} (documented: {documented})"
            return [Problem("status", message, "status")]
        return rules.problems(headers, body)

    def check_query(self, params: dict[str, str], strict: bool = False) -> dict[str, Any]:
        """The query as its schema types, checked against the contract (its strict reading with ``strict``)."""
        return params if self.query is None else self.query.check(params, strict)

    def success(self, style: str) -> Success:
        """How this operation succeeds in response style ``style``, as its ``x-apidaze-style`` says."""
        return self.successes[style]

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
    return _Parameters(Schema(schema, spec, where), Schema(schema, spec, where, strict=True), types)


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


def _auth_schemes(document: dict[str, Any], requirements: list[dict[str, Any]]) -> frozenset[str] | None:
    """The ``Authorization`` schemes that meet one of the security requirements; None when one asks for nothing.

    HTTP schemes by their name; OAuth 2 and OpenID Connect tokens travel as bearer tokens (RFC 6750).
    """
    if not requirements or any(not requirement for requirement in requirements):
        return None
    schemes: set[str] = set()
    for requirement in requirements:
        for scheme_name in requirement:
            scheme = document["components"]["securitySchemes"][scheme_name]
            if scheme["type"] == "http":
                schemes.add(scheme["scheme"].lower())
            elif scheme["type"] in ("oauth2", "openIdConnect"):
                schemes.add("bearer")
    return frozenset(schemes)


@cache
def operations(name: str = API_SPEC) -> dict[str, Operation]:
    """Compiled request rules of every operation, by ``operationId``."""
    document = load_spec(name)
    compiled: dict[str, Operation] = {}
    for template, path_item in document["paths"].items():
        shared = [_resolve(document, p) for p in path_item.get("parameters", [])]
        for method, operation in path_item.items():
            if method == "parameters":
                continue
            parameters = shared + [_resolve(document, p) for p in operation.get("parameters", [])]
            entry = Operation(
                operation["operationId"],
                query=_parameters(name, parameters, "query"),
                path=_parameters(name, parameters, "path"),
                method=method.upper(),
                template=template,
                spec=name,
                auth_schemes=_auth_schemes(document, operation.get("security", document.get("security", []))),
                responses=operation.get("responses", {}),
            )
            body = operation.get("requestBody")
            if body is not None:
                body = _resolve(document, body)
                for media_type, content in body["content"].items():
                    entry.body[media_type] = Schema(content["schema"], name, "body")
                    entry.strict_body[media_type] = Schema(content["schema"], name, "body", strict=True)
                    entry.body_fields |= _resolve(document, content["schema"]).get("properties", {}).keys()
            entry.successes = _successes(document, operation)
            compiled[entry.operation_id] = entry
    return compiled


def _successes(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Success]:
    successes: dict[str, Success] = {}
    for status, response in operation.get("responses", {}).items():
        for style, form in _resolve(document, response).get(STYLE, {}).items():
            if style in successes:
                raise ValueError(f"{operation['operationId']}: two answers for response style {style!r}")
            successes[style] = Success(int(status), form)
    if successes and set(successes) != set(response_styles()):
        raise ValueError(f"{operation['operationId']}: {STYLE} must name each of {response_styles()}")
    return successes


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


@dataclass(frozen=True)
class PathMatch:
    """A request path read against the contract's paths: the template it fits, its parameters, its operations."""

    template: str
    params: dict[str, str]
    operations: dict[str, Operation]


@cache
def _path_table(name: str) -> list[tuple[re.Pattern[str], str, dict[str, Operation]]]:
    by_template: dict[str, dict[str, Operation]] = {}
    for operation in operations(name).values():
        by_template.setdefault(operation.template, {})[operation.method] = operation
    table = [
        (re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))), template, methods)
        for template, methods in by_template.items()
    ]
    # OpenAPI: a concrete path matches before a templated one (/externalscripts/test before /externalscripts/{id}).
    table.sort(key=lambda row: row[1].count("{"))
    return table


def match_path(path: str, name: str = API_SPEC) -> PathMatch | None:
    """The contract path ``path`` is an instance of, with its parameters; None when the contract has no such path."""
    for pattern, template, methods in _path_table(name):
        found = pattern.fullmatch(path)
        if found is not None:
            return PathMatch(template, found.groupdict(), methods)
    return None


API_SCHEMA_PREFIX = "Api"
_LOCAL_SCHEMA = "#/components/schemas/"


def relocated(node: Any, target: str, home: str = "") -> Any:
    """A schema of one contract file, its references rewritten for a document that holds both files' schemas.

    A local ``#/components/schemas/X`` becomes ``target + home + X``; a reference into ``apidaze-cpaas.yaml``
    becomes ``target + "Api" + X``. ``home`` is ``""`` for ``admin.yaml``'s own schemas, ``"Api"`` for the API's.
    """
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith((_LOCAL_SCHEMA, f"{API_SPEC}{_LOCAL_SCHEMA}")):
            prefix = API_SCHEMA_PREFIX if ref.startswith(API_SPEC) else home
            node = {**node, "$ref": target + prefix + ref.rsplit("/", 1)[1]}
        return {key: relocated(value, target, home) for key, value in node.items()}
    if isinstance(node, list):
        return [relocated(value, target, home) for value in node]
    return node


def both_schemas(target: str) -> dict[str, Any]:
    """Every schema of ``admin.yaml`` and (prefixed ``Api``) of ``apidaze-cpaas.yaml``, references pointing at
    ``target``: what one self-contained document needs (the served control-plane contract, the seed file's schema)."""
    schemas = {
        name: relocated(schema, target) for name, schema in load_spec(ADMIN_SPEC)["components"]["schemas"].items()
    }
    for name, schema in load_spec(API_SPEC)["components"]["schemas"].items():
        schemas[API_SCHEMA_PREFIX + name] = relocated(schema, target, API_SCHEMA_PREFIX)
    return schemas
