"""The command users type: it starts, says where it listens and with which demo client, and refuses bad seeds."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from contract_tests.served import free_port, serve_emulator
from mock_server.cli import build_parser


@pytest.fixture
def running() -> Iterator[str]:
    with serve_emulator() as base:
        yield base


def demo_bearer(base: str) -> dict[str, str]:
    """The Authorization header of the built-in seed's demo client, from the served token endpoint."""
    token = httpx.post(
        base + "/oauth/client_credential/accesstoken?grant_type=client_credentials",
        data={"client_id": "local-client", "client_secret": "local-secret"},
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_emulator_serves_the_how_to_over_real_http(running: str) -> None:
    base = running
    auth = demo_bearer(base)
    api = base + "/communication/apidaze/cpaas"
    created = httpx.post(api + "/sipaccounts", data={"username": "alice"}, headers=auth)
    assert created.status_code == 200
    account_id = created.json()[0]["id"]
    assert httpx.get(f"{api}/sipaccounts/{account_id}/status", headers=auth).json()[0]["status"] == "Not registered"
    assert httpx.delete(f"{api}/sipaccounts/{account_id}", headers=auth).status_code == 200


def test_response_style_and_strictness_are_chosen_per_run() -> None:
    with serve_emulator("--response-style", "upstream", "--strict") as base:
        auth = demo_bearer(base)
        accounts = base + "/communication/apidaze/cpaas/sipaccounts"
        created = httpx.post(accounts, data={"username": "alice"}, headers=auth)
        assert (created.status_code, created.json()["sip"]["username"]) == (201, "alice")
        unknown = httpx.post(accounts, data={"username": "bob", "email_address": "b@example.com"}, headers=auth)
        assert unknown.status_code == 400
        assert httpx.get(base + "/__admin/clients").json()["clients"][0]["strict"] is True


def test_an_unknown_response_style_is_refused() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--response-style", "soap"])


def test_banner_names_urls_and_demo_credentials() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_server", "--port", str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(4)]
    finally:
        process.terminate()
        process.communicate(timeout=10)
    banner = "".join(lines)
    assert f"http://127.0.0.1:{port}" in banner
    assert "/oauth/client_credential/accesstoken" in banner
    assert "local-client / local-secret" in banner


def test_help_lists_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--host", "--port", "--fixtures"):
        assert option in out


def test_bad_fixtures_stop_the_emulator_with_a_message(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("clients:\n  - client_id: a\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mock_server", "--fixtures", str(seed)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "client_secret" in result.stderr
    assert "seed.yaml" in result.stderr


def test_banner_hides_secrets_of_a_users_seed_file(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("clients:\n  - {client_id: mine, client_secret: s3cr3t-value}\n", encoding="utf-8")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_server", "--port", str(port), "--fixtures", str(seed)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = "".join(process.stdout.readline() for _ in range(4))
    finally:
        process.terminate()
        process.communicate(timeout=10)
    assert "mine" in banner
    assert "s3cr3t-value" not in banner


def test_tls_serves_https_and_names_its_ca_in_the_banner_and_health(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "APIDAZE_MOCK_CACHE_DIR": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_server", "--port", str(port), "--tls"], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline() for _ in range(9)]
        assert banner[0].rstrip().endswith(f"on https://127.0.0.1:{port}")
        ca = str(tmp_path / "tls" / "ca" / "ca.pem")
        assert f"  CA:      {ca} (your client's CA bundle)\n" in banner
        verify = ssl.create_default_context(cafile=ca)
        deadline = time.monotonic() + 20
        while True:
            try:
                health = httpx.get(f"https://127.0.0.1:{port}/__admin/health", verify=verify)
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert health.json()["ca_bundle"] == ca
    finally:
        process.terminate()
        process.communicate(timeout=10)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--tls-cert", "cert.pem"], "--tls-cert and --tls-key go together"),
        (["--tls-cert", "cert.pem", "--tls-key", "key.pem"], "no such file: cert.pem"),
    ],
)
def test_tls_options_are_checked_before_start(
    options: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from mock_server.cli import main

    assert main(options) == 2
    assert message in capsys.readouterr().err
