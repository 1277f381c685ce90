"""When no proper answer comes from the upstream, the client gets KPN's ``ErrorResponse``: 504 for a timeout, 502
for an unreachable host, a broken exchange, a TLS failure or an answer too large to check; HTTPS is verified."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import anyio
import httpx
import pytest
import trustme
from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from contract_tests.served import free_port
from mock_server.app import create_app
from mock_server.proxy.upstream import Upstream
from mock_server.spec import component_schema
from tests.http.default_seed import TOKEN
from tests.live_server import serve
from tests.proxy.conftest import API, login, serve_proxy

ERROR_RESPONSE = component_schema("ErrorResponse", "apidaze-cpaas.yaml")


def assert_gateway_error(reply: httpx.Response, status: int, name: str, says: str) -> None:
    assert reply.status_code == status
    body = reply.json()
    assert ERROR_RESPONSE.problems(body) == []
    assert body["name"] == name
    assert says in body["message"] + " " + body["info"], body


def test_no_answer_in_time_is_504(client: Callable[[str], httpx.Client]) -> None:
    async def slow(request: Request) -> Response:
        await anyio.sleep(1)
        return Response("late")

    upstream_app = Starlette(routes=[Route(API + "/sipaccounts", slow)])
    with serve(upstream_app) as upstream, serve_proxy(upstream, upstream={"timeout": 0.3}) as (url, proxy):
        http = client(url)
        reply = http.get(API + "/sipaccounts", headers={"Authorization": "Bearer t"})
        journal = http.get("/__admin/requests").json()["requests"]

    assert_gateway_error(reply, 504, "GatewayTimeout", "no answer within 0.3 s to GET http://127.0.0.1:")
    assert journal[0]["status"] == 504
    assert proxy.violations.calls == 1


def test_an_unreachable_upstream_is_502(client: Callable[[str], httpx.Client]) -> None:
    with serve_proxy(f"http://127.0.0.1:{free_port()}") as (url, _):
        reply = client(url).get(API + "/sipaccounts", headers={"Authorization": "Bearer t"})
    assert_gateway_error(reply, 502, "BadGateway", "The upstream could not be reached")


def test_a_connection_cut_by_the_upstream_is_502(client: Callable[[str], httpx.Client]) -> None:
    with serve(create_app()) as upstream, serve_proxy(upstream) as (url, _):
        client(upstream).post("/__admin/faults", json={"path": "/sipaccounts", "action": "drop"})
        http = client(url)
        reply = http.get(API + "/sipaccounts", headers=login(http))
    assert_gateway_error(reply, 502, "BadGateway", "The upstream broke the exchange")


def test_an_answer_too_large_to_check_is_502(client: Callable[[str], httpx.Client]) -> None:
    with serve(create_app()) as upstream, serve_proxy(upstream, upstream={"max_answer_bytes": 100}) as (url, _):
        reply = client(url).post(TOKEN, data={"client_id": "local-client", "client_secret": "local-secret"})
    assert_gateway_error(reply, 502, "BadGateway", "over 100 bytes from POST http://127.0.0.1:")


def test_a_content_coded_answer_passes_as_sent_and_is_checked_decoded(client: Callable[[str], httpx.Client]) -> None:
    with serve(GZipMiddleware(create_app(), minimum_size=0)) as upstream, serve_proxy(upstream) as (url, proxy):
        http = client(url)
        reply = http.get(API + "/sipaccounts", headers={**login(http), "Accept-Encoding": "gzip"})
    assert reply.headers["content-encoding"] == "gzip"
    assert reply.json()[0]["sip"]["username"] == "reception"
    assert proxy.violations.total == 0


def test_a_plain_http_upstream_needs_allowing() -> None:
    with pytest.raises(ValueError, match="plain http: tokens and secrets would cross the network in clear text"):
        Upstream("http://api.example.com")
    with pytest.raises(ValueError, match="give an absolute https:// URL"):
        Upstream("api-prd.kpn.com")
    with pytest.raises(ValueError, match="no query or fragment"):
        Upstream("https://api-prd.kpn.com/?x=1")


def test_an_upstream_with_credentials_in_it_is_refused_unquoted() -> None:
    # They would be printed in the banner, written into the recording's header and quoted in every 502's info, and
    # httpx would send them as Basic auth in place of the client's own Authorization.
    with pytest.raises(ValueError, match="no user or password") as refused:
        Upstream("https://user:s3cret-pw@api-prd.kpn.com")
    assert "s3cret-pw" not in str(refused.value)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@contextmanager
def https_upstream(ca: trustme.CA) -> Iterator[str]:
    """A small HTTPS server on 127.0.0.1 with a certificate of ``ca``: every GET answers 200 ``[]``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"[]")

        def log_message(self, format: str, *args: object) -> None:
            pass

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_an_upstream_certificate_nobody_trusts_is_502(ca: trustme.CA, client: Callable[[str], httpx.Client]) -> None:
    with https_upstream(ca) as upstream, serve_proxy(upstream, upstream={"allow_http": False}) as (url, _):
        reply = client(url).get(API + "/sipaccounts", headers={"Authorization": "Bearer t"})
    assert_gateway_error(reply, 502, "BadGateway", "TLS with the upstream failed: ")
    assert "certificate" in reply.json()["message"]


def test_an_upstream_verified_with_the_given_ca_answers(
    ca: trustme.CA, tmp_path: Path, client: Callable[[str], httpx.Client]
) -> None:
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(ca_file)
    options = {"allow_http": False, "ca_file": ca_file}
    with https_upstream(ca) as upstream, serve_proxy(upstream, upstream=options) as (url, proxy):
        reply = client(url).get(API + "/sipaccounts", headers={"Authorization": "Bearer t"})
    assert (reply.status_code, reply.content) == (200, b"[]")
    # This small server sends none of KPN's headers: the proxy says so, and lets the answer through.
    assert "header.quota-used" in {kind["location"] for kind in proxy.violations.summary()["violations"]}


def test_a_request_body_over_the_bound_is_413_and_not_forwarded(client: Callable[[str], httpx.Client]) -> None:
    with serve(create_app()) as upstream, serve_proxy(upstream) as (url, _):
        http, direct = client(url), client(upstream)
        reply = http.post(API + "/sipaccounts", headers=login(http), content=b"x" * (1024 * 1024 + 1))
        upstream_saw = [entry["method"] for entry in direct.get("/__admin/requests").json()["requests"]]
    assert reply.status_code == 413
    assert ERROR_RESPONSE.problems(reply.json()) == []
    assert "over the limit of 1048576 bytes" in reply.json()["info"]
    assert upstream_saw == ["POST"]  # the token request only
