"""The proxy's ``/__admin`` is what ``openapi/proxy.yaml`` says: the same routes, answers that match its schemas."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from openapi_spec_validator import validate
from starlette.routing import Route

from mock_server.app import create_app
from mock_server.domain.journal import Journal
from mock_server.proxy.control import create_proxy_control
from mock_server.proxy.violations import ViolationLog
from mock_server.spec import ADMIN_SPEC, PROXY_SPEC, Schema, component_schema, load_spec, spec_path
from tests.live_server import serve
from tests.proxy.conftest import API, login, serve_proxy


def test_the_description_is_valid_and_its_example_fits() -> None:
    validate(load_spec(PROXY_SPEC), base_uri=spec_path(PROXY_SPEC).as_uri())
    summary = load_spec(PROXY_SPEC)["components"]["schemas"]["ViolationSummary"]
    assert component_schema("ViolationSummary", PROXY_SPEC).problems(summary["example"]) == []


def test_the_routes_are_the_described_ones() -> None:
    control = create_proxy_control(Journal(), ViolationLog())
    served_routes = {
        ("/__admin" + route.path, method.lower())
        for route in control.routes
        if isinstance(route, Route)
        for method in route.methods or ()
        if method != "HEAD"
    }
    described = set()
    for path, item in load_spec(PROXY_SPEC)["paths"].items():
        if "$ref" in item:
            item = load_spec(ADMIN_SPEC)["paths"][path]
        described |= {(path, method) for method in item if method in ("get", "put", "post", "delete")}
    assert served_routes == described


def test_the_answers_match_their_schemas(client: Callable[[str], httpx.Client]) -> None:
    with serve(create_app()) as upstream, serve_proxy(upstream) as (url, _):
        http = client(url)
        # Two rules of the contract broken: no username, a name over its maxLength.
        http.post(API + "/sipaccounts", headers=login(http), data={"name": "N" * 257, "colour": "red"})
        summary = http.get("/__admin/violations").json()
        journal = http.get("/__admin/requests").json()
        health = http.get("/__admin/health").json()

    assert summary["total"] == 2
    assert component_schema("ViolationSummary", PROXY_SPEC).problems(summary) == []
    assert component_schema("Journal").problems(journal) == []
    assert [len(entry["violations"]) for entry in journal["requests"]] == [2, 0]
    assert Schema({"$ref": "#/components/schemas/Health"}, ADMIN_SPEC, "health").problems(health) == []


def test_beyond_loopback_the_control_plane_wants_the_admin_token(client: Callable[[str], httpx.Client]) -> None:
    with serve(create_app()) as upstream, serve_proxy(upstream, admin_token="adm") as (url, _):
        http = client(url)
        assert http.get("/__admin/violations").status_code == 401
        assert http.get("/__admin/violations", headers={"Authorization": "Bearer adm"}).status_code == 200
        # The API's own paths are the upstream's business: no admin token there.
        assert http.get(API + "/sipaccounts", headers=login(http)).status_code == 200


def test_the_emulators_own_journal_entries_carry_no_violations(client: Callable[[str], httpx.Client]) -> None:
    with serve(create_app()) as upstream:
        http = client(upstream)
        http.get(API + "/sipaccounts", headers=login(http))
        entries = http.get("/__admin/requests").json()["requests"]
    assert len(entries) == 2
    assert all("violations" not in entry for entry in entries)


def test_a_web_page_cannot_reach_it(client: Callable[[str], httpx.Client]) -> None:
    # The journal shows the real API's answers, SIP passwords included: the emulator's guard against DNS rebinding
    # and cross-site requests holds here too.
    with serve(create_app()) as upstream, serve_proxy(upstream) as (url, _):
        http = client(url)
        rebound = http.get("/__admin/requests", headers={"Host": "evil.example:8080"})
        cross_site = http.delete("/__admin/requests", headers={"Origin": "https://evil.example"})
        local = http.get("/__admin/requests", headers={"Host": "localhost:8080"})
        # The API's own paths stay open to any origin, as KPN's are.
        api = http.get(API + "/sipaccounts", headers={**login(http), "Origin": "https://app.example"})

    assert (rebound.status_code, rebound.json()["name"]) == (403, "HostNotAllowed")
    assert (cross_site.status_code, cross_site.json()["name"]) == (403, "OriginNotAllowed")
    assert local.status_code == 200
    assert api.status_code == 200
