"""``apidaze-mock`` as a process: ``--state-file`` survives a restart, ``--admin-token`` guards the control plane."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from contract_tests.served import free_port, serve_emulator
from mock_server.cli import main
from tests.http.default_seed import ACCOUNTS, bearer


def test_the_state_file_is_saved_on_shutdown_and_loaded_at_start(tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    with (
        serve_emulator("--state-file", str(state_file), "--admin-token", "adm") as base,
        httpx.Client(base_url=base) as http,
    ):
        assert http.get("/__admin/health").status_code == 401
        assert http.get("/__admin/health", headers={"Authorization": "Bearer adm"}).status_code == 200
        created = http.post(ACCOUNTS, json={"username": "kept"}, headers=bearer(http))
        assert created.status_code == 200
    saved = json.loads(state_file.read_text())
    local = next(client for client in saved["clients"] if client["client_id"] == "local-client")
    assert [account["username"] for account in local["sip_accounts"]] == ["reception", "kept"]

    with serve_emulator("--state-file", str(state_file)) as base, httpx.Client(base_url=base) as http:
        headers = bearer(http)
        accounts = http.get(ACCOUNTS, headers=headers).json()
        assert [account["sip"]["username"] for account in accounts] == ["reception", "kept"]
        assert http.post(ACCOUNTS, json={"username": "next"}, headers=headers).json()[0]["id"] == "3"


def test_a_broken_state_file_stops_the_start(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state_file = tmp_path / "state.json"
    state_file.write_text('{"format": "apidaze-mock-state"}')
    assert main(["--port", str(free_port()), "--state-file", str(state_file)]) == 2
    assert "state.json" in capsys.readouterr().err
