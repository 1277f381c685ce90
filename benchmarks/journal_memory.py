"""Memory figure: the served emulator's RSS before and after answers far larger than the journal shows.

Starts ``apidaze-mock`` as users do (default flags but a quiet log), then calls ``GET /externalscripts/test``
``--tests`` times on a script (served from this process) of ``--elements`` unknown elements: each answer carries one
finding per element, about 1.6 MB for the default 20,000. It reads the server's resident set size from
``/proc/<pid>/status`` before and after. The journal shows 8 KiB of each body; one that kept whole answers grows by
about ``tests x answer size``. Prints one line, ``JOURNAL_MEMORY_JSON {...}``.

    python benchmarks/journal_memory.py --tests 100
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

API = "/communication/apidaze/cpaas"
TOKEN = "/oauth/client_credential/accesstoken?grant_type=client_credentials"  # noqa: S105 (a path)


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS (this figure needs Linux's /proc)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ScriptServer:
    """``body`` as text/xml at any path of a loopback port, from a thread of this process."""

    def __init__(self, body: bytes) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tests", type=int, default=100)
    parser.add_argument("--elements", type=int, default=20_000)
    args = parser.parse_args(argv)
    script = b"<document><work>" + b"<nope/>" * args.elements + b"</work></document>"
    scripts = ScriptServer(script)

    port = free_port()
    command = [sys.executable, "-m", "mock_server", "--port", str(port), "--log-level", "warning"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL)  # noqa: S603 (our own server)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            deadline = time.monotonic() + 20
            while True:
                try:
                    http.get("/__admin/health")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            login = http.post(TOKEN, data={"client_id": "local-client", "client_secret": "local-secret"})
            bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
            test = {"url": f"{scripts.url}/script.xml"}
            http.get(f"{API}/externalscripts/test", params=test, headers=bearer).raise_for_status()  # warm up
            before = rss_bytes(server.pid)
            answer_bytes = 0
            for _ in range(args.tests):
                answer = http.get(f"{API}/externalscripts/test", params=test, headers=bearer)
                answer.raise_for_status()
                answer_bytes = len(answer.content)
            after = rss_bytes(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=10)
        scripts.close()
    figures = {
        "tests": args.tests,
        "elements": args.elements,
        "answer_bytes": answer_bytes,
        "rss_before_bytes": before,
        "rss_after_bytes": after,
        "growth_bytes": after - before,
    }
    print("JOURNAL_MEMORY_JSON " + json.dumps(figures), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
