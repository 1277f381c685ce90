"""``apidaze-mock`` as a real server in a subprocess, on a free port of 127.0.0.1."""

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


def _command(port: int) -> list[str]:
    script = Path(sys.executable).with_name("apidaze-mock")
    launcher = [str(script)] if script.exists() else [sys.executable, "-m", "mock_server"]
    return [*launcher, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]


@contextmanager
def serve_emulator(timeout: float = 20.0) -> Iterator[str]:
    """Start ``apidaze-mock`` on a free port; yields its base URL and stops it (by its pid) on exit."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    # Output goes to a file, never an unread pipe: a server that logs fills a pipe's buffer and then blocks.
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(  # noqa: S603 (our own console script, fixed arguments)
            _command(port), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True
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


def _wait_healthy(base_url: str, process: subprocess.Popen[str], log: IO[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"apidaze-mock exited with {process.returncode}:\n{log.read()}")
        try:
            if requests.get(f"{base_url}/__admin/health", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"apidaze-mock did not answer on {base_url} within {timeout} s")
        time.sleep(0.1)
