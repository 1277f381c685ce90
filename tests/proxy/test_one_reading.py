"""One reading of the contract: for every answer a client got, the proxy's checks and schemathesis' response checks
(those ``contract_tests/`` runs) agree on whether it breaks the contract, for the emulator and a broken upstream."""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.types import ASGIApp

from mock_server.app import create_app
from mock_server.paths import TOKEN_PATH
from mock_server.proxy.checks import check_answer
from mock_server.spec import match_path, spec_path
from tests.live_server import serve
from tests.proxy.conftest import API, serve_proxy
from tests.proxy.test_broken_upstream import Spoiled
from tests.proxy.test_emulator_upstream import client_session

CHECKS = [status_code_conformance, content_type_conformance, response_headers_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def contract() -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_path(spec_path())


def verdicts(contract: schemathesis.schemas.BaseSchema, response: httpx.Response) -> tuple[bool, bool]:
    """(the proxy finds the answer broken, schemathesis does)."""
    request = response.request
    match = match_path(request.url.path)
    assert match is not None
    operation = match.operations[request.method]
    headers: dict[str, str] = {}
    for name, value in response.headers.multi_items():
        headers.setdefault(name.lower(), value)
    ours = bool(check_answer(operation, response.status_code, headers, response.content))
    try:
        case = contract[match.template][request.method].Case(path_parameters=match.params)
        case.validate_response(response, checks=CHECKS)
    except FailureGroup:
        return ours, True
    return ours, False


def session_answers(upstream_app: ASGIApp) -> list[httpx.Response]:
    answers: list[httpx.Response] = []
    with (
        serve(upstream_app) as upstream,
        serve_proxy(upstream) as (url, _),
        httpx.Client(base_url=url, event_hooks={"response": [answers.append]}) as http,
    ):
        client_session(http)
    return answers


def test_the_emulators_answers_break_nothing_in_either_reading(contract: schemathesis.schemas.BaseSchema) -> None:
    answers = session_answers(create_app())
    assert len(answers) > 20
    assert {str(response.request.url): verdicts(contract, response) for response in answers} == {
        str(response.request.url): (False, False) for response in answers
    }


SPOILED = [
    ("GET", API + "/externalscripts", "teapot"),
    ("GET", API + "/sipaccounts", "no quota-used"),
    ("GET", API + "/sipaccounts/2", "no sip"),
]


def test_broken_answers_are_broken_in_both_readings(contract: schemathesis.schemas.BaseSchema) -> None:
    answers = session_answers(Spoiled(create_app(), *SPOILED))
    found = [(response, *verdicts(contract, response)) for response in answers]
    disagreements = [(response.request.url, response.status_code) for response, ours, theirs in found if ours != theirs]
    assert disagreements == []
    broken = {(response.request.method, response.request.url.path) for response, ours, _ in found if ours}
    # Each spoiled answer is broken (a 401 has no quota-used to lose, so not all answers to a spoiled path are),
    # and no other answer is.
    assert broken == {(method, path) for method, path, _ in SPOILED}


def test_a_broken_token_answer_is_broken_in_both_readings(contract: schemathesis.schemas.BaseSchema) -> None:
    answers = session_answers(Spoiled(create_app(), ("POST", TOKEN_PATH, "numeric token")))
    found = [(response.request.url.path, *verdicts(contract, response)) for response in answers]
    assert [path for path, ours, theirs in found if ours != theirs] == []
    assert {path for path, ours, _ in found if ours} == {TOKEN_PATH}
