"""Reading requests and writing answers: body limits, form and JSON parsing, contract checks, JSON bodies."""

from __future__ import annotations

import itertools
import logging
import os
from typing import Any
from urllib.parse import unquote, unquote_to_bytes

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Scope

from mock_server.errors import (
    ApiError,
    InvalidRequest,
    MalformedBody,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    api_error_body,
)
from mock_server.spec import BODY_TYPES, Operation

log = logging.getLogger("apidaze_mock")

MAX_BODY_BYTES = 64 * 1024
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


class JSONResponse(Response):
    media_type = JSON

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


# Transaction ids need to be unique, not secret: a random prefix per process and a counter, 32 hex digits like the
# uuid4().hex they replace, which cost a call into the OS's random source on every request.
_ID_PREFIX = os.urandom(8).hex()
_ID_COUNTER = itertools.count(1)
_TRANSACTION_ID = "apidaze.transaction_id"


def new_transaction_id() -> str:
    return f"{_ID_PREFIX}{next(_ID_COUNTER):016x}"


def transaction_id(scope: Scope) -> str:
    """The call's transaction id (``transactionId`` in KPN's error bodies), made the first time it is needed.

    Only error answers carry one, so a call that succeeds never pays for formatting it.
    """
    value: str | None = scope.get(_TRANSACTION_ID)
    if value is None:
        value = scope[_TRANSACTION_ID] = new_transaction_id()
    return value


def error_response(error: ApiError, scope: Scope) -> JSONResponse:
    return JSONResponse(api_error_body(error, transaction_id(scope)), error.status, headers=error.headers)


async def api_error_handler(request: Request, exc: Exception) -> Response:
    """Exception handler: an ``ApiError`` raised by a route, in the API's shape."""
    assert isinstance(exc, ApiError)
    return error_response(exc, request.scope)


async def internal_error_handler(request: Request, exc: Exception) -> Response:
    """Exception handler of last resort: logged with its traceback, answered as a 500 in the API's shape."""
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(ApiError(info="see the emulator's log"), request.scope)


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    """Exception handler: the router's 404 and 405 (keeping its ``Allow`` header), in the API's shape."""
    assert isinstance(exc, HTTPException)
    where = f"{request.method} {request.url.path}"
    error: ApiError
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        error = MethodNotAllowed(info=f"{where}; allowed: {allowed}", headers=exc.headers)
    else:
        error = NotFound(info=f"no route for {where}", headers=exc.headers)
    return error_response(error, request.scope)


def request_header(scope: Scope, name: bytes) -> bytes | None:
    """The first value of the request header ``name`` (lower case, as ASGI servers give names).

    Read straight from the scope: building Starlette's ``request.headers`` view and searching it cost about 3 us of
    every create, update and token call (timeit), this 0.4 us.
    """
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    for key, value in headers:
        if key == name:
            return value
    return None


def media_type(request: Request) -> str:
    raw = request_header(request.scope, b"content-type")
    return raw.decode("latin-1").split(";", 1)[0].strip().lower() if raw else ""


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The whole body, refusing with 413 as soon as it passes ``limit`` (the declared length is checked first)."""
    declared = (request_header(request.scope, b"content-length") or b"").decode("latin-1")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(info=f"Content-Length {declared} is over the limit of {limit} bytes")
    # Straight from receive rather than through request.stream(), an async generator per request; same messages,
    # same end on disconnect.
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(info=f"the body is over the limit of {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _unquote_plus(text: str) -> str:
    if "+" in text:
        text = text.replace("+", " ")
    # unquote returns text without "%" unchanged; the test skips even the call.
    if "%" not in text:
        return text
    if text.isascii():
        # What unquote does with all-ASCII text (one run to decode), without its regex split: cProfile of create put
        # unquote at 2.5 us for "%2B31201234567", this at 1 us; same text, same errors.
        return unquote_to_bytes(text.encode("ascii")).decode("utf-8")
    return unquote(text, errors="strict")


def parse_form(raw: bytes) -> dict[str, str]:
    """``application/x-www-form-urlencoded`` as a flat dict; a repeated field is an error, not a silent pick.

    The same rules as ``parse_qsl(keep_blank_values=True, strict_parsing=True, errors="strict")``, written out:
    parse_qsl was half of a SIP account create's own time, mostly argument coercion and unquoting plain text.
    """
    fields: dict[str, str] = {}
    repeated: str | None = None
    if raw:
        try:
            for field in raw.decode("utf-8").split("&"):
                name, equals, value = field.partition("=")
                if not equals:
                    raise ValueError(f"bad query field: {field!r}")
                # Plain text (most names and values) skips the call: py-spy and cProfile put the eight calls per
                # create at a third of parse_form.
                if "+" in name or "%" in name:
                    name = _unquote_plus(name)
                if "+" in value or "%" in value:
                    value = _unquote_plus(value)
                if name in fields and repeated is None:
                    repeated = name  # reported after the whole body parsed, so a malformed field still wins
                fields[name] = value
        except (UnicodeDecodeError, ValueError) as exc:
            raise MalformedBody(info=f"form body: {exc}") from None
    if repeated is not None:
        raise MalformedBody(f"Field {repeated!r} is given more than once.", info=f"body.{repeated}: repeated")
    return fields


def parse_json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise MalformedBody(info=f"JSON body: {exc}") from None
    if not isinstance(value, dict):
        raise MalformedBody("The JSON body must be an object.", info=f"JSON body is a {type(value).__name__}")
    return value


async def body_fields(request: Request, operation: Operation) -> dict[str, Any]:
    """The request body of ``operation``, parsed and checked against the contract."""
    raw = await read_body(request)
    kind = media_type(request)
    if not kind and not raw:
        kind = next(iter(operation.body))
    if kind not in operation.body:
        raise UnsupportedMediaType(info=f"Content-Type {kind or '(none)'!r}; use {' or '.join(BODY_TYPES)}")
    if not raw:
        fields: dict[str, Any] = {}
    else:
        fields = parse_json_object(raw) if kind == JSON else parse_form(raw)
    operation.body[kind].check(fields)
    return fields


def query_fields(request: Request, operation: Operation) -> dict[str, Any]:
    """The query of ``operation``, typed and checked by the contract; a repeated parameter is an error, as in forms."""
    params: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key in params:
            raise InvalidRequest(f"Query parameter {key!r} is given more than once.", info=f"query.{key}: repeated")
        params[key] = value
    return operation.check_query(params)
