"""The Postman collection and environment (``postman/``): generated from the contract, up to date, and run green
with newman against the emulator, as KPN's pages have users send requests from Postman.

The node tools come from ``$APIDAZE_NODE_TOOLS`` (where ``.ci/run`` installs them) or PATH. Locally, a test that
needs them skips when they are missing; in CI (``APIDAZE_REQUIRE_NODE_TOOLS=1``) it fails instead.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from defusedxml import ElementTree

from contract_tests.schema import contract_operations
from contract_tests.served import QUIET, serve_emulator
from tests.modules import load_module

ROOT = Path(__file__).resolve().parents[2]


generate = load_module("apidaze_mock_postman_generate", ROOT / "postman" / "generate.py")


def node_tool(name: str) -> str:
    tools = os.environ.get("APIDAZE_NODE_TOOLS")
    path = os.pathsep.join(
        filter(None, [str(Path(tools) / "node_modules" / ".bin") if tools else "", os.environ["PATH"]])
    )
    import shutil

    found = shutil.which(name, path=path)
    if found is None:
        if os.environ.get("APIDAZE_REQUIRE_NODE_TOOLS"):
            pytest.fail(f"APIDAZE_REQUIRE_NODE_TOOLS is set but {name} was not found")
        pytest.skip(
            f"{name} not found (npm install newman openapi-to-postmanv2, or set APIDAZE_NODE_TOOLS; .ci/run does)"
        )
    return found


def committed() -> tuple[dict[str, Any], dict[str, Any]]:
    return json.loads(generate.COLLECTION.read_text()), json.loads(generate.ENVIRONMENT.read_text())


def requests_of(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for item in items:
        found += requests_of(item["item"]) if "item" in item else [item]
    return found


def test_every_operation_of_the_contract_is_one_request_with_a_bearer_token() -> None:
    collection, environment = committed()
    requests = requests_of(collection["item"])
    assert [item["name"] for item in requests] == generate.ORDER
    sent = {(item["request"]["method"], "/" + "/".join(item["request"]["url"]["path"])) for item in requests}
    documented = {(method, path.replace("{id}", ":id")) for _, method, path in contract_operations()}
    assert sent == documented
    assert collection["auth"]["bearer"][0]["value"] == "{{access_token}}"
    token = next(item for item in requests if item["name"] == generate.TOKEN_REQUEST)
    assert token["request"]["auth"] == {"type": "noauth"}
    assert {value["key"] for value in environment["values"]} >= {
        "baseUrl",
        "client_id",
        "client_secret",
        "access_token",
    }


def test_the_committed_files_are_what_the_contract_generates() -> None:
    tool = node_tool("openapi2postmanv2")
    collection, environment = generate.generate(tool)
    assert collection == generate.COLLECTION.read_text(), "run: python postman/generate.py"
    assert environment == generate.ENVIRONMENT.read_text(), "run: python postman/generate.py"


def newman(*options: str, base_url: str, report: Path) -> subprocess.CompletedProcess[str]:
    command = [
        node_tool("newman"), "run", str(generate.COLLECTION), "-e", str(generate.ENVIRONMENT),
        "--env-var", f"baseUrl={base_url}", "--reporters", "cli,junit", "--reporter-junit-export", str(report),
        "--color", "off", *options,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def test_newman_runs_the_collection_green_against_the_emulator(tmp_path: Path) -> None:
    report = tmp_path / "newman.xml"
    with serve_emulator(*QUIET) as base_url:
        result = newman(base_url=base_url, report=report)
        assert result.returncode == 0, result.stdout[-4000:]
        # A folder alone fetches its own token (the collection's pre-request script), as a person clicking would.
        alone = newman("--folder", "VoIP SIP API", base_url=base_url, report=tmp_path / "folder.xml")
        assert alone.returncode == 0, alone.stdout[-4000:]
    suites = ElementTree.parse(report).getroot()
    cases = [case.get("name") for case in suites.iter("testcase")]
    assert len(cases) == len(generate.ORDER)
    assert not list(suites.iter("failure"))
    assert not list(suites.iter("error"))
