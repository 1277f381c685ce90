"""Script work in child processes: a CPU budget, a wall-clock deadline, and a server that never waits on either."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from mock_server.scripts import isolation
from mock_server.scripts.fetch import CallParameters, FetchPolicy
from mock_server.scripts.isolation import Budget, ScriptRunner
from tests.script_server import ScriptServer
from tests.wire.test_heavy_scripts import heavy_script


def test_work_runs_in_a_child_process() -> None:
    child = asyncio.run(ScriptRunner(FetchPolicy()).run(os.getpid))
    assert isinstance(child, int)
    assert child != os.getpid()


def test_a_check_stops_at_its_cpu_budget_and_still_answers_the_script(tmp_path: Path) -> None:
    (tmp_path / "heavy.xml").write_bytes(heavy_script())
    runner = ScriptRunner(FetchPolicy(), Budget(cpu_seconds=1, wall_seconds=60))
    with ScriptServer(tmp_path) as server:
        report = asyncio.run(runner.inspect(server.url + "/heavy.xml", CallParameters()))
    assert [finding.message for finding in report.findings] == [
        "checking stopped after 1 s of CPU: the script is too heavy to check"
    ]
    assert report.status_code == 200
    assert report.xml.startswith("<document><work>")


def test_a_child_past_its_deadline_is_killed_and_the_answer_says_so() -> None:
    runner = ScriptRunner(FetchPolicy(), Budget(wall_seconds=1))
    started = time.monotonic()
    assert asyncio.run(runner.run(time.sleep, 30)) == "it took longer than 1 s in all, and was stopped"
    assert time.monotonic() - started < 5
    zygote = isolation._ZYGOTE._process
    assert zygote is not None
    children = Path(f"/proc/{zygote.pid}/task/{zygote.pid}/children")
    if children.exists():  # Linux: the sleeping child is gone, not left to run out its 30 s
        deadline = time.monotonic() + 5
        while children.read_text().split() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert children.read_text().split() == []


def test_an_exception_in_the_child_comes_back_with_its_traceback() -> None:
    with pytest.raises(RuntimeError, match=r"(?s)child process.*ZeroDivisionError"):
        asyncio.run(ScriptRunner(FetchPolicy()).run(divmod, 1, 0))


def test_a_child_that_dies_is_an_answer_not_a_hang() -> None:
    outcome = asyncio.run(ScriptRunner(FetchPolicy(), Budget(wall_seconds=10)).run(os._exit, 3))
    assert outcome == "its process ended without an answer (it is killed 1 s past its 2 s of CPU)"


def test_a_zygote_that_died_is_started_again() -> None:
    runner = ScriptRunner(FetchPolicy())
    asyncio.run(runner.run(os.getpid))
    zygote = isolation._ZYGOTE._process
    assert zygote is not None
    zygote.kill()
    zygote.wait()
    assert isinstance(asyncio.run(runner.run(os.getpid)), int)
    assert isolation._ZYGOTE._process is not zygote
