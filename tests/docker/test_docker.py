"""What can be checked of the container files with no Docker engine: lint, structure, paths, the start command."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from contract_tests.served import free_port
from mock_server import healthcheck
from mock_server.app import create_app
from tests.live_server import serve
from tests.markdown import fenced_blocks

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "docker" / "Dockerfile"
COMPOSE = ROOT / "docker" / "compose.yaml"


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    logical, pending = [], ""
    for line in path.read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line.rstrip().removesuffix("\\") + " " if line.rstrip().endswith("\\") else line.strip()
        if not line.rstrip().endswith("\\"):
            logical.append(pending)
            pending = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1].strip()) for text in logical]


def stages(path: Path) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for name, args in instructions(path):
        if name == "FROM":
            current = []
            found[args.split(" AS ")[-1].strip() if " AS " in args else args] = current
        current.append((name, args))
    return found


def last(stage: list[tuple[str, str]], name: str) -> str:
    return [args for instruction, args in stage if instruction == name][-1]


def start_command() -> str:
    command = json.loads(last(stages(DOCKERFILE)["runtime"], "CMD"))
    assert command[:2] == ["sh", "-c"], "the start command runs through sh so the environment fills its flags"
    script: str = command[2]
    assert script.startswith("exec "), "exec, so the emulator is PID 1 and gets the stop signal"
    return script.removeprefix("exec ")


def test_hadolint_is_clean() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    command = [hadolint, "--no-color", str(DOCKERFILE)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_runtime_stage_is_last_small_non_root_and_checks_health() -> None:
    built = stages(DOCKERFILE)
    assert list(built)[-1] == "runtime", "docker build without --target gives the emulator"
    runtime = built["runtime"]
    assert last(runtime, "FROM") == "${PYTHON_IMAGE} AS runtime"
    assert re.fullmatch(r"PYTHON_IMAGE=python:3\.\d+-slim-\w+", instructions(DOCKERFILE)[0][1])
    for stage in ("runtime", "contract-tests"):
        user = last(built[stage], "USER")
        assert user.isdigit()
        assert user != "0"
    assert last(runtime, "EXPOSE") == "8080"
    assert "mock_server.healthcheck" in last(runtime, "HEALTHCHECK")
    script = start_command()
    assert "--host 0.0.0.0 --port 8080" in script
    assert '--admin-token "$APIDAZE_ADMIN_TOKEN"' in script
    assert '--fixtures "$APIDAZE_FIXTURES"' in script


def test_every_copied_path_exists() -> None:
    sources = [
        source
        for name, args in instructions(DOCKERFILE)
        if name == "COPY" and "--from=" not in args
        for source in args.split()[:-1]
    ]
    missing = [source for source in sources if not (ROOT / source).exists()]
    assert not missing


def test_dockerignore_keeps_local_environments_out_of_the_build_context() -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".git", ".venv", ".tox", "reports", "**/__pycache__"} <= ignored
    copied = {args.split()[0] for name, args in instructions(DOCKERFILE) if name == "COPY" and "--from=" not in args}
    assert not copied & ignored


def test_the_readme_documents_the_images_start_command() -> None:
    documented = {line.strip() for block in fenced_blocks(ROOT / "README.md") for line in block.code.splitlines()}
    assert start_command() in documented


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return document


def test_the_contract_image_runs_the_command_against_apidaze_base_url() -> None:
    suite = stages(DOCKERFILE)["contract-tests"]
    assert json.loads(last(suite, "CMD")) == ["apidaze-mock", "contract"]
    assert "APIDAZE_BASE_URL=http://emulator:8080" in last(suite, "ENV")  # -e APIDAZE_BASE_URL=... points it elsewhere
    assert 'apidaze-mock[contract]"' in last(suite, "RUN")  # the slim extra, as users install it


def test_compose_runs_the_contract_suite_live_against_a_healthy_emulator() -> None:
    services = compose()["services"]
    assert set(services) == {"emulator", "contract-tests"}
    emulator, suite = services["emulator"], services["contract-tests"]
    assert any(str(port).endswith(":8080") for port in emulator["ports"])
    assert emulator["environment"]["APIDAZE_ADMIN_TOKEN"]
    assert emulator["healthcheck"]["test"] == ["CMD", "python", "-m", "mock_server.healthcheck"]
    assert suite["depends_on"] == {"emulator": {"condition": "service_healthy"}}
    assert suite["environment"] == {
        "APIDAZE_CLIENT_ID": "contract-tests",
        "APIDAZE_CLIENT_SECRET": "contract-tests-secret",
        "APIDAZE_ADMIN_TOKEN": emulator["environment"]["APIDAZE_ADMIN_TOKEN"],
    }
    command = suite["command"]
    assert command[:4] == ["apidaze-mock", "contract", "--base-url", "http://emulator:8080"]
    # The command parses as `apidaze-mock contract` takes it.
    from contract_tests.command import build_parser

    parsed = build_parser().parse_args(command[2:])
    assert parsed.junit_xml.parent.as_posix() in {volume.split(":")[1] for volume in suite["volumes"]}
    assert emulator["build"]["target"] == "runtime"
    assert suite["build"]["target"] == "contract-tests"
    assert set(stages(DOCKERFILE)) >= {"runtime", "contract-tests"}


def test_every_path_compose_names_exists() -> None:
    here = COMPOSE.parent
    for service in compose()["services"].values():
        context = (here / service["build"]["context"]).resolve()
        assert context.is_dir()
        assert (context / service["build"]["dockerfile"]).is_file()
        for volume in service.get("volumes", []):
            source, target = volume.split(":")[:2]
            if target == "/reports":  # where the suite writes its report: compose makes the folder
                continue
            if source.startswith((".", "/")):
                assert (here / source).exists(), volume
    seed = compose()["services"]["emulator"]["environment"]["APIDAZE_FIXTURES"]
    mounted = {volume.split(":")[1]: volume.split(":")[0] for volume in compose()["services"]["emulator"]["volumes"]}
    folder, _, file = seed.rpartition("/")
    assert (here / mounted[folder] / file).is_file(), "APIDAZE_FIXTURES names a file in the mounted folder"


def test_compose_header_documents_the_ci_command() -> None:
    assert re.search(
        r"docker compose -f docker/compose.yaml up --build --exit-code-from contract-tests", COMPOSE.read_text()
    )


def test_healthcheck_passes_on_a_running_emulator_and_fails_otherwise() -> None:
    with serve(create_app()) as base:
        assert healthcheck.check(f"{base}/__admin/health", token="any") is None
        assert healthcheck.check(f"{base}/docs", token=None) is not None
    assert healthcheck.check(f"http://127.0.0.1:{free_port()}/__admin/health", token=None, timeout=1) is not None
    assert healthcheck.check("file:///etc/passwd", token=None) is not None


def test_healthcheck_main_exit_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APIDAZE_HEALTH_URL", f"http://127.0.0.1:{free_port()}/__admin/health")
    assert healthcheck.main() == 1
    with serve(create_app()) as base:
        monkeypatch.setenv("APIDAZE_HEALTH_URL", f"{base}/__admin/health")
        assert healthcheck.main() == 0
