"""``apidaze-mock contract`` as a CI job meets it: a fresh venv with only the ``[contract]`` extra, a JUnit report, a
summary, and replay lines that work when pasted into a shell."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from defusedxml import ElementTree

from contract_tests import run, settings
from contract_tests.schema import contract_operations
from contract_tests.served import QUIET, serve_emulator

pytestmark = pytest.mark.skipif(not settings.IN_PROCESS, reason="these tests start their own emulators")

CREDENTIALS = {"APIDAZE_CLIENT_ID": "contract-tests", "APIDAZE_CLIENT_SECRET": "contract-tests-secret"}
UV = Path(sys.executable).with_name("uv")


def environment(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("APIDAZE_")}
    # The repository's venv first, as after its set-up commands: the replay lines name `apidaze-mock` and `pytest`.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return {**env, "NO_COLOR": "1", **extra}


def bash(line: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (a replay line the suite printed)
        [shutil.which("bash") or "bash", "-c", line],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_runs_in_a_fresh_venv_with_only_the_contract_extra(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    # uv makes the venv in seconds (pip takes a minute to resolve the same set); the package comes from this tree.
    subprocess.run([str(UV), "venv", "-q", str(venv)], check=True, timeout=120)  # noqa: S603
    subprocess.run(  # noqa: S603
        [str(UV), "pip", "install", "-q", "--python", str(venv / "bin" / "python"), f"{settings.ROOT}[contract]"],
        check=True,
        timeout=300,
    )
    probe = subprocess.run(  # noqa: S603
        [str(venv / "bin" / "python"), "-c", "import importlib.util as u; print([u.find_spec(m) is None for m in "
         "('playwright', 'mypy', 'ruff', 'trustme', 'schemathesis')])"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert probe.stdout.strip() == "[True, True, True, False, False]"  # slim: none of the [test] tooling
    report = tmp_path / "reports" / "contract.xml"
    with serve_emulator(*QUIET) as base_url:
        result = subprocess.run(  # noqa: S603
            [str(venv / "bin" / "apidaze-mock"), "contract", "--base-url", base_url, "--examples", "2",
             "--junit-xml", str(report)],
            cwd=tmp_path, env=environment(**CREDENTIALS), capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert f"apidaze contract tests: live {base_url}" in output
    assert f"operations: {len(contract_operations())} of the contract's {len(contract_operations())}" in output
    # Skipped live: the model in the other response styles (a live target answers in its one style).
    assert "result:     15 passed, 0 failed, 1 skipped" in output
    cases = {case.get("name") for case in ElementTree.parse(report).getroot().iter("testcase")}
    assert {f"test_operation[{method} {path}]" for _, method, path in contract_operations()} <= cases
    assert {"test_api_model", "runTest"} <= cases
    assert "contract-tests-secret" not in output


def test_credentials_come_from_the_environment_only(capsys: pytest.CaptureFixture[str]) -> None:
    from mock_server.cli import main

    saved = {name: os.environ.pop(name, None) for name in CREDENTIALS}
    try:
        assert main(["contract", "--base-url", "http://127.0.0.1:9"]) == 2
    finally:
        os.environ.update({name: value for name, value in saved.items() if value is not None})
    assert "set APIDAZE_CLIENT_ID and APIDAZE_CLIENT_SECRET" in capsys.readouterr().err


def test_a_failures_replay_line_and_curl_line_work_when_pasted(tmp_path: Path) -> None:
    operation = f"GET {settings.API_PREFIX}/sipaccounts"
    env = environment(**CREDENTIALS)
    with serve_emulator(*QUIET) as base_url:
        fault = {"method": "GET", "path": "/sipaccounts", "status": 500}
        requests.post(f"{base_url}/__admin/faults", json=fault, timeout=10).raise_for_status()
        # One operation keeps this quick; the replay must name it all the same, as it does after a full run.
        command = (
            f"apidaze-mock contract --base-url {base_url} --examples 2 --operation '{operation}' -k test_operation"
        )
        failed = bash(command, env, tmp_path)
        output = failed.stdout + failed.stderr
        assert failed.returncode == 1, output[-4000:]
        replay = next(line for line in output.splitlines() if line.startswith("replay with: ")).removeprefix(
            "replay with: "
        )
        assert replay == (
            f"APIDAZE_OPERATION='{operation}' apidaze-mock contract --base-url {base_url} --examples 2 "
            "-k test_operation --profile ci"
        )
        again = bash(replay, env, tmp_path)
        assert again.returncode == 1, again.stdout[-3000:]
        assert "operations: 1 of the contract's" in again.stdout
        assert "result:     0 passed, 1 failed, 0 skipped" in again.stdout

        curl = next(line[line.index("curl -X GET") :] for line in output.splitlines() if "curl -X GET" in line)
        assert "-H 'Authorization: Bearer '\"$APIDAZE_TOKEN\"''" in curl
        assert "contract-tests-secret" not in output
        token = next(line.strip() for line in output.splitlines() if line.strip().startswith("export APIDAZE_TOKEN="))
        requests.delete(f"{base_url}/__admin/faults", timeout=10).raise_for_status()
        pasted = bash(f"{token}\n{curl} -s -o /dev/null -w '%{{http_code}}'", env, tmp_path)
        assert pasted.stdout == "200", pasted.stderr


def test_the_repositorys_replay_line_runs_the_one_operation() -> None:
    nodeid = f"contract_tests/test_schemathesis.py::test_operation[GET {settings.API_PREFIX}/sipaccounts]"
    line = run.replay_hint(nodeid)
    assert line == (
        f"APIDAZE_OPERATION='GET {settings.API_PREFIX}/sipaccounts' "
        "pytest contract_tests/test_schemathesis.py::test_operation --hypothesis-profile=ci"
    )
    # Collecting is enough to show the pasted line picks the one test; running it is the suite's own business.
    result = bash(f"{line} -p no:cacheprovider -q --collect-only", environment(), settings.ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    assert result.stdout.splitlines()[0] == nodeid
    assert "1/13 tests collected (12 deselected)" in result.stdout
