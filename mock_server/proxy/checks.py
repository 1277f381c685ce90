"""A call read against the contract: the request before it goes upstream, the answer when it comes back.

The rules are the emulator's own reading of ``openapi/apidaze-cpaas.yaml`` (:mod:`mock_server.spec`): the same
compiled schemas check a request's path, query and body, and the same file's documented answers check status,
headers and body. Request bodies are parsed as the emulator parses them (:mod:`mock_server.http`).

The contract is KPN's, as the file states it: what the emulator refuses by default for breaking it, the proxy
reports. It also reports a JSON body, which KPN's contract does not offer though the emulator reads one leniently,
and never the emulator's ``x-strict`` extras (``--strict``: its own patterns and lengths, closed bodies), which no
evidence shows the real API enforcing. Answers are read in either response style (docs/proxy.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from mock_server.errors import ApiError
from mock_server.http import JSON, parse_form, parse_json_object
from mock_server.proxy.violations import Violation
from mock_server.spec import Operation, Problem, match_path, media_type, secret_fields


@dataclass(frozen=True)
class RequestCheck:
    """The operation a request is an instance of (None when the contract has none), what it breaks, its path ids."""

    operation: Operation | None
    violations: list[Violation] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)


def check_request(method: str, path: str, query_string: bytes, headers: Mapping[str, str], body: bytes) -> RequestCheck:
    """Read a request against the contract. ``headers`` maps lower-case names to values."""
    if method == "OPTIONS" and "access-control-request-method" in headers:
        # A CORS preflight is the gateway's to answer, outside the contract's operations (as in the emulator).
        return RequestCheck(None)
    match = match_path(path)
    if match is None:
        return RequestCheck(None, [_violation(None, "path", "path", f"{path} is not a path of the contract")])
    operation = match.operations.get(method)
    if operation is None:
        allowed = ", ".join(match.operations)
        message = f"{method} is not an operation of {match.template} (the contract has {allowed})"
        return RequestCheck(None, [_violation(None, "method", "method", message)])
    problems = _auth_problems(operation, headers.get("authorization"))
    problems += operation.path_problems(match.params)
    problems += _query_problems(operation, query_string)
    problems += _body_problems(operation, headers.get("content-type"), body)
    violations = [Violation.of("request", operation.operation_id, problem) for problem in problems]
    return RequestCheck(operation, violations, match.params)


def check_answer(operation: Operation, status: int, headers: Mapping[str, str], body: bytes) -> list[Violation]:
    """Read the upstream's answer against what the contract documents for ``operation`` and ``status``."""
    problems = operation.answer_problems(status, headers, body)
    return [Violation.of("answer", operation.operation_id, problem) for problem in problems]


def _violation(operation: str | None, location: str, rule: str, message: str) -> Violation:
    return Violation("request", operation, rule, location, message)


def _auth_problems(operation: Operation, authorization: str | None) -> list[Problem]:
    if operation.auth_schemes is None:
        return []
    scheme, _, credentials = (authorization or "").strip().partition(" ")
    if scheme.lower() in operation.auth_schemes and credentials.strip():
        return []
    wanted = " or ".join(sorted(scheme.title() for scheme in operation.auth_schemes))
    if authorization is None:
        sent = "none"
    elif credentials.strip() or not scheme:
        sent = f"{scheme or '(empty)'} credentials"
    else:
        # One word may be a token sent without its scheme: the journal redacts such a header whole, and so does this.
        sent = "one word (not quoted: it may be a token without its scheme)"
    return [Problem("header.authorization", f"the operation requires {wanted} credentials; sent: {sent}", "security")]


def _query_problems(operation: Operation, query_string: bytes) -> list[Problem]:
    params: dict[str, str] = {}
    repeated: list[Problem] = []
    for key, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if key in params:
            repeated.append(Problem(f"query.{key}", f"query parameter {key!r} is given more than once", "repeated"))
        params[key] = value
    return repeated + operation.query_problems(params)


def _body_problems(operation: Operation, content_type: str | None, body: bytes) -> list[Problem]:
    if not operation.body:
        if body:
            return [Problem("body", f"{operation.operation_id} takes no body; got {len(body)} bytes", "requestBody")]
        return []
    kind = media_type(content_type or "")
    if not kind and not body:
        kind = next(iter(operation.body))
    if kind not in operation.body:
        documented = " or ".join(operation.body)
        return [Problem("header.content-type", f"{kind or '(none)'!r} is not documented; send {documented}", "media")]
    try:
        fields = {} if not body else parse_json_object(body) if kind == JSON else parse_form(body)
    except ApiError as error:
        # The parser's detail may quote a broken field; not when the body carries a secret.
        detail = (
            error.detail if any(name.encode() in body for name in secret_fields()) else f"{error.detail} {error.info}"
        )
        return [Problem("body", detail.strip(), "syntax")]
    return operation.body[kind].problems(fields)
