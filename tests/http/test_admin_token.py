"""The admin token rule: in the app (every control call) and in the CLI (required beyond loopback)."""

from __future__ import annotations

import httpx
import pytest

from mock_server.addresses import authority, is_loopback
from mock_server.app import create_app
from mock_server.cli import main
from mock_server.testing import InProcessTransport


def test_with_an_admin_token_every_control_call_must_send_it() -> None:
    http = httpx.Client(
        base_url="http://emulator.localhost", transport=InProcessTransport(create_app(admin_token="t0p"))
    )
    refused = http.get("/__admin/health")
    assert refused.status_code == 401
    assert refused.json()["name"] == "AdminTokenRequired"
    assert http.get("/__admin/health", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert http.get("/__admin/health", headers={"Authorization": "Bearer t0p"}).status_code == 200
    # The emulated API does not look at the admin token.
    token = http.post(
        "/oauth/client_credential/accesstoken?grant_type=client_credentials",
        data={"client_id": "local-client", "client_secret": "local-secret"},
    )
    assert token.status_code == 200


def test_without_the_control_plane_admin_paths_are_plain_404s() -> None:
    http = httpx.Client(base_url="http://emulator.localhost", transport=InProcessTransport(create_app(admin=False)))
    assert http.get("/__admin/health").status_code == 404


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),  # noqa: S104
        ("192.0.2.7", False),
        ("myhost", False),
    ],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.7", "::"])  # noqa: S104 (refused)
def test_the_cli_refuses_a_public_address_without_an_admin_token(
    host: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("APIDAZE_ADMIN_TOKEN", raising=False)
    assert main(["--host", host]) == 2
    error = capsys.readouterr().err
    assert f"--host {host} is reachable from other machines" in error
    assert "--admin-token TOKEN (or $APIDAZE_ADMIN_TOKEN), or switch it off with --no-admin" in error


@pytest.mark.parametrize("chaos", ["42", "x:0.5", "1:2", "-1:0.5", f"{10**23}:0.5"])
def test_the_cli_refuses_a_bad_chaos_setting(chaos: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([f"--chaos={chaos}"]) == 2
    assert "SEED:RATE" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("host", "port", "written"),
    [("127.0.0.1", 8080, "127.0.0.1:8080"), ("localhost", 1, "localhost:1"), ("::1", 8080, "[::1]:8080")],
)
def test_an_address_is_written_as_a_url_writes_it(host: str, port: int, written: str) -> None:
    # The banners of the emulator and the proxy print this: `http://::1:8080` is no URL a client can use.
    assert authority(host, port) == written
