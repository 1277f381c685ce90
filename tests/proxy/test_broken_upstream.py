"""A deliberately broken upstream: the emulator with one answer spoiled. Each breach is reported with its rule and
its location, in the call's journal entry and in the summary, while the answer still reaches the client unchanged;
``fail_on`` turns it into a 502 ``ContractViolation``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.app import create_app
from mock_server.http import FORM
from mock_server.paths import TOKEN_PATH
from mock_server.spec import component_schema, operations
from tests.http.default_seed import TOKEN
from tests.live_server import serve
from tests.proxy.conftest import API, login, serve_proxy


def _without_sip(document: Any) -> Any:
    return [{key: value for key, value in item.items() if key != "sip"} for item in document]


def _without_name(document: Any) -> Any:
    return [{key: value for key, value in item.items() if key != "name"} for item in document]


def _numeric_token(document: Any) -> Any:
    return {**document, "access_token": 918273645546372819}


class Spoiled:
    """The emulator, with the answers to some ``(method, path)`` spoiled ``how``; every other answer left alone."""

    def __init__(self, app: ASGIApp, *rules: tuple[str, str, str]) -> None:
        self.app = app
        self.rules = {(method, path): how for method, path, how in rules}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        how = self.rules.get((scope["method"], scope["path"])) if scope["type"] == "http" else None
        if how is None:
            await self.app(scope, receive, send)
            return
        if how == "teapot":
            await send({"type": "http.response.start", "status": 418, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"I'm a teapot"})
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def hold(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, hold)
        headers = MutableHeaders(scope=start)
        body = b"".join(chunks)
        if how == "no quota-used":
            del headers["quota-used"]
        else:
            spoil = {"no sip": _without_sip, "no name": _without_name, "numeric token": _numeric_token}[how]
            body = orjson.dumps(spoil(orjson.loads(body)))
            headers["content-length"] = str(len(body))
        await send(start)
        await send({"type": "http.response.body", "body": body})


CASES = [
    pytest.param(
        "no quota-used",
        "GET",
        "/sipaccounts",
        {
            "side": "answer",
            "operation": "listSipAccounts",
            "rule": "required",
            "location": "header.quota-used",
            "message": "the quota-used header is missing",
        },
        id="drops quota-used",
    ),
    pytest.param(
        "teapot",
        "GET",
        "/externalscripts",
        {
            "side": "answer",
            "operation": "listExternalScripts",
            "rule": "status",
            "location": "status",
            "message": "418 is not a documented status of listExternalScripts (documented: 200, 400, 401, 403, 404, 405, 429, 500, 502, 503)",
        },
        id="answers 418",
    ),
    pytest.param(
        "no sip",
        "GET",
        "/sipaccounts/1",
        {
            "side": "answer",
            "operation": "getSipAccount",
            "rule": "required",
            "location": "body.0",
            "message": '"sip" is a required property',
        },
        id="body without sip",
    ),
]


@pytest.mark.parametrize(("how", "method", "path", "expected"), CASES)
def test_each_breach_is_reported_with_its_rule_and_location(
    how: str, method: str, path: str, expected: dict[str, str], client: Callable[[str], httpx.Client]
) -> None:
    upstream_app = Spoiled(create_app(), (method, API + path, how))
    with serve(upstream_app) as upstream, serve_proxy(upstream) as (url, proxy):
        http, direct = client(url), client(upstream)
        auth = login(http)
        http.get(API + "/sipaccounts/1/status", headers=auth)  # a clean call beside it
        through = http.request(method, API + path, headers=auth)
        straight = direct.request(method, API + path, headers=login(direct))
        journal = http.get("/__admin/requests").json()["requests"]
        summary = http.get("/__admin/violations").json()

    # Reported, not repaired: the client got what the upstream answered.
    assert through.status_code == straight.status_code
    assert through.content == straight.content
    assert [entry["violations"] for entry in journal] == [[expected], [], []]
    assert summary["total"] == summary["calls_with_violations"] == 1
    # The summary counts array items as one place (body.* for body.0).
    counted_at = expected["location"].replace(".0", ".*")
    [kind] = summary["violations"]
    assert kind["count"] == 1
    assert {key: kind[key] for key in expected} == {**expected, "location": counted_at}
    assert kind["example"] == {"method": method, "path": API + path}
    assert f"{counted_at}: {expected['message']}" in proxy.violations.report()


def test_a_list_of_broken_items_is_one_kind_of_breach(client: Callable[[str], httpx.Client]) -> None:
    upstream_app = Spoiled(create_app(), ("GET", API + "/sipaccounts", "no sip"))
    with serve(upstream_app) as upstream, serve_proxy(upstream) as (url, _):
        http = client(url)
        auth = login(http)
        http.post(API + "/sipaccounts", headers=auth, data={"username": "alice"})
        http.get(API + "/sipaccounts", headers=auth)
        entry = http.get("/__admin/requests", params={"limit": 1}).json()["requests"][0]
        summary = http.get("/__admin/violations").json()

    assert [violation["location"] for violation in entry["violations"]] == ["body.0", "body.1"]
    assert [(kind["location"], kind["count"]) for kind in summary["violations"]] == [("body.*", 2)]


@pytest.mark.parametrize("fail_on", [("answer",), ("request", "answer")])
def test_fail_on_answer_violations_answers_502_naming_them(
    fail_on: tuple[str, ...], client: Callable[[str], httpx.Client]
) -> None:
    upstream_app = Spoiled(create_app(), ("GET", API + "/sipaccounts", "no quota-used"))
    with serve(upstream_app) as upstream, serve_proxy(upstream, fail_on=fail_on) as (url, _):
        http = client(url)
        auth = login(http)
        clean = http.get(API + "/externalscripts", headers=auth)
        failed = http.get(API + "/sipaccounts", headers=auth)
        entry = http.get("/__admin/requests", params={"limit": 1}).json()["requests"][0]

    assert clean.status_code == 200
    assert failed.status_code == 502
    body = failed.json()
    assert component_schema("ErrorResponse", "apidaze-cpaas.yaml").problems(body) == []
    assert body["name"] == "ContractViolation"
    assert body["info"] == "answer header.quota-used: required"
    assert "the quota-used header is missing" in body["message"]
    assert entry["status"] == 502
    assert [violation["location"] for violation in entry["violations"]] == ["header.quota-used"]


def test_fail_on_request_violations_keeps_the_request_from_the_upstream(client: Callable[[str], httpx.Client]) -> None:
    with serve(create_app()) as upstream, serve_proxy(upstream, fail_on=("request",)) as (url, _):
        http, direct = client(url), client(upstream)
        auth = login(http)
        refused = http.post(API + "/sipaccounts", headers=auth, data={"username": "u" * 129})
        unauthenticated = http.get(API + "/sipaccounts")
        upstream_saw = [
            (entry["method"], entry["path"]) for entry in direct.get("/__admin/requests").json()["requests"]
        ]

    assert refused.status_code == unauthenticated.status_code == 502
    assert refused.json()["info"] == "request body.username: maxLength"
    assert unauthenticated.json()["info"] == "request header.authorization: security"
    assert upstream_saw == [("POST", TOKEN_PATH)]


def test_without_fail_on_a_request_violation_is_forwarded_and_reported(client: Callable[[str], httpx.Client]) -> None:
    with serve(create_app()) as upstream, serve_proxy(upstream) as (url, _):
        http = client(url)
        auth = login(http)
        refused = http.post(API + "/sipaccounts", headers=auth, data={"name": "Alice"})
        # KPN's contract takes form bodies only; the emulator reads JSON too (a leniency outside the contract), but
        # a client that relies on it may fail live, so the proxy reports it.
        as_json = http.post(API + "/sipaccounts", headers=auth, json={"username": "alice"})
        unknown = http.get(API + "/sipaccounts/1/history", headers=auth)
        wrong_method = http.patch(API + "/sipaccounts/1", headers=auth)
        journal = http.get("/__admin/requests", params={"limit": 4}).json()["requests"]

    statuses = (refused.status_code, as_json.status_code, unknown.status_code, wrong_method.status_code)
    assert statuses == (400, 200, 404, 405)
    assert [[(v["side"], v["rule"], v["location"]) for v in entry["violations"]] for entry in journal] == [
        [("request", "method", "method")],
        [("request", "path", "path")],
        [("request", "media", "header.content-type")],
        [("request", "required", "body")],
    ]
    assert journal[3]["violations"][0]["message"] == '"username" is a required property'
    # The upstream's answers to them are in the contract: nothing is reported on the answer side.


@pytest.mark.parametrize("strict_upstream", [False, True], ids=["lenient upstream", "strict upstream"])
def test_the_emulators_strict_only_rules_are_no_violation(
    strict_upstream: bool, client: Callable[[str], httpx.Client]
) -> None:
    # The proxy holds traffic to KPN's contract; the emulator's --strict extras (x-strict: its own patterns and
    # lengths, closed bodies) have no evidence behind them, so a request that breaks only them is no violation, and
    # a strict upstream's 400 for it is a documented answer (docs/proxy.md).
    fields = {"username": "a b", "name": "N" * 100, "internal_caller_id_number": "ext. 12", "colour": "blue"}
    assert {problem.rule for problem in operations()["createSipAccount"].strict_body[FORM].problems(fields)} == {
        "pattern",
        "maxLength",
        "additionalProperties",
    }
    with serve(create_app(strict=strict_upstream)) as upstream, serve_proxy(upstream) as (url, _):
        http = client(url)
        created = http.post(API + "/sipaccounts", headers=login(http), data=fields)
        journal = http.get("/__admin/requests").json()["requests"]
        summary = http.get("/__admin/violations").json()

    assert created.status_code == (400 if strict_upstream else 200)
    if strict_upstream:
        assert "body.username: pattern" in created.json()["info"]
    assert [entry["violations"] for entry in journal] == [[], []]
    assert summary["total"] == 0


def test_a_secret_in_a_broken_answer_is_never_quoted(
    client: Callable[[str], httpx.Client], caplog: pytest.LogCaptureFixture
) -> None:
    upstream_app = Spoiled(create_app(), ("POST", TOKEN_PATH, "numeric token"))
    with serve(upstream_app) as upstream, serve_proxy(upstream) as (url, _):
        http = client(url)
        with caplog.at_level(logging.INFO):
            reply = http.post(TOKEN, data={"client_id": "local-client", "client_secret": "local-secret"})
        journal = http.get("/__admin/requests").text
        summary = http.get("/__admin/violations").json()

    assert reply.json()["access_token"] == 918273645546372819
    [kind] = summary["violations"]
    assert (kind["location"], kind["rule"]) == ("body.access_token", "type")
    assert "not quoted" in kind["message"]
    for text in (journal, str(summary), caplog.text):
        assert "918273645546372819" not in text
        assert "local-secret" not in text


def test_a_password_in_an_answer_off_its_one_of_is_never_quoted(
    client: Callable[[str], httpx.Client], caplog: pytest.LogCaptureFixture
) -> None:
    # A read answers oneOf [array form, object form]: the validator's own message for it quotes the whole body.
    upstream_app = Spoiled(create_app(), ("GET", API + "/sipaccounts/1", "no name"))
    with serve(upstream_app) as upstream, serve_proxy(upstream) as (url, proxy):
        http = client(url)
        with caplog.at_level(logging.INFO):
            reply = http.get(API + "/sipaccounts/1", headers=login(http))
        [entry] = http.get("/__admin/requests", params={"limit": 1}).json()["requests"]
        summary = http.get("/__admin/violations").json()

    password = reply.json()[0]["sip"]["password"]
    assert entry["violations"] == [
        {
            "side": "answer",
            "operation": "getSipAccount",
            "rule": "required",
            "location": "body.0",
            "message": '"name" is a required property',
        }
    ]
    for text in (str(entry["violations"]), str(summary), proxy.violations.report(), caplog.text):
        assert password not in text


def test_a_token_sent_without_its_scheme_is_never_quoted(
    client: Callable[[str], httpx.Client], caplog: pytest.LogCaptureFixture
) -> None:
    # A client that forgets "Bearer " sends its token as the whole header: the journal redacts it whole, and so must
    # the violation that names the missing scheme.
    with serve(create_app()) as upstream, serve_proxy(upstream) as (url, proxy):
        http = client(url)
        token = login(http)["Authorization"].removeprefix("Bearer ")
        with caplog.at_level(logging.INFO):
            http.get(API + "/sipaccounts", headers={"Authorization": token})
        [entry] = http.get("/__admin/requests", params={"limit": 1}).json()["requests"]
        summary = http.get("/__admin/violations").json()

    assert [(v["rule"], v["location"]) for v in entry["violations"]] == [("security", "header.authorization")]
    for text in (str(entry), str(summary), proxy.violations.report(), caplog.text):
        assert token not in text
