"""``python -m tests.run_live COMMAND...``: run COMMAND against ``$APIDAZE_BASE_URL``, or a fresh emulator.

With ``APIDAZE_BASE_URL`` set (the real API, or an emulator you run), COMMAND just runs. Unset, a fresh
``python -m mock_server`` is started on a free loopback port, ``APIDAZE_BASE_URL`` points at it for COMMAND, and
it is stopped afterwards. ``tox -e contract-live`` uses this to run the contract suite live.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence

from tests.serving import free_port


def wait_healthy(url: str, process: subprocess.Popen[bytes], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{url}/__admin/health", timeout=1):  # noqa: S310 (our own loopback URL)
                return
        except OSError as error:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the emulator did not start") from error
            time.sleep(0.1)


def main(command: Sequence[str]) -> int:
    if not command:
        print(__doc__, file=sys.stderr)
        return 2
    if os.environ.get("APIDAZE_BASE_URL"):
        return subprocess.call(command)
    port = free_port()
    emulator = subprocess.Popen(
        [sys.executable, "-m", "mock_server", "--port", str(port), "--log-level", "warning"],
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, emulator)
        return subprocess.call(command, env={**os.environ, "APIDAZE_BASE_URL": url})
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
