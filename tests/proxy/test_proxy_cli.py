"""``apidaze-mock proxy`` as a process: in front of an upstream, reporting at the end, writing a recording that
``apidaze-mock --fixtures`` loads; and the start refused for an upstream or address it must not use."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from contract_tests.served import free_port, serve_emulator
from mock_server.app import create_app
from mock_server.cli import main
from mock_server.proxy.cli import build_parser
from mock_server.proxy.recorder import PLACEHOLDER_SECRET
from tests.http.default_seed import ACCOUNTS, CLIENT_SECRET, access_token
from tests.live_server import serve


def start_proxy(*options: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    script = Path(sys.executable).with_name("apidaze-mock")
    launcher = [str(script)] if script.exists() else [sys.executable, "-m", "mock_server"]
    with log.open("wb") as sink:
        process = subprocess.Popen([*launcher, "proxy", "--port", str(port), *options], stdout=sink, stderr=sink)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(f"{base}/__admin/health", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)


def test_the_proxy_reports_when_it_stops_and_its_recording_loads(tmp_path: Path) -> None:
    log = tmp_path / "proxy.log"
    with serve(create_app()) as upstream:
        process, base = start_proxy(
            "--upstream", upstream, "--allow-http-upstream", "--record", str(tmp_path / "rec"), log=log
        )
        try:
            with httpx.Client(base_url=base) as http:
                token = access_token(http)
                headers = {"Authorization": f"Bearer {token}"}
                assert http.get(ACCOUNTS, headers=headers).status_code == 200
                assert http.post(ACCOUNTS, headers=headers, data={"name": "Desk"}).status_code == 400
                violations = http.get("/__admin/violations").json()
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=20)

    output = log.read_text()
    assert violations["total"] == 1
    assert "apidaze-mock proxy: 1 contract violation in 1 of 3 calls:" in output
    assert '1 x request createSipAccount body: "username" is a required property (required)' in output
    assert f"apidaze-mock proxy: recorded {tmp_path / 'rec' / 'seed.yaml'}" in output
    assert "POST /communication/apidaze/cpaas/sipaccounts 400" in output  # the access log
    assert token not in output
    assert CLIENT_SECRET not in output

    with serve_emulator("--fixtures", str(tmp_path / "rec" / "seed.yaml")) as base, httpx.Client(base_url=base) as http:
        token = access_token(http, "local-client", PLACEHOLDER_SECRET)
        accounts = http.get(ACCOUNTS, headers={"Authorization": f"Bearer {token}"}).json()
    assert [(account["id"], account["sip"]["username"]) for account in accounts] == [("1", "reception")]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--upstream", "http://api.example.com"], "plain http: tokens and secrets would cross the network"),
        (["--upstream", "ftp://api.example.com"], "give an absolute https:// URL"),
        (["--upstream", "https://api.example.com", "--host", "0.0.0.0"], "(/__admin) needs --admin-token TOKEN"),  # noqa: S104 (refused)
        (["--upstream", "https://api.example.com", "--timeout", "0"], "--timeout must be more than 0 seconds"),
        # NaN made every forward a 500 (no deadline can be NaN); inf waited on a silent upstream for ever.
        (["--upstream", "https://api.example.com", "--timeout", "nan"], "--timeout must be more than 0 seconds"),
        (["--upstream", "https://api.example.com", "--timeout", "inf"], "--timeout must be more than 0 seconds"),
        (["--upstream", "https://api.example.com", "--upstream-ca", "/nonexistent/ca.pem"], "No such file"),
    ],
)
def test_the_start_is_refused_with_a_reason(
    options: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["proxy", "--port", str(free_port()), *options]) == 2
    assert message in capsys.readouterr().err


def test_fail_on_violation_takes_a_side_or_any() -> None:
    parse = build_parser().parse_args
    assert parse(["--upstream", "u", "--fail-on-violation"]).fail_on_violation == "any"
    assert parse(["--upstream", "u", "--fail-on-violation", "answer", "--record", "d"]).fail_on_violation == "answer"
    assert parse(["--upstream", "u"]).fail_on_violation is None
