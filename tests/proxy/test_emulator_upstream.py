"""The emulator as the upstream: a whole client session through the proxy breaks no rule of the contract.

Every answer the emulator can give a well-behaved client is in it, in each response style (``kpn`` and ``upstream``):
tokens (form and Basic), every operation, 404, 409, 401 and the 429 of a used-up quota. Each is checked for status, headers and body, so a violation here means
the proxy and the emulator read the contract differently.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from mock_server.app import create_app
from mock_server.spec import response_styles
from tests.http.default_seed import CLIENT_SECRET, TOKEN
from tests.live_server import serve
from tests.proxy.conftest import API, login, serve_proxy


def client_session(http: httpx.Client) -> list[int]:
    """A client's session, each call valid per the contract; the statuses it got."""
    auth = login(http)
    basic = base64.b64encode(b"local-client:" + CLIENT_SECRET.encode()).decode()
    statuses = [http.post(TOKEN, headers={"Authorization": f"Basic {basic}"}).status_code]
    calls: list[tuple[str, str, dict[str, str] | None]] = [
        ("GET", "/sipaccounts", None),
        ("POST", "/sipaccounts", {"username": "alice", "name": "Alice", "internal_caller_id_number": "101"}),
        ("POST", "/sipaccounts", {"username": "alice"}),  # 409: taken
        ("GET", "/sipaccounts/2", None),
        ("PUT", "/sipaccounts/2", {"external_caller_id_number": "+31201234567"}),
        ("GET", "/sipaccounts/2/status", None),
        ("DELETE", "/sipaccounts/2", None),
        ("GET", "/sipaccounts/2", None),  # 404: gone
        ("GET", "/externalscripts", None),
        ("POST", "/externalscripts", {"url": "http://127.0.0.1:9/x.xml"}),  # 409: one per domain
        ("PUT", "/externalscripts/1", {"url": "http://127.0.0.1:9/ivr.xml", "name": "ivr"}),
        ("GET", "/externalscripts/1", None),
        ("GET", "/externalscripts/test", None),
        ("DELETE", "/externalscripts/1", None),
        ("POST", "/externalscripts", {"url": "http://127.0.0.1:9/ivr.xml"}),
    ]
    for method, path, form in calls:
        statuses.append(http.request(method, API + path, headers=auth, data=form).status_code)
    statuses.append(http.get(API + "/sipaccounts", headers={"Authorization": "Bearer expired"}).status_code)
    throttled = login(http, "throttled-client", "throttled-secret")
    statuses += [http.get(API + "/sipaccounts", headers=throttled).status_code for _ in range(11)]
    return statuses


# The statuses a session meets in each response style: KPN's Swagger (create, update and SIP delete 200) and the
# platform behind the gateway (create 201, update 202, delete 204); script delete is 204 in both.
SESSION_STATUSES = {
    "kpn": {200, 204, 401, 404, 409, 429},
    "upstream": {200, 201, 202, 204, 401, 404, 409, 429},
}


@pytest.mark.parametrize("style", response_styles())
def test_a_client_session_against_the_emulator_breaks_no_rule(
    style: str, client: Callable[[str], httpx.Client]
) -> None:
    with serve(create_app(response_style=style)) as upstream, serve_proxy(upstream) as (url, proxy):
        http = client(url)
        statuses = client_session(http)
        assert set(statuses) == SESSION_STATUSES[style], statuses
        summary = http.get("/__admin/violations").json()
        journal = http.get("/__admin/requests").json()["requests"]

    assert summary == {
        "calls": len(statuses) + 2,
        "calls_with_violations": 0,
        "total": 0,
        "untracked": 0,
        "violations": [],
    }
    assert len(journal) == len(statuses) + 2
    assert all(entry["violations"] == [] for entry in journal)
    assert proxy.violations.report() == f"apidaze-mock proxy: no contract violations in {len(statuses) + 2} calls"


@pytest.mark.parametrize(("style", "created_status"), [("kpn", 200), ("upstream", 201)])
def test_both_directions_pass_unchanged(style: str, created_status: int, client: Callable[[str], httpx.Client]) -> None:
    with serve(create_app(response_style=style)) as upstream, serve_proxy(upstream) as (url, _):
        direct, proxied = client(upstream), client(url)
        headers = {**login(proxied), "User-Agent": "my-client/1.0"}
        created = proxied.post(API + "/sipaccounts", headers=headers, data={"username": "bob"})
        seen_upstream = direct.get("/__admin/requests", params={"method": "POST", "limit": 1}).json()["requests"][0]
        read_direct = direct.get(API + "/sipaccounts/2", headers=login(direct))
        read_proxied = proxied.get(API + "/sipaccounts/2", headers=login(proxied))

    # The request reached the upstream as sent: same body, same credentials (only their scheme shows).
    assert seen_upstream["body"] == "username=bob"
    assert seen_upstream["headers"]["authorization"] == "Bearer [redacted]"
    assert seen_upstream["headers"]["user-agent"] == "my-client/1.0"
    assert seen_upstream["client_id"] == "local-client"
    # The answer came back as the upstream gave it: status, body, and the contract's headers.
    assert created.status_code == created_status
    assert read_proxied.content == read_direct.content
    assert read_proxied.headers["quota-limit"] == read_direct.headers["quota-limit"]
    assert int(read_proxied.headers["quota-used"]) == int(read_direct.headers["quota-used"]) + 1


def test_every_path_but_the_control_planes_goes_upstream(client: Callable[[str], httpx.Client]) -> None:
    seen: list[str] = []

    async def upstream_app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["path"])
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    odd = API + "/externalscripts/a%0Ab"  # a newline, which route patterns (Mount) do not match
    with serve(upstream_app) as upstream, serve_proxy(upstream) as (url, _):
        http = client(url)
        through = http.get(odd, headers={"Authorization": "Bearer t"})
        entry = http.get("/__admin/requests", params={"limit": 1}).json()["requests"][0]
    assert seen == [entry["path"]] == [API + "/externalscripts/a\nb"]
    assert through.status_code == 404
    # A path the contract has (the id is any text); this bare 404 lacks every header it documents.
    assert {(violation["side"], violation["operation"]) for violation in entry["violations"]} == {
        ("answer", "getExternalScript")
    }
