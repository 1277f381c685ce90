"""``python -m mock_server`` as a separate process on a free loopback port, for tests and ``tests.run_live``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def emulator_process(*options: str, log: Path | None = None, timeout: float = 20) -> Iterator[str]:
    """``python -m mock_server --port PORT *options``; yields its base URL once it answers HTTP, then stops it.

    Its output goes to ``log`` when given, else nowhere: never to a pipe nobody reads, which fills and blocks it.
    Any answer means it is up (behind ``--admin-token`` the health check is a 401). Stopping waits for the process
    to exit, so what it does on shutdown (``--state-file``) is done when the block ends.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with log.open("w") if log is not None else open(os.devnull, "w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "mock_server", "--port", str(port), *options],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    httpx.get(f"{base}/__admin/health", timeout=1)
                    break
                except httpx.TransportError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        output = log.read_text() if log is not None else "(no log kept)"
                        raise RuntimeError(f"apidaze-mock did not start on {base}:\n{output}") from None
                    time.sleep(0.05)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=10)
