"""Live mode, proven against the emulator served over real HTTP (``apidaze-mock`` in a subprocess).

The same test modules that run in-process are run again by a child pytest with ``APIDAZE_BASE_URL`` pointing at the
server; and the polite session is shown to wait out a 429 for ``Retry-After`` instead of hammering.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest
import requests

from contract_tests import auth, client, settings
from contract_tests.served import QUIET, run_child, serve_emulator

pytestmark = pytest.mark.skipif(not settings.IN_PROCESS, reason="already live: this file starts its own server")

LIVE_MODULES = ["contract_tests/test_schemathesis.py", "contract_tests/test_model.py"]


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    with serve_emulator(*QUIET) as base_url:
        yield base_url


def token_for(base_url: str, client_id: str, secret: str) -> str:
    response = requests.post(
        f"{base_url}{settings.TOKEN_PATH}",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        timeout=10,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def run_live_child(base_url: str, **extra_env: str) -> str:
    """Run the live modules in a child pytest against ``base_url``; its output, after asserting it passed."""
    env = {
        **os.environ,
        "APIDAZE_BASE_URL": base_url,
        "APIDAZE_CLIENT_ID": "contract-tests",
        "APIDAZE_CLIENT_SECRET": "contract-tests-secret",
        # Smaller budgets: this proves the wiring; the in-process run does the heavy lifting.
        "APIDAZE_MAX_EXAMPLES": "5",
        "APIDAZE_STATEFUL_EXAMPLES": "5",
        "APIDAZE_MODEL_EXAMPLES": "5",
    }
    env.pop("APIDAZE_TOKEN_URL", None)
    env.update(extra_env)
    output = run_child([sys.executable, "-m", "pytest", *LIVE_MODULES, "-p", "no:cacheprovider", "-rA"], env)
    assert f"live {base_url}" in output, output[:2000]  # the header of conftest.py names the target
    assert "PASSED contract_tests/test_model.py::test_api_model" in output, output[-3000:]
    assert "PASSED contract_tests/test_schemathesis.py::TestAPIWorkflow::runTest" in output, output[-3000:]
    return output


def test_same_suite_passes_live(served: str) -> None:
    # Stand the emulator's clock still, so no quota window ends between the run and the check below.
    requests.post(f"{served}/__admin/clock", json={"advance_seconds": 0, "freeze": True}, timeout=10).raise_for_status()
    run_live_child(served)
    # The calls really went to the server: its quota counter for the fixture client moved (the state machine resets
    # the client, quota included, at the start of each run; each run then makes at least three calls).
    token = token_for(served, "contract-tests", "contract-tests-secret")
    reply = requests.get(
        f"{served}{settings.API_PREFIX}/sipaccounts", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert reply.status_code == 200
    assert int(reply.headers["quota-used"]) > 3
    requests.delete(f"{served}/__admin/clock", timeout=10).raise_for_status()


def test_live_without_control_plane_cleans_up_after_itself() -> None:
    """Like the real API: no /__admin to reset with. The run must pass and leave the client as it found it."""
    with serve_emulator(*QUIET, "--no-admin") as base_url:
        # The emulator writes milliseconds; the second-long default gap is for the real API.
        run_live_child(base_url, APIDAZE_UPDATE_GAP="0.002")
        headers = {"Authorization": f"Bearer {token_for(base_url, 'contract-tests', 'contract-tests-secret')}"}
        for resource in ("sipaccounts", "externalscripts"):
            reply = requests.get(f"{base_url}{settings.API_PREFIX}/{resource}", headers=headers, timeout=10)
            assert reply.json() == [], f"{resource} left behind by the run"


def test_control_plane_behind_an_admin_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """In docker compose the emulator's control plane wants ``APIDAZE_ADMIN_TOKEN``; the suite sends it."""
    with serve_emulator(*QUIET, "--admin-token", "compose-admin-token") as base_url:
        monkeypatch.setattr(settings, "TOKEN_URL", f"{base_url}{settings.TOKEN_PATH}")
        monkeypatch.setattr(settings, "ADMIN_TOKEN", None)
        assert not client.live_target(base_url).control  # 401: treated like an API without a control plane
        monkeypatch.setattr(settings, "ADMIN_TOKEN", "compose-admin-token")
        target = client.live_target(base_url)
        assert target.control
        target.reset()
        created = target.request("POST", f"{settings.API_PREFIX}/sipaccounts", {"username": "alice"})
        assert created.status == 200  # the served emulator answers in response style kpn
        target.set_registration(created.body[0]["id"], registered=True)
        status = target.request("GET", f"{settings.API_PREFIX}/sipaccounts/{created.body[0]['id']}/status")
        assert status.body[0]["status"] == "Registered"


def test_polite_session_waits_out_429(served: str) -> None:
    """``throttled-client`` may make 10 calls a minute; the 11th waits ``Retry-After`` (on the emulator's clock)."""
    token = token_for(served, "throttled-client", "throttled-secret")
    url = f"{served}{settings.API_PREFIX}/sipaccounts"
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(10):
        assert requests.get(url, headers=headers, timeout=10).status_code == 200
    assert requests.get(url, headers=headers, timeout=10).status_code == 429

    def wait_on_emulator_clock(seconds: float) -> None:
        requests.post(f"{served}/__admin/clock", json={"advance_seconds": seconds}, timeout=10).raise_for_status()

    session = auth.PoliteSession(sleep=wait_on_emulator_clock)
    reply = session.get(url, headers=headers, timeout=10)
    assert reply.status_code == 200
    assert len(session.waited) == 1
    assert 1 <= session.waited[0] <= 60


def test_polite_session_gives_up_on_long_waits(served: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A quota used up for longer than ``APIDAZE_MAX_RETRY_AFTER`` is a finding: the 429 reaches the test."""
    token = token_for(served, "throttled-client", "throttled-secret")
    url = f"{served}{settings.API_PREFIX}/sipaccounts"
    headers = {"Authorization": f"Bearer {token}"}
    while requests.get(url, headers=headers, timeout=10).status_code != 429:
        pass
    monkeypatch.setattr(settings, "MAX_RETRY_AFTER", 0.0)
    slept: list[float] = []
    session = auth.PoliteSession(sleep=slept.append)
    assert session.get(url, headers=headers, timeout=10).status_code == 429
    assert slept == []
