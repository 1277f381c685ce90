"""Reading requests and writing answers: body limits, form and JSON parsing, contract checks, KPN error bodies.

The API reads bodies leniently unless a client is held to the letter (``--strict``, or the client's own
``strict``): a field the contract does not name is ignored, and a JSON object is read like the form KPN declares;
each such leniency is a warning in the call's journal entry, naming the field and the rule. Strict, the same
requests are refused, with the same names in the error.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from mock_server import spec
from mock_server.errors import (
    ApiError,
    HttpError,
    InvalidRequest,
    MalformedBody,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    api_error_body,
)
from mock_server.nesting import MAX_JSON_DEPTH, too_deep
from mock_server.spec import BODY_TYPES, Operation, whole_numbers

MAX_BODY_BYTES = 64 * 1024
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
_TRANSACTION_ID = "apidaze.transaction_id"
WARNINGS = "apidaze.warnings"
# Unknown fields named one by one in a call's warnings: a 64 KiB body of tiny fields would otherwise file thousands
# of lines in every journal entry.
MAX_FIELD_WARNINGS = 10


class JSONResponse(Response):
    media_type = JSON

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def warn(scope: Scope, warning: str) -> None:
    """Note something the API let pass that KPN's contract does not offer; the journal entry shows it."""
    scope.setdefault(WARNINGS, []).append(warning)


def transaction_id(scope: Scope) -> str:
    """The call's transaction id (``transactionId`` in KPN's error bodies), made the first time it is needed."""
    value: str | None = scope.get(_TRANSACTION_ID)
    if value is None:
        value = scope[_TRANSACTION_ID] = uuid.uuid4().hex
    return value


def error_response(error: ApiError, scope: Scope) -> JSONResponse:
    """The one way an ``ApiError`` becomes an answer: KPN's ``ErrorResponse`` with the error's status and headers."""
    return JSONResponse(api_error_body(error, transaction_id(scope)), error.status, headers=error.headers)


async def api_error_handler(request: Request, exc: Exception) -> Response:
    """Exception handler: an ``ApiError`` raised by a route, in the API's shape."""
    assert isinstance(exc, ApiError)
    return error_response(exc, request.scope)


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    """Exception handler: Starlette's own HTTP errors (the router's 404 and 405 above all), in the API's shape."""
    assert isinstance(exc, HTTPException)
    where = f"{request.method} {request.url.path}"
    error: ApiError
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        error = MethodNotAllowed(info=f"{where}; allowed: {allowed}", headers=exc.headers)
    elif exc.status_code == 404:
        error = NotFound(info=f"no route for {where}", headers=exc.headers)
    else:
        phrase = HTTPStatus(exc.status_code).phrase
        error = HttpError(exc.status_code, phrase.title().replace(" ", ""), exc.detail, where, exc.headers)
    return error_response(error, request.scope)


def media_type(headers: Headers) -> str:
    """The media type a request's ``Content-Type`` names, lower case, without parameters ("" when none)."""
    return spec.media_type(headers.get("content-type", ""))


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The whole body, refusing with 413 as soon as it passes ``limit`` (the declared length is checked first)."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(info=f"Content-Length {declared} is over the limit of {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(info=f"the body is over the limit of {limit} bytes")
    return bytes(body)


def parse_form(raw: bytes) -> dict[str, str]:
    """``application/x-www-form-urlencoded`` as a flat dict; a repeated field is an error, not a silent pick."""
    if not raw:
        return {}
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=True, errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedBody(info=f"form body: {exc}") from None
    return _unique(pairs)


def _members(value: Any) -> int:
    """How many name/value pairs the objects in ``value`` hold, nested ones included."""
    count = 0
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            count += len(item)
            pending.extend(v for v in item.values() if isinstance(v, dict | list))
        elif isinstance(item, list):
            pending.extend(v for v in item if isinstance(v, dict | list))
    return count


def _unique(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """Name/value pairs as a dict; a repeated name is an error, not a silent pick."""
    fields: dict[str, Any] = {}
    for name, value in pairs:
        if name in fields:
            raise MalformedBody(f"Field {name!r} is given more than once.", info=f"body.{name}: repeated")
        fields[name] = value
    return fields


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """A JSON object, whole numbers read as ints (``spec.whole_numbers``); a key given twice in any object is an
    error, as a repeated form field is, not a silent pick."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise MalformedBody(info=f"JSON body: {exc}") from None
    if not isinstance(value, dict):
        raise MalformedBody("The JSON body must be an object.", info=f"JSON body is a {type(value).__name__}")
    if too_deep(value):
        raise MalformedBody(info=f"JSON body: nested more than {MAX_JSON_DEPTH} levels deep")
    # orjson keeps the last of repeated keys and cannot say so. Each pair has exactly one colon outside strings, so
    # a body with no more colons than parsed pairs repeats none (50 ns); only one with colons inside its strings
    # (URLs) or repeated keys pays for the stdlib parser that sees every pair (9 us for a typical create).
    if raw.count(b":") > _members(value):
        try:
            json.loads(raw, object_pairs_hook=_unique)
        except ValueError as exc:  # an int of 5000 digits
            raise MalformedBody(info=f"JSON body: {exc.__class__.__name__}: {exc}") from None
    return whole_numbers(value)  # type: ignore[no-any-return]


def _parse(raw: bytes, kind: str) -> dict[str, Any]:
    if not raw:
        return {}
    return parse_json_object(raw) if kind == JSON else parse_form(raw)


async def body_fields(request: Request, operation: Operation) -> dict[str, Any]:
    """The request body of ``operation``, parsed and checked against the contract (the control plane's reading)."""
    raw = await read_body(request)
    kind = media_type(request.headers)
    if not kind and not raw:
        kind = next(iter(operation.body))
    if kind not in operation.body:
        raise UnsupportedMediaType(info=f"Content-Type {kind or '(none)'!r}; use {' or '.join(BODY_TYPES)}")
    fields = _parse(raw, kind)
    operation.body[kind].check(fields)
    return fields


def _api_form(request: Request, raw: bytes, *, strict: bool) -> dict[str, Any]:
    """An API body as KPN declares them, a form; leniently also a JSON object, noted with :func:`warn`."""
    kind = media_type(request.headers) or (FORM if not raw else "")
    if kind != FORM and not (kind == JSON and not strict):
        accepted = FORM if strict else f"{FORM} (or, leniently, {JSON})"
        raise UnsupportedMediaType(info=f"Content-Type {kind or '(none)'!r}; use {accepted}")
    fields = _parse(raw, kind)
    if kind == JSON and raw:
        warn(request.scope, f"body: sent as {JSON}; KPN's contract takes {FORM} only (--strict refuses it)")
    return fields


async def api_body_fields(request: Request, operation: Operation, *, strict: bool) -> dict[str, Any]:
    """The form body of an API ``operation``: only the fields the contract names, checked against it.

    Lenient (``strict`` false), a JSON object is read as the form would be and unknown fields are dropped, each
    noted with :func:`warn`; strict, both are refused and the contract's ``x-strict`` rules apply too.
    """
    fields = _api_form(request, await read_body(request), strict=strict)
    if strict:
        operation.strict_body[FORM].check(fields)
        return fields
    operation.body[FORM].check(fields)
    unknown = [name for name in fields if name not in operation.body_fields]
    for name in unknown[:MAX_FIELD_WARNINGS]:
        warn(request.scope, f"body.{name}: not a field of {operation.operation_id}; ignored (--strict refuses it)")
    if len(unknown) > MAX_FIELD_WARNINGS:
        warn(request.scope, f"body: {len(unknown) - MAX_FIELD_WARNINGS} more unknown fields ignored")
    return {name: value for name, value in fields.items() if name in operation.body_fields}


async def api_form_fields(request: Request, *, strict: bool) -> dict[str, str]:
    """The fields of a form body on an operation whose contract declares parameters, not a body (a GET).

    An empty body is none, whatever its Content-Type says. Every value must be text, as a parameter's is.
    """
    raw = await read_body(request)
    if not raw:
        return {}
    fields = _api_form(request, raw, strict=strict)
    for name, value in fields.items():
        if not isinstance(value, str):
            raise InvalidRequest(f"Body field {name!r} must be a string.", info=f"body.{name}: type")
    return fields


def query_fields(
    request: Request, operation: Operation, *, strict: bool = False, body: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The query of ``operation``, typed and checked by the contract; a repeated parameter is an error, as in forms.

    ``body`` holds the same parameters sent as a form body (see :func:`api_form_fields`); a name given both ways
    must have one value: reading one while the client meant the other would fail silently.
    """
    params: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key in params:
            raise InvalidRequest(f"Query parameter {key!r} is given more than once.", info=f"query.{key}: repeated")
        params[key] = value
    for key, value in (body or {}).items():
        if params.setdefault(key, value) != value:
            raise InvalidRequest(
                f"{key!r} is given in the query and in the body, with different values.",
                info=f"query.{key}, body.{key}: conflicting",
            )
    return operation.check_query(params, strict)
