"""Every ```` ```sh runnable ```` block of the README, run against a fresh emulator: the README cannot rot.

The runnable blocks of a file run in order in one ``bash -euo pipefail`` shell (a later block may use what an earlier
one set), in the repository root, with ``$APIDAZE_URL`` pointing at ``python -m mock_server`` on a free port.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from contract_tests.served import serve_emulator
from mock_server.cli import build_parser
from tests.markdown import Block, fenced_blocks

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
README = ROOT / "README.md"
RUNNABLE = {path: [block for block in fenced_blocks(path) if block.runnable] for path in DOCUMENTS if path.exists()}


@pytest.fixture
def emulator_url(tmp_path: Path) -> Iterator[str]:
    """A fresh ``python -m mock_server`` on a free port, as a README reader starts it."""
    with serve_emulator("--no-access-log", log=tmp_path / "emulator.log") as url:
        yield url


def script(blocks: list[Block]) -> str:
    """The blocks as one script; each announces itself, so a failure names its block."""
    parts = ["set -euo pipefail"]
    for block in blocks:
        parts.append(f"echo {shlex.quote(f'### {block}')} >&2")
        parts.append(block.code)
    return "\n".join(parts)


def test_the_readme_has_runnable_blocks() -> None:
    assert RUNNABLE.get(ROOT / "README.md"), "mark README commands with ```sh runnable so they are tested"


@pytest.mark.parametrize("document", [path for path, blocks in RUNNABLE.items() if blocks], ids=lambda p: p.name)
def test_runnable_blocks_pass(document: Path, emulator_url: str, tmp_path: Path) -> None:
    bash = shutil.which("bash")
    assert bash is not None
    # The venv's console scripts (apidaze-mock, pytest) first, as after the README's set-up commands.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    environment = {**os.environ, "APIDAZE_URL": emulator_url, "PATH": path, "HOME": str(tmp_path)}
    result = subprocess.run(
        [bash, "-c", script(RUNNABLE[document])],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    failed_block = [line for line in result.stderr.splitlines() if line.startswith("### ")][-1:]
    assert result.returncode == 0, f"{failed_block} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"


def test_every_cli_option_is_in_the_readme_table() -> None:
    rows = [line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("| `-")]
    documented = {word.strip("`,") for row in rows for word in row.split("|")[1].split() if word.startswith("`-")}
    options = {option for action in build_parser()._actions for option in action.option_strings}
    assert options <= documented, f"missing from the README's option table: {sorted(options - documented)}"


def test_later_blocks_work_as_pasted_without_apidaze_url() -> None:
    """Only the first block reads ``$APIDAZE_URL`` (with a default); the rest use ``$BASE``, so nothing breaks when
    a reader has not exported it."""
    first, *later = RUNNABLE[ROOT / "README.md"]
    assert "BASE=${APIDAZE_URL:-http://127.0.0.1:8080}" in first.code
    readers = [str(block) for block in later if "APIDAZE_URL" in block.code]
    assert readers == []


def test_header_names_are_written_as_they_arrive() -> None:
    """The README names the quota headers as a client sees them on the wire (lower case)."""
    import re

    from mock_server.testing import ApidazeMock

    named = set(re.findall(r"`((?:quota-[a-z-]+|retry-after|Retry-After|quota-reset-UTC))`", README.read_text()))
    mock = ApidazeMock().prepare(quota={"limit": 1})
    with mock.client() as http:
        headers = {"Authorization": f"Bearer {mock.token()}"}
        http.get("/communication/apidaze/cpaas/sipaccounts", headers=headers)
        refused = http.get("/communication/apidaze/cpaas/sipaccounts", headers=headers)
    assert refused.status_code == 429
    sent = {name.decode() for name, _ in refused.headers.raw}
    assert named
    assert named <= sent, f"written differently than sent: {sorted(named - sent)}"
