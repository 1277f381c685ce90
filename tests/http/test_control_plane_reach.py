"""The control plane is out of a web page's reach: DNS rebinding, cross-site forms and fetches are refused.

Anything on the developer's machine can talk to 127.0.0.1:8080, a page in their browser included. A rebinding page
reaches the emulator under its own name (``Host: evil.example``); a cross-site form or fetch carries the page's
``Origin``; a simple cross-site request can only send a form or plain-text content type.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from mock_server.app import Emulator, create_app
from mock_server.domain.clients import Client
from tests.asgi_call import call

LOCAL = [(b"host", b"127.0.0.1:8080")]


def ask(
    app: Emulator, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes = b""
) -> tuple[int, dict[str, str], Any]:
    """Status, headers and JSON body (None when empty) of one call with exactly these headers."""
    status, raw, content = asyncio.run(call(app, method, path, headers, body))
    return status, {k.decode(): v.decode() for k, v in raw}, json.loads(content) if content else None


def host(value: bytes) -> list[tuple[bytes, bytes]]:
    return [(b"host", value)]


@pytest.fixture
def app() -> Emulator:
    emulator = create_app()
    emulator.state.add_client(Client("runtime", "runtime-secret", "runtime.example"))
    return emulator


@pytest.mark.parametrize("name", [b"evil.example", b"evil.example:8080", b"127.0.0.1.evil.example", b"localhost.evil"])
def test_a_rebinding_page_cannot_read_the_state(app: Emulator, name: bytes) -> None:
    status, _, body = ask(app, "GET", "/__admin/state", [(b"host", name)])
    assert status == 403
    assert body["name"] == "HostNotAllowed"
    assert "secret" not in str(body)


@pytest.mark.parametrize(
    "name",
    [b"127.0.0.1:8080", b"127.9.9.9", b"localhost", b"LOCALHOST:8080", b"localhost.", b"[::1]:8080", b"app.localhost"],
)
def test_loopback_names_reach_it(app: Emulator, name: bytes) -> None:
    status, _, body = ask(app, "GET", "/__admin/health", [(b"host", name)])
    assert status == 200, body


def test_a_request_without_a_host_header_reaches_it(app: Emulator) -> None:
    # Browsers always send Host: only other programs (HTTP/1.0 tools) leave it out.
    status, _, _ = ask(app, "GET", "/__admin/health", [(b"host", b"")])
    assert status == 200


def test_the_configured_hosts_reach_it_and_a_star_lets_any_through() -> None:
    named = create_app(admin_hosts=["ci-runner.internal"])
    assert (ask(named, "GET", "/__admin/health", host(b"ci-runner.internal:8080")))[0] == 200
    assert (ask(named, "GET", "/__admin/health", host(b"evil.example")))[0] == 403
    anyone = create_app(admin_hosts=["*"], admin_token="t")
    bearer = (b"authorization", b"Bearer t")
    assert (ask(anyone, "GET", "/__admin/health", [(b"host", b"10.1.2.3:8080"), bearer]))[0] == 200


@pytest.mark.parametrize(
    ("content_type", "body"),
    [(b"application/x-www-form-urlencoded", b"a=b"), (b"text/plain", b"{}"), (b"multipart/form-data; boundary=x", b"")],
)
def test_a_cross_site_form_cannot_reset(app: Emulator, content_type: bytes, body: bytes) -> None:
    headers = [*LOCAL, (b"origin", b"https://evil.example"), (b"content-type", content_type)]
    status, _, answer = ask(app, "POST", "/__admin/reset", headers, body)
    assert status == 403
    assert answer["name"] == "OriginNotAllowed"
    assert app.state.clients.get("runtime") is not None


@pytest.mark.parametrize("origin", [b"https://evil.example", b"null", b"http://localhost.evil:8080", b"nonsense"])
def test_a_foreign_origin_is_refused_even_with_json(app: Emulator, origin: bytes) -> None:
    headers = [*LOCAL, (b"origin", origin), (b"content-type", b"application/json")]
    status, _, _ = ask(app, "POST", "/__admin/reset", headers, b"{}")
    assert status == 403
    assert app.state.clients.get("runtime") is not None


@pytest.mark.parametrize("content_type", [b"text/plain", b"application/x-www-form-urlencoded"])
def test_a_state_change_that_is_not_json_is_refused_without_an_origin_too(app: Emulator, content_type: bytes) -> None:
    status, _, answer = ask(app, "POST", "/__admin/reset", [*LOCAL, (b"content-type", content_type)], b"{}")
    assert status == 415
    assert answer["name"] == "UnsupportedMediaType"
    assert app.state.clients.get("runtime") is not None


@pytest.mark.parametrize("origin", [b"http://127.0.0.1:8080", b"http://localhost:3000", b"http://[::1]:8080"])
def test_the_emulators_own_pages_and_local_ones_may_call_it_with_json(app: Emulator, origin: bytes) -> None:
    headers = [*LOCAL, (b"origin", origin), (b"content-type", b"application/json")]
    status, _, _ = ask(app, "POST", "/__admin/reset", headers, b"{}")
    assert status == 204
    assert app.state.clients.get("runtime") is None


def test_a_bodyless_post_without_a_content_type_still_resets(app: Emulator) -> None:
    # curl -X POST http://127.0.0.1:8080/__admin/reset: no browser sends that without an Origin.
    status, _, _ = ask(app, "POST", "/__admin/reset", LOCAL)
    assert status == 204


def test_the_control_plane_answers_no_cors_preflight_but_the_api_does(app: Emulator) -> None:
    preflight = [*LOCAL, (b"origin", b"http://localhost:3000"), (b"access-control-request-method", b"PUT")]
    _, headers, _ = ask(app, "OPTIONS", "/__admin/state", preflight)
    assert "access-control-allow-origin" not in headers
    status, headers, _ = ask(app, "OPTIONS", "/communication/apidaze/cpaas/sipaccounts", preflight)
    assert status == 204
    assert headers["access-control-allow-origin"] == "http://localhost:3000"


def test_the_api_stays_open_to_any_host_and_origin(app: Emulator) -> None:
    headers = [(b"host", b"evil.example"), (b"origin", b"https://evil.example")]
    status, answer_headers, _ = ask(app, "GET", "/communication/apidaze/cpaas/sipaccounts", headers)
    assert status == 401
    assert answer_headers["access-control-allow-origin"] == "https://evil.example"
