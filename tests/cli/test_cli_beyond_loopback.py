"""Started beyond loopback, the emulator fetches scripts from no host unless told, and says so; the control plane
answers the address it was started on."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mock_server import cli
from mock_server.app import Emulator
from mock_server.testing import InProcessTransport
from tests.http.default_seed import bearer

API = "/communication/apidaze/cpaas"


def emulator_of(served: dict[str, Any]) -> Emulator:
    app = served["app"]
    while not isinstance(app, Emulator):  # the access log wraps it
        app = app.app
    return app


def test_beyond_loopback_no_script_host_is_allowed_by_default(
    served: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--host", "192.0.2.7", "--admin-token", "t0p"]) == 0
    emulator = emulator_of(served)
    assert emulator.state.script_policy.allowed_hosts == frozenset()
    assert "scripts: fetched from no host" in capsys.readouterr().out
    with httpx.Client(base_url="http://192.0.2.7:8080", transport=InProcessTransport(emulator)) as http:
        # The demo credentials may no longer reach this machine's own loopback services through a script test.
        tested = http.get(
            f"{API}/externalscripts/test", params={"url": "http://127.0.0.1:9/x.xml"}, headers=bearer(http)
        )
        [finding] = tested.json()[0]["findings"]
        assert "listens beyond loopback" in finding["message"]
        # The control plane answers the address it listens on (with the token), and refuses other names.
        admin = {"Authorization": "Bearer t0p"}
        assert http.get("/__admin/health", headers=admin).status_code == 200
        assert http.get("/__admin/health", headers={**admin, "Host": "evil.example"}).status_code == 403


@pytest.mark.parametrize(
    ("flags", "allowed", "shown"),
    [
        ([], {"loopback"}, "loopback"),
        (
            ["--host", "192.0.2.7", "--admin-token", "t", "--script-hosts", "scripts.example"],
            {"scripts.example"},
            "scripts.example",
        ),
        (["--host", "0.0.0.0", "--admin-token", "t", "--script-hosts", "*"], {"*"}, "any host"),  # noqa: S104
    ],
)
def test_script_hosts_given_or_on_loopback(
    served: dict[str, Any], capsys: pytest.CaptureFixture[str], flags: list[str], allowed: set[str], shown: str
) -> None:
    assert cli.main(flags) == 0
    assert emulator_of(served).state.script_policy.allowed_hosts == allowed
    assert f"scripts: fetched from {shown}" in capsys.readouterr().out


def test_listening_on_every_address_the_control_plane_answers_any_name_with_the_token(served: dict[str, Any]) -> None:
    assert cli.main(["--host", "0.0.0.0", "--admin-token", "t0p"]) == 0  # noqa: S104
    with httpx.Client(base_url="http://ci-runner:8080", transport=InProcessTransport(emulator_of(served))) as http:
        assert http.get("/__admin/health", headers={"Authorization": "Bearer t0p"}).status_code == 200
        assert http.get("/__admin/health").status_code == 401
