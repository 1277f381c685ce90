"""The command users type: it starts, says where it listens and with which demo client, and refuses bad seeds."""

from __future__ import annotations

import subprocess
import sys
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
