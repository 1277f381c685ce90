"""The guarded fetcher against a real script server on 127.0.0.1: parameters sent, and every guard."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_server.scripts.fetch import CallParameters, FetchPolicy, FetchResult, ScriptFetcher
from tests.script_server import SCRIPTS, ScriptServer


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Any]:
    (tmp_path / "ok.xml").write_text("<document><work><hangup/></work></document>", encoding="utf-8")
    (tmp_path / "big.xml").write_bytes(b"<document>" + b" " * 5000 + b"</document>")
    redirects = {"/moved.xml": "/ok.xml", "/twice.xml": "/moved.xml", "/away.xml": "http://192.0.2.1/x.xml"}
    with ScriptServer(tmp_path, redirects=redirects) as running:
        yield running


def fetch(url: str, params: dict[str, str] | None = None, **policy: Any) -> FetchResult:
    fetcher = ScriptFetcher(FetchPolicy.from_hosts(policy.pop("hosts", None), **policy))
    return asyncio.run(fetcher(url, params or {}))


def test_fetch_is_a_get_with_the_call_parameters(server: Any) -> None:
    url = server.url + "/ok.xml"
    params = CallParameters("+3161", "+3120", "bob", "s-1", "u-1", extra={"team": "blue"}).for_url(url)
    result = fetch(url, params)
    assert result.ok
    assert result.status_code == 200
    assert result.content_type == "text/xml; charset=utf-8"
    assert result.body.startswith(b"<document>")
    assert server.requests == [
        (
            "/ok.xml",
            {
                "session_id": "s-1",
                "uuid": "u-1",
                "destination_number": "+3120",
                "caller_id_number": "+3161",
                "caller_username": "bob",
                "url": url,
                "team": "blue",
            },
        )
    ]


def test_a_disallowed_host_is_refused_without_a_request() -> None:
    result = fetch("http://192.0.2.1/script.xml")
    assert result.status_code is None
    assert result.error == "host '192.0.2.1' is not allowed (allowed: loopback); see --script-hosts"


def test_loopback_hosts_are_allowed_and_others_only_when_listed(server: Any) -> None:
    port = server.url.rsplit(":", 1)[1]
    assert fetch(f"http://localhost:{port}/ok.xml").ok
    assert fetch(f"http://127.0.0.1:{port}/ok.xml", hosts=["scripts.example"]).error is not None
    assert FetchPolicy.from_hosts(["scripts.example"]).refusal("https://SCRIPTS.example/a.xml") is None
    assert FetchPolicy.from_hosts(["*"]).refusal("https://anything.example/a.xml") is None
    assert FetchPolicy().refusal("http://[::1]:8081/a.xml") is None
    assert FetchPolicy().refusal("http://10.0.0.1/a.xml") is not None


def test_an_empty_host_list_allows_no_host_at_all() -> None:
    # The default of an emulator listening beyond loopback: None is loopback, [] is nothing.
    nothing = FetchPolicy.from_hosts([])
    for url in ("http://127.0.0.1/a.xml", "http://localhost/a.xml", "https://scripts.example/a.xml"):
        refusal = nothing.refusal(url)
        assert refusal is not None
        assert "--script-hosts" in refusal
    assert FetchPolicy.from_hosts(None).refusal("http://127.0.0.1/a.xml") is None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "only http and https URLs are fetched, not 'file'"),
        ("ftp://127.0.0.1/a.xml", "only http and https URLs are fetched, not 'ftp'"),
        ("/relative.xml", "only http and https URLs are fetched, not 'a relative URL'"),
    ],
)
def test_only_http_and_https_are_fetched(url: str, message: str) -> None:
    assert fetch(url).error == message


def test_a_too_large_answer_is_refused(server: Any) -> None:
    result = fetch(server.url + "/big.xml", max_bytes=1000)
    assert result.error == "the answer is larger than 1000 bytes"
    assert result.body == b""
    assert fetch(server.url + "/big.xml", max_bytes=10_000).ok


def test_a_too_large_answer_without_content_length_is_cut_off_while_streaming() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b"x" * 1000

    def endless(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks())

    fetcher = ScriptFetcher(FetchPolicy(max_bytes=4000), transport=httpx.MockTransport(endless))
    result = asyncio.run(fetcher("http://127.0.0.1/stream.xml", {}))
    assert result.error == "the answer is larger than 4000 bytes"


def test_compressed_answers_are_refused_not_inflated() -> None:
    def gzipped(request: httpx.Request) -> httpx.Response:
        assert request.headers["accept-encoding"] == "identity"
        return httpx.Response(200, headers={"content-encoding": "gzip"}, content=b"\x1f\x8b")

    fetcher = ScriptFetcher(transport=httpx.MockTransport(gzipped))
    result = asyncio.run(fetcher("http://127.0.0.1/bomb.xml", {}))
    assert result.error == "the answer is gzip-encoded; send it plain"


def test_one_redirect_is_followed_but_not_a_chain_or_a_foreign_host(server: Any) -> None:
    moved = fetch(server.url + "/moved.xml", {"session_id": "s"})
    assert moved.ok
    assert moved.url == server.url + "/ok.xml"
    assert fetch(server.url + "/twice.xml").error == "more than 1 redirect: give the final URL of the script"
    assert fetch(server.url + "/away.xml").error == (
        "host '192.0.2.1' is not allowed (allowed: loopback); see --script-hosts"
    )
    assert [path for path, _ in server.requests] == ["/moved.xml", "/ok.xml", "/twice.xml", "/moved.xml", "/away.xml"]


def test_a_silent_server_times_out() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()  # accepts connections into the backlog, never answers
        port = listener.getsockname()[1]
        result = fetch(f"http://127.0.0.1:{port}/slow.xml", timeout_seconds=0.3)
    assert result.error == "no complete answer within 0.3 s"


def test_an_unreachable_server_is_an_error_value() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    result = fetch(f"http://127.0.0.1:{port}/x.xml")
    assert result.error is not None
    assert result.error.startswith(f"cannot fetch http://127.0.0.1:{port}/x.xml: ConnectError")


def test_the_example_server_serves_fixture_scripts_on_its_own_address() -> None:
    with ScriptServer(SCRIPTS) as server:
        body = fetch(server.url + "/ivr.xml").body.decode()
    assert f'action="{server.url}/ivr/sales.xml"' in body
    assert "127.0.0.1:8081" not in body


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:70000/x.xml", "port 70000 is outside 1-65535"),
        ("http://127.0.0.1:99999999999999999999/x.xml", "port 99999999999999999999 is outside 1-65535"),
        ("http://127.0.0.1:0/x.xml", "port 0 is outside 1-65535"),
        ("http://127.0.0.1:-1/x.xml", "port -1 is outside 1-65535"),
        ("http://[::1/x.xml", "invalid URL 'http://[::1/x.xml'"),
        ("http://xn--/x.xml", "invalid URL 'http://xn--/x.xml'"),
        ("http://\uff45\uff58.com/x.xml", "invalid URL"),  # full-width letters
    ],
)
def test_invalid_urls_and_ports_are_refused_as_values(url: str, message: str) -> None:
    result = fetch(url)
    assert result.status_code is None
    assert result.error is not None
    assert message in result.error


@pytest.mark.parametrize("exception", [OverflowError("port must be 0-65535."), OSError("boom"), ValueError("bad")])
def test_any_transport_failure_is_a_value(exception: Exception) -> None:
    def failing(request: httpx.Request) -> httpx.Response:
        raise exception

    result = asyncio.run(ScriptFetcher(transport=httpx.MockTransport(failing))("http://127.0.0.1/x.xml", {}))
    assert result.error == f"cannot fetch http://127.0.0.1/x.xml: {type(exception).__name__}: {exception}"


def test_a_body_that_breaks_off_oddly_is_a_value() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"<document>"
        raise OSError("connection reset")

    def broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks())

    result = asyncio.run(ScriptFetcher(transport=httpx.MockTransport(broken))("http://127.0.0.1/x.xml", {}))
    assert result.error == "the answer broke off: connection reset"


@pytest.mark.parametrize("location", ["http://[::1/x.xml", "http://a:b:c/x.xml"])
def test_an_invalid_redirect_location_is_a_value(location: str) -> None:
    def redirect(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": location})

    result = asyncio.run(ScriptFetcher(transport=httpx.MockTransport(redirect))("http://127.0.0.1/x.xml", {}))
    assert result.error is not None
    assert "Invalid URL in location header" in result.error


def test_a_redirect_to_a_port_out_of_range_is_refused() -> None:
    def redirect(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": "http://127.0.0.1:70000/x.xml"})

    result = asyncio.run(ScriptFetcher(transport=httpx.MockTransport(redirect))("http://127.0.0.1/x.xml", {}))
    assert result.error == "invalid URL 'http://127.0.0.1:70000/x.xml': port 70000 is outside 1-65535"


@pytest.mark.parametrize(
    ("length", "error"),
    [(b"9" * 5000, "the answer is larger than 1000 bytes"), (b"\xb2", None)],
    ids=["5000-digits", "superscript-two"],
)
def test_content_length_is_read_without_int_errors(length: bytes, error: str | None) -> None:
    # A 5000-digit length is past int()'s digit limit; '²' is a digit to str.isdigit but not to int().
    async def chunks() -> AsyncIterator[bytes]:
        yield b"<document/>"

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=[("content-length", length)], content=chunks())

    transport = httpx.MockTransport(answer)
    result = asyncio.run(ScriptFetcher(FetchPolicy(max_bytes=1000), transport=transport)("http://127.0.0.1/x", {}))
    assert result.error == error
