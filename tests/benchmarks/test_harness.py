"""The benchmark harness's parts that need no server: finding the tools, reading answers, judging targets."""

from __future__ import annotations

import ast
import asyncio
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from tests.benchmarks.conftest import BENCHMARKS


def test_missing_prism_and_wiremock_are_named_not_fatal(
    bench_module: Callable[[str], ModuleType], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    servers = bench_module("servers")
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    specs = servers.server_specs(tmp_path / "no-tools")
    assert "install-tools.sh" in specs["prism"].missing
    assert "install-tools.sh" in specs["wiremock"].missing
    assert all(specs[key].missing is None for key in ("default", "no-access-log", "bare"))


def test_tools_are_found_in_the_tools_directory(
    bench_module: Callable[[str], ModuleType], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    servers = bench_module("servers")
    prism = tmp_path / "node_modules" / ".bin" / "prism"
    jar = tmp_path / "node_modules" / "wiremock" / "build" / "wiremock-standalone-3.13.2.jar"
    for path in (prism, jar):
        path.parent.mkdir(parents=True)
        path.write_text("")
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    assert servers.find_prism(tmp_path) == prism
    assert servers.find_wiremock_jar(tmp_path) == jar
    specs = servers.server_specs(tmp_path)
    assert specs["prism"].missing is None
    assert specs["wiremock"].missing == "java is not installed"
    monkeypatch.setenv(servers.TOOLS_ENV, str(tmp_path))
    assert servers.tools_dir() == tmp_path


def test_load_generator_reads_sized_and_chunked_answers(bench_module: Callable[[str], ModuleType]) -> None:
    loadgen = bench_module("loadgen")

    async def read_both() -> list[int]:
        reader = asyncio.StreamReader()
        reader.feed_data(b"HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\nhello")
        reader.feed_data(
            b"HTTP/1.1 429 Too Many\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n[{}]\r\n2;x=1\r\n{}\r\n0\r\n\r\n"
        )
        reader.feed_data(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        reader.feed_eof()
        statuses = [await loadgen.read_answer(reader) for _ in range(3)]
        assert reader.at_eof()
        return statuses

    assert asyncio.run(read_both()) == [201, 429, 200]


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_harness_speaks_to_the_emulator_over_http_only() -> None:
    # The emulator's modules are being rewritten (issue 18): the figures must not depend on their insides. Only
    # the in-process profiling aid (inprocess.py) builds the app itself, through the public create_app.
    for path in sorted(BENCHMARKS.glob("*.py")):
        modules = {name for name in _imports(path) if name.split(".")[0] == "mock_server"}
        assert modules <= ({"mock_server.app"} if path.name == "inprocess.py" else set()), path.name


def test_targets_are_judged_per_cpu_second_against_the_same_rounds(bench_module: Callable[[str], ModuleType]) -> None:
    report = bench_module("report")
    endpoints = bench_module("endpoints")
    listing = next(endpoint for endpoint in endpoints.ENDPOINTS if endpoint.name == "list")

    def run(requests: int, cpu: float, p99: float = 3.0) -> object:
        return report.Figures(requests, 3.0, 1.0, p99, cpu)

    row = report.Row(listing)
    # Round 2 is slow for everyone (a noisy neighbour): per-round ratios stay put.
    row.runs["bare"] = [run(30_000, 2.0), run(15_000, 2.0), run(30_000, 2.0)]
    row.runs["default"] = [run(18_000, 2.0, p99=3.0), run(9_000, 2.0, p99=12.0), run(18_000, 2.0, p99=11.0)]
    row.runs["no-access-log"] = [run(19_000, 2.0), run(9_500, 2.0), run(19_000, 2.0)]
    row.runs["prism"] = [run(2_000, 2.0), run(1_000, 2.0), run(2_000, 2.0)]
    verdicts = {check.name: check.verdict for check in report.checks([row], 160 * report.MIB, [0.4, 0.5])}
    assert row.ratio("default", "bare") == pytest.approx(0.6)
    assert verdicts["list: >= 0.5 x bare"] == "met"
    assert verdicts["list: >= 2 x Prism"] == "met"
    assert verdicts["list: ahead of WireMock"] == "not measured"
    assert verdicts["list: access log on >= 0.9 x off"] == "met"
    assert verdicts["list: p99 < 10 ms"] == "MISSED"  # the median round's 11 ms
    assert verdicts["memory < 150 MiB"] == "MISSED"
    assert verdicts["start-up < 1.5 s"] == "met"


def test_unexpected_answers_say_what_they_were(bench_module: Callable[[str], ModuleType]) -> None:
    report = bench_module("report")
    endpoints = bench_module("endpoints")
    row = report.Row(endpoints.ENDPOINTS[0])
    row.runs["prism"] = [
        report.Figures(100, 1.0, 1.0, 2.0, 1.0, (("500", 2), ("socket", 1))),
        report.Figures(100, 1.0, 1.0, 2.0, 1.0, (("500", 1),)),
        report.Figures(100, 1.0, 1.0, 2.0, 1.0),
    ]
    assert row.unexpected_text("prism") == "4 (500: 3, socket: 1)"


SCRIPTS = sorted(
    path.name for path in BENCHMARKS.glob("*.py") if 'if __name__ == "__main__":' in path.read_text(encoding="utf-8")
)


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_benchmark_script_starts_on_the_current_harness(script: str) -> None:
    # access_log.py once imported names run.py no longer had, and nothing noticed until someone ran it.
    done = subprocess.run(
        [sys.executable, script, "--help"], cwd=BENCHMARKS, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout
