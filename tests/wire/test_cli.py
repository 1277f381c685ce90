"""``apidaze-mock`` as a process: ``--state-file`` survives a restart, ``--admin-token`` guards the control plane."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import httpx
import pytest

from contract_tests.served import free_port, serve_emulator
from mock_server.cli import main
from tests.http.default_seed import ACCOUNTS, access_token, bearer


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


OPTIONS = (
    b"OPTIONS sip:local-client.apidaze.local SIP/2.0\r\n"
    b"Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKcli\r\nFrom: <sip:t@local-client.apidaze.local>;tag=1\r\n"
    b"To: <sip:local-client.apidaze.local>\r\nCall-ID: cli\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
)


def test_the_sip_side_serves_beside_http_and_health_and_the_banner_say_where(tmp_path: Path) -> None:
    log = tmp_path / "emulator.log"
    with serve_emulator(log=log) as base, httpx.Client(base_url=base) as http:
        sip = http.get("/__admin/health").json()["sip"]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(5)
            sock.sendto(OPTIONS, (sip["host"], sip["port"]))
            assert sock.recv(4096).startswith(b"SIP/2.0 200 OK\r\n")
    assert f"sip:     udp+tcp 127.0.0.1:{sip['port']}" in log.read_text()


def test_a_taken_sip_port_is_reported_and_http_is_served_without_sip(tmp_path: Path) -> None:
    log = tmp_path / "emulator.log"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        with serve_emulator("--sip-port", str(port), log=log) as base, httpx.Client(base_url=base) as http:
            assert http.get("/__admin/health").json()["sip"] is None
            assert access_token(http)
    assert f"SIP cannot listen on 127.0.0.1:{port}" in log.read_text()


def test_no_sip_turns_the_sip_side_off() -> None:
    with serve_emulator("--no-sip") as base, httpx.Client(base_url=base) as http:
        assert http.get("/__admin/health").json()["sip"] is None


def test_an_unknown_digest_algorithm_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--sip-digest", "SHA-512"])
    assert "digest algorithms are MD5 and SHA-256" in capsys.readouterr().err
