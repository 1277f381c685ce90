"""``apidaze-mock`` as a real server in a subprocess, on a free port of 127.0.0.1, and child runs against it.

The project's other tests (``tests/``) start their emulator processes with :func:`serve_emulator` too.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import requests

from contract_tests.settings import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# The contract runs keep the server's log to warnings: schemathesis sends thousands of calls.
QUIET = ("--log-level", "warning")


def _command(port: int, options: tuple[str, ...]) -> list[str]:
    script = Path(sys.executable).with_name("apidaze-mock")
    launcher = [str(script)] if script.exists() else [sys.executable, "-m", "mock_server"]
    # SIP on a free port unless the test says otherwise: SIP's default 5060 may be another program's.
    sip = [] if {"--sip-port", "--no-sip"} & set(options) else ["--sip-port", "0"]
    return [*launcher, "--host", "127.0.0.1", "--port", str(port), *sip, *options]


@contextmanager
def serve_emulator(*options: str, log: Path | None = None, timeout: float = 20.0) -> Iterator[str]:
    """``apidaze-mock --port PORT *options`` on a free port of 127.0.0.1; yields its base URL once it answers HTTP.

    Any answer means it is up: without the control plane (``--no-admin``) ``/__admin/health`` is a 404, behind
    ``--admin-token`` a 401. Its output goes to ``log`` when given, else to a temporary file, shown if it does not
    start; never to a pipe nobody reads, which fills and then blocks the server. On exit it is stopped and waited
    for, so what it does on shutdown (``--state-file``) is done when the block ends.
    """
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with log.open("w+") if log is not None else tempfile.TemporaryFile(mode="w+") as sink:
        process = subprocess.Popen(  # noqa: S603 (our own console script, arguments from the tests)
            _command(port, options), cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT, text=True
        )
        try:
            _wait_healthy(base_url, process, sink, timeout)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def run_child(command: list[str], env: dict[str, str]) -> str:
    """Run ``command`` from the project root (five minutes at most); its output, after asserting it exited 0."""
    result = subprocess.run(  # noqa: S603 (fixed arguments from the tests)
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    return output


def _wait_healthy(base_url: str, process: subprocess.Popen[str], log: IO[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"apidaze-mock exited with {process.returncode}:\n{log.read()}")
        try:
            # Any answer will do: without the control plane /__admin/health is a 404, behind a token a 401.
            if requests.get(f"{base_url}/__admin/health", timeout=1).status_code in (200, 401, 404):
                return
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"apidaze-mock did not answer on {base_url} within {timeout} s")
        time.sleep(0.1)
