"""The benchmark harness itself starts, loads, reports and stops cleanly (figures are not checked: see RESULTS.md).

``benchmarks/run.py --smoke`` runs one 1-second round on one endpoint against the emulator (default flags and
``--no-access-log``) and the bare app, the start-up figure and a 1,000-account memory figure, in a few seconds.
Prism and WireMock are not started (CI has neither); their contract and stubs are still written, and
test_stubs.py checks them. Both load generators are covered: the Python fallback always, wrk where installed.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"


def _run(command: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the harness in its own process group; on a timeout, stop the group (harness and its servers) first."""
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
        pytest.fail(f"the harness ran over {timeout} s:\n{stdout}\n{stderr}")
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _still_running(output: str) -> list[int]:
    """Servers the harness says it stopped that still exist (none should outlive it)."""
    pids = [int(match) for match in re.findall(r"stopped \S+ \(pid (\d+)\)", output)]
    assert len(pids) >= 4  # two emulators and the bare app, then the emulator of the memory figure
    return [pid for pid in pids if Path(f"/proc/{pid}").exists()]


@pytest.mark.parametrize("generator", ["python", "wrk"])
def test_benchmark_smoke_run_starts_and_stops_cleanly(generator: str, tmp_path: Path) -> None:
    if generator == "wrk" and shutil.which("wrk") is None:
        pytest.skip("wrk is not installed")
    report = tmp_path / "report.md"
    done = _run([sys.executable, str(RUN), "--smoke", f"--load-generator={generator}", f"--output={report}"])
    assert done.returncode == 0, done.stdout + done.stderr
    text = report.read_text()
    assert f"load generator: {generator}" in text
    assert "left out by --servers: prism, wiremock" in text
    rows = [line for line in text.splitlines() if line.startswith("| SIP account list (10) | ")]
    servers = ("emulator (default flags)", "emulator --no-access-log", "bare Starlette")
    detailed = [row.split(" | ") for row in rows if row.split(" | ")[1] in servers]
    assert len(detailed) == 3
    assert all(cells[7] == "0" for cells in detailed)  # no unexpected answers
    assert "Memory: 1,000 SIP accounts created over HTTP across 10 clients" in text
    assert "(0 other answers)" in text
    assert "Start-up of the emulator, process start to the first 200" in text
    assert _still_running(done.stdout) == []


@pytest.mark.parametrize(
    ("option", "message"), [("--endpoints=nope", "unknown endpoint"), ("--servers=nope", "unknown server")]
)
def test_benchmark_refuses_unknown_names(option: str, message: str) -> None:
    done = _run([sys.executable, str(RUN), option])
    assert done.returncode == 2
    assert message in done.stderr
