"""``apidaze-mock`` as a process: ``--state-file`` survives a restart, ``--admin-token`` guards the control plane."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from contract_tests.served import free_port, serve_emulator
from mock_server.cli import main

ACCOUNTS = "/communication/apidaze/cpaas/sipaccounts"


def test_the_state_file_is_saved_on_shutdown_and_loaded_at_start(tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    credentials = {"grant_type": "client_credentials", "client_id": "local-client", "client_secret": "local-secret"}
    with serve_emulator("--state-file", str(state_file), "--admin-token", "adm") as base:
        assert httpx.get(f"{base}/__admin/health").status_code == 401
        admin = {"Authorization": "Bearer adm"}
        assert httpx.get(f"{base}/__admin/health", headers=admin).status_code == 200
        token = httpx.post(f"{base}/oauth/client_credential/accesstoken", data=credentials).json()["access_token"]
        created = httpx.post(
            f"{base}{ACCOUNTS}", json={"username": "kept"}, headers={"Authorization": f"Bearer {token}"}
        )
        assert created.status_code == 201
    saved = json.loads(state_file.read_text())
    local = next(client for client in saved["clients"] if client["client_id"] == "local-client")
    assert [account["username"] for account in local["sip_accounts"]] == ["reception", "kept"]

    with serve_emulator("--state-file", str(state_file)) as base:
        token = httpx.post(f"{base}/oauth/client_credential/accesstoken", data=credentials).json()["access_token"]
        accounts = httpx.get(f"{base}{ACCOUNTS}", headers={"Authorization": f"Bearer {token}"}).json()
        assert [account["sip"]["username"] for account in accounts] == ["reception", "kept"]
        assert (
            httpx.post(
                f"{base}{ACCOUNTS}", json={"username": "next"}, headers={"Authorization": f"Bearer {token}"}
            ).json()[0]["id"]
            == "3"
        )


def test_a_broken_state_file_stops_the_start(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state_file = tmp_path / "state.json"
    state_file.write_text('{"format": "apidaze-mock-state"}')
    assert main(["--port", str(free_port()), "--state-file", str(state_file)]) == 2
    assert "state.json" in capsys.readouterr().err
