"""``apidaze-mock`` as users start it: every access line reaches its stdout whole, even when it is stopped at once."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from contract_tests.served import serve_emulator
from tests.http.default_seed import ACCOUNTS, bearer

LINE = re.compile(
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO    apidaze_mock\.access: "
    r"(?P<method>[A-Z]+) (?P<target>\S+) (?P<status>\d{3}) \d+\.\dms client=(?P<client>\S+)"
)


def test_lines_of_calls_answered_just_before_a_stop_reach_stdout_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As for most users, stdout to a file is block-buffered: a line left in Python's buffer when the process is
    # stopped (uvicorn ends it by re-raising SIGTERM) would be lost or cut in half.
    monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)
    output = tmp_path / "apidaze-mock.log"
    with serve_emulator(log=output) as base, httpx.Client(base_url=base) as http:
        headers = bearer(http)
        with ThreadPoolExecutor(8) as pool:
            replies = list(pool.map(lambda n: http.get(f"{ACCOUNTS}/{n}", headers=headers), range(300)))
        assert {reply.status_code for reply in replies} == {200, 404}
        # Leaving the block sends SIGTERM right after the last answer and waits for the process to end.
    lines = [line for line in output.read_text().splitlines() if "apidaze_mock.access" in line]
    assert all(LINE.fullmatch(line) for line in lines), [line for line in lines if not LINE.fullmatch(line)]
    reads = [match for line in lines if (match := LINE.fullmatch(line)) and match["target"].startswith(ACCOUNTS + "/")]
    assert sorted(match["target"] for match in reads) == sorted(f"{ACCOUNTS}/{n}" for n in range(300))
    assert {match["client"] for match in reads} == {"local-client"}
