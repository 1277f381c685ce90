"""The contract's answers, read by ``mock_server.spec``: documented statuses, required headers read as their types,
bodies against their schemas, and the path and operation a request is an instance of."""

from __future__ import annotations

import orjson
import pytest

from mock_server.spec import API_SPEC, Problem, Schema, match_path, operations

API = "/communication/apidaze/cpaas"
# What every counted API answer carries, as the emulator sends it.
HEADERS = {
    "api-version": "v1.1.1",
    "sunset": "n/a",
    "strict-transport-security": "max-age=31536000; includeSubDomains; preload",
    "access-control-allow-origin": "*",
    "access-control-allow-credentials": "true",
    "access-control-allow-headers": "Authorization, Content-Type",
    "access-control-allow-methods": "GET, PUT, POST, DELETE, OPTIONS",
    "access-control-max-age": "3600",
    "quota-interval": "1",
    "quota-time-unit": "minute",
    "quota-limit": "6000",
    "quota-used": "3",
    "quota-reset-utc": "2026-11-27T10:01:00Z",
    "content-type": "application/json",
}
SCRIPT = {"id": "1", "name": "ivr", "url": "http://127.0.0.1/ivr.xml", "created_at": "2026-11-27T10:00:00.000Z"}


def problems(operation_id: str, status: int, headers: dict[str, str], body: object = None) -> list[Problem]:
    raw = b"" if body is None else orjson.dumps(body)
    return operations()[operation_id].answer_problems(status, headers, raw)


def test_a_documented_answer_has_no_problems() -> None:
    assert problems("listExternalScripts", 200, HEADERS, [{**SCRIPT, "updated_at": SCRIPT["created_at"]}]) == []


def test_an_undocumented_status_is_named_with_those_documented() -> None:
    assert problems("deleteExternalScript", 418, {}) == [
        Problem(
            "status",
            "418 is not a documented status of deleteExternalScript "
            "(documented: 204, 400, 401, 403, 404, 405, 429, 500, 502, 503)",
            "status",
        )
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"quota-used": None}, Problem("header.quota-used", "the quota-used header is missing", "required")),
        ({"quota-used": "-1"}, Problem("header.quota-used", "-1 is less than the minimum of 0", "minimum")),
        ({"quota-limit": "many"}, Problem("header.quota-limit", '"many" is not of type "integer"', "type")),
        (
            {"access-control-allow-credentials": "yes"},
            Problem("header.access-control-allow-credentials", '"yes" is not of type "boolean"', "type"),
        ),
        (
            {"quota-reset-utc": "tomorrow"},
            Problem("header.quota-reset-UTC", '"tomorrow" is not a "date-time"', "format"),
        ),
        (
            {"content-type": "text/html"},
            Problem("header.content-type", "'text/html' is not documented; it is application/json", "content-type"),
        ),
    ],
)
def test_each_header_is_required_and_read_as_its_type(change: dict[str, str | None], expected: Problem) -> None:
    headers = {name: value for name, value in {**HEADERS, **change}.items() if value is not None}
    assert problems("listExternalScripts", 200, headers, []) == [expected]


def test_header_names_are_matched_whatever_their_case_in_the_contract() -> None:
    # The contract spells quota-reset-UTC and Retry-After; the answer's names arrive in lower case.
    assert problems("listSipAccounts", 429, {**HEADERS, "retry-after": "5"}, error_body(429)) == []
    assert problems("listSipAccounts", 429, HEADERS, error_body(429)) == [
        Problem("header.Retry-After", "the Retry-After header is missing", "required")
    ]


def error_body(status: int) -> dict[str, str]:
    return {"transactionId": "t", "status": str(status), "name": "N", "message": "m", "info": "i"}


def test_a_body_off_its_schema_is_named_by_place_and_rule() -> None:
    script = {key: value for key, value in SCRIPT.items() if key != "created_at"}
    assert problems("getExternalScript", 200, HEADERS, [script]) == [
        Problem("body.0", '"created_at" is a required property', "required"),
        Problem("body.0", '"updated_at" is a required property', "required"),
    ]
    assert problems("getExternalScript", 404, HEADERS, {"error": "no"}) == [
        Problem("body", f'"{field}" is a required property', "required")
        for field in ("transactionId", "status", "name", "message", "info")
    ]


def test_a_read_answer_is_named_in_the_form_of_its_json_type() -> None:
    # A read answers [array form, object form] (style kpn or upstream): each body is read as the form of its type.
    script = {key: value for key, value in SCRIPT.items() if key != "created_at"}
    assert problems("getExternalScript", 200, HEADERS, script) == [
        Problem("body", '"created_at" is a required property', "required"),
        Problem("body", '"updated_at" is a required property', "required"),
    ]
    assert problems("getExternalScript", 200, HEADERS, [script, "ivr"]) == [
        Problem("body.0", '"created_at" is a required property', "required"),
        Problem("body.0", '"updated_at" is a required property', "required"),
        Problem("body.1", '"ivr" is not of type "object"', "type"),
    ]
    assert problems("getExternalScript", 200, HEADERS, "ivr") == [
        Problem("body", "a string where the contract allows array or object", "type")
    ]


def test_a_body_that_is_not_json_or_not_documented_is_named() -> None:
    operation = operations()["getExternalScript"]
    assert operation.answer_problems(200, HEADERS, b"[{") == [
        Problem("body", "not JSON: unexpected end of data: line 1 column 3 (char 2)", "json")
    ]
    assert operation.answer_problems(200, {**HEADERS, "content-type": ""}, b"") == [
        Problem("header.content-type", "'' is not documented; it is application/json", "content-type")
    ]
    headers = {key: value for key, value in HEADERS.items() if key != "content-type"}
    assert operations()["deleteExternalScript"].answer_problems(204, headers, b"{}") == [
        Problem("body", "a 2-byte body where the contract documents none", "content")
    ]


def test_the_value_of_a_secret_field_is_never_quoted() -> None:
    account = {"id": "1", "sip": {"username": "alice", "password": 12345678}}
    found = problems("getSipAccount", 200, HEADERS, [account])
    assert Problem("body.0.sip.password", "breaks the type rule (not quoted: it is or holds a secret)", "type") in found
    assert all("12345678" not in problem.message for problem in found)


PASSWORD = "s3cret-Pa55"


@pytest.mark.parametrize(
    "body",
    [
        {"id": "1", "sip": {"username": "alice", "password": PASSWORD}},  # the object form, incomplete
        [{"id": "1", "sip": {"username": "alice", "password": PASSWORD}}],  # the array form, incomplete
        [{"sip": {"password": PASSWORD}}, [{"password": PASSWORD}]],  # an item of a type the array form refuses
        {"sip": {"username": "alice", "password": 12345678}, "name": PASSWORD, "tags": [PASSWORD]},
    ],
)
def test_a_body_with_a_password_that_breaks_the_one_of_never_shows_it(body: object) -> None:
    # The validator's own oneOf message quotes the whole body; each problem says what is wrong in its place instead.
    found = problems("getSipAccount", 200, HEADERS, body)
    assert found
    assert all(problem.rule != "oneOf" for problem in found)
    assert all(PASSWORD not in problem.message and "12345678" not in problem.message for problem in found)


def test_alternatives_are_explained_by_the_one_of_the_instance_type_or_named_without_quoting() -> None:
    schema = Schema(
        {
            "type": "object",
            "properties": {
                "either": {"oneOf": [{"type": "array", "maxItems": 1}, {"type": "object", "required": ["id"]}]},
                "any": {"anyOf": [{"type": "string", "maxLength": 0}, {"type": "string", "minLength": 5}]},
                "one": {"oneOf": [{"type": "object"}, {"required": ["id"]}]},
            },
        },
        API_SPEC,
        "body",
    )
    assert schema.problems({"either": [1, 2], "any": "abc", "one": {"id": PASSWORD}}) == [
        Problem("body.either", "[1,2] has more than 1 item", "maxItems"),
        Problem(
            "body.any",
            'fits none of the 2 schemas its anyOf lists: "abc" is longer than 0 characters | '
            '"abc" is shorter than 5 characters',
            "anyOf",
        ),
        Problem("body.one", "fits more than one of the schemas its oneOf lists; it must fit exactly one", "oneOf"),
    ]
    assert schema.problems({"either": {"pin": PASSWORD}, "any": 7}) == [
        Problem("body.either", '"id" is a required property', "required"),
        Problem("body.any", "an integer where the contract allows string", "type"),
    ]


@pytest.mark.parametrize(
    ("path", "template", "params", "methods"),
    [
        ("/sipaccounts", "/sipaccounts", {}, ["GET", "POST"]),
        ("/sipaccounts/7", "/sipaccounts/{id}", {"id": "7"}, ["GET", "PUT", "DELETE"]),
        ("/sipaccounts/7/status", "/sipaccounts/{id}/status", {"id": "7"}, ["GET"]),
        ("/externalscripts/test", "/externalscripts/test", {}, ["GET"]),  # before /externalscripts/{id}
        ("/externalscripts/tests", "/externalscripts/{id}", {"id": "tests"}, ["GET", "PUT", "DELETE"]),
    ],
)
def test_a_request_path_finds_its_template_and_operations(
    path: str, template: str, params: dict[str, str], methods: list[str]
) -> None:
    match = match_path(API + path)
    assert match is not None
    assert (match.template, match.params, list(match.operations)) == (API + template, params, methods)


def test_paths_outside_the_contract_match_nothing() -> None:
    assert match_path(API + "/sipaccounts/7/history") is None
    assert match_path(API + "/sipaccounts/") is None
    assert match_path("/oauth/client_credential/accesstoken").operations["POST"].auth_schemes is None


def test_an_operation_knows_the_credentials_it_requires() -> None:
    assert operations()["listSipAccounts"].auth_schemes == frozenset({"bearer"})
    assert operations()["getAccessToken"].auth_schemes is None
