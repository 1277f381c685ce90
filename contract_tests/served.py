"""``apidaze-mock`` as a real server in a subprocess, on a free port of 127.0.0.1, and child runs against it."""

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


def _command(port: int, admin: bool, admin_token: str | None) -> list[str]:
    script = Path(sys.executable).with_name("apidaze-mock")
    launcher = [str(script)] if script.exists() else [sys.executable, "-m", "mock_server"]
    command = [*launcher, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    if not admin:
        command.append("--no-admin")
    elif admin_token:
        command += ["--admin-token", admin_token]
    return command


@contextmanager
def serve_emulator(timeout: float = 20.0, *, admin: bool = True, admin_token: str | None = None) -> Iterator[str]:
    """Start ``apidaze-mock`` on a free port; yields its base URL and stops it (by its pid) on exit.

    ``admin=False`` serves the emulator without ``/__admin``, to test what a run against the real API does;
    ``admin_token`` guards its control plane with a bearer token.
    """
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    # Output goes to a file, never an unread pipe: a server that logs fills a pipe's buffer and then blocks.
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(  # noqa: S603 (our own console script, fixed arguments)
            _command(port, admin, admin_token), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True
        )
        try:
            _wait_healthy(base_url, process, log, timeout)
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
