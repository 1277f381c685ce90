"""A few thousand hostile requests over real sockets, then: still healthy, nothing lost, memory bounded.

``apidaze-mock`` as users start it, in a process of its own. A victim client stores SIP accounts and a script; then
threads send a seeded mix of malformed HTTP, cut-off requests, megabyte headers, oversized and nested bodies,
repeated keys, bad and foreign tokens, cross-tenant probes, absurd control-plane values, rebinding and cross-site
control-plane calls, pathological path patterns and script tests of closed ports. Afterwards the server must answer
health at once, hold the victim's records exactly as before, have answered no 5xx and logged no error, and have
grown its memory by a bounded amount: the journal keeps 1000 calls and at most 8 KiB of each part of each, while
the megabyte headers alone, kept whole, would hold hundreds of megabytes.

``APIDAZE_HOSTILE_REQUESTS`` sets how many (CI: 2000).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx

from contract_tests.served import free_port

REQUESTS = int(os.environ.get("APIDAZE_HOSTILE_REQUESTS", "2000"))
THREADS = 8
API = "/communication/apidaze/cpaas"
TOKEN = "/oauth/client_credential/accesstoken"
# The journal's worst case is 1000 calls of some 40 KiB (five parts of 8 KiB); the rest is allocator high water.
GROWTH_BOUND_BYTES = 120 * 1024 * 1024
BIG_HEADER = 1024 * 1024


@contextmanager
def emulator(log: IO[str]) -> Iterator[tuple[str, int]]:
    """``apidaze-mock`` on a free loopback port: its base URL and process id, once it answers."""
    port = free_port()
    command = [sys.executable, "-m", "mock_server", "--port", str(port), "--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base + "/__admin/health", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, "apidaze-mock exited"
                assert time.monotonic() < deadline, "apidaze-mock did not start"
                time.sleep(0.1)
        yield base, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:  # a server stuck on the event loop ignores SIGTERM
            process.kill()
            process.wait()
            raise


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def exchange(port: int, data: bytes, *, close_early: bool = False) -> int | None:
    """Send raw bytes; the status of the answer, or None when the server closed without one (or we left)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        # The server may refuse to read it all (a 413 first, then a close).
        with contextlib.suppress(OSError):
            connection.sendall(data)
        if close_early:
            return None
        try:
            head = connection.recv(64)
        except TimeoutError:
            raise AssertionError(f"no answer within 10 s to {data[:80]!r}") from None
        except OSError:  # reset
            return None
    parts = head.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[0].startswith(b"HTTP/") and parts[1].isdigit() else None


def request(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def hostile_requests(attacker: str, victim_ids: list[str]) -> list[Callable[[random.Random], bytes]]:
    """Each makes one hostile request (raw bytes) from a generator."""
    bearer = {"Authorization": f"Bearer {attacker}"}
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    json_type = {"Content-Type": "application/json"}

    def garbage(rng: random.Random) -> bytes:
        return rng.randbytes(rng.randint(1, 2000)) + b"\r\n\r\n"

    def bad_request_line(rng: random.Random) -> bytes:
        return rng.choice([b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"G\x00T / HTTP/1.1\r\nHost: x\r\n\r\n"])

    def bad_header(rng: random.Random) -> bytes:
        return b"GET /__admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header: x\r\nX-\x01: y\r\n\r\n"

    def megabyte_header(rng: random.Random) -> bytes:
        return request("GET", f"{API}/sipaccounts", {**bearer, "X-Padding": "p" * BIG_HEADER})

    def long_path(rng: random.Random) -> bytes:
        return request("GET", f"{API}/sipaccounts/" + "9" * rng.randint(100, 60_000), bearer)

    def many_headers(rng: random.Random) -> bytes:
        return request("GET", f"{API}/sipaccounts", {**bearer, **{f"X-{n}": "v" for n in range(3000)}})

    def cut_off(rng: random.Random) -> bytes:
        whole = request("POST", f"{API}/sipaccounts", {**bearer, **json_type}, b'{"username": "cutoff"}')
        return whole[: rng.randint(1, len(whole) - 1)]

    def oversized_body(rng: random.Random) -> bytes:
        return request("POST", f"{API}/sipaccounts", {**bearer, **form}, b"username=big&name=" + b"n" * 70_000)

    def nested_json(rng: random.Random) -> bytes:
        depth = rng.choice([500, 1100, 20_000])
        return request("POST", f"{API}/sipaccounts", {**bearer, **json_type}, b"[" * depth + b"]" * depth)

    def repeated_keys(rng: random.Random) -> bytes:
        body = b'{"username": "dupe1", "user\\u006eame": "dupe2"}'
        return request("POST", f"{API}/sipaccounts", {**bearer, **json_type}, body)

    def bad_token(rng: random.Random) -> bytes:
        token = rng.choice(["", "x" * 5000, "Bearer", "\u00ff" * 10, rng.randbytes(16).hex()])
        return request("GET", f"{API}/sipaccounts", {"Authorization": f"Bearer {token}"})

    def bad_credentials(rng: random.Random) -> bytes:
        body = rng.choice(
            [
                b"grant_type=client_credentials&client_id=victim&client%5Fsecret=guess",
                b"grant_type=client_credentials&client_id=victim&client_secret=a&client_secret=b",
                b"grant_type=client_credentials&client_id=%ff&client_secret=%fe",
            ]
        )
        return request("POST", TOKEN, form, body)

    def cross_tenant(rng: random.Random) -> bytes:
        account = rng.choice(victim_ids)
        method = rng.choice(["GET", "DELETE", "PUT"])
        body = b'{"name": "pwned"}' if method == "PUT" else b""
        return request(method, f"{API}/sipaccounts/{account}", {**bearer, **json_type}, body)

    def rebinding(rng: random.Random) -> bytes:
        return request("GET", "/__admin/state", {}).replace(b"Host: 127.0.0.1", b"Host: evil.example:8080")

    def cross_site_reset(rng: random.Random) -> bytes:
        origin = {"Origin": "https://evil.example", **form}
        return request("POST", "/__admin/reset", origin, b"x=1")

    def plain_text_reset(rng: random.Random) -> bytes:
        return request("POST", "/__admin/reset", {"Content-Type": "text/plain"}, b"{}")

    def absurd_numbers(rng: random.Random) -> bytes:
        body = rng.choice(
            [
                b'{"status": 503, "seed": 1e23}',
                b'{"status": 503, "times": 100000000000000000000000}',
                b'{"latency_ms": 1e300}',
                b'{"client_id": "x", "client_secret": "s", "quota": {"interval": 1e10}}',
            ]
        )
        path = "/__admin/clients" if b"quota" in body else "/__admin/faults"
        return request("POST", path, json_type, body)

    def bad_snapshot(rng: random.Random) -> bytes:
        account = {"id": "9" * 64, "username": "x y", "password": "p", "name": "", "created_at": 1e300}
        client = {"client_id": "victim", "client_secret": "s", "domain": "evil@example.com", "sip_accounts": [account]}
        body = json.dumps({"format": "apidaze-mock-state", "version": 1, "clients": [client]}).encode()
        return request("PUT", "/__admin/state", json_type, body)

    def pathological_pattern(rng: random.Random) -> bytes:
        pattern = "/sipaccounts/" + "**" * 64 + "x"
        return request("GET", f"/__admin/requests?limit=5&path={pattern}", {})

    def closed_port_script(rng: random.Random) -> bytes:
        url = "http://127.0.0.1:9/script.xml"
        return request("GET", f"{API}/externalscripts/test?url={url}", bearer)

    weighted: list[tuple[Callable[[random.Random], bytes], int]] = [
        (garbage, 10),
        (bad_request_line, 5),
        (bad_header, 5),
        (megabyte_header, 10),
        (long_path, 5),
        (many_headers, 4),
        (cut_off, 8),
        (oversized_body, 5),
        (nested_json, 5),
        (repeated_keys, 5),
        (bad_token, 10),
        (bad_credentials, 5),
        (cross_tenant, 10),
        (rebinding, 3),
        (cross_site_reset, 3),
        (plain_text_reset, 3),
        (absurd_numbers, 4),
        (bad_snapshot, 2),
        (pathological_pattern, 2),
        (closed_port_script, 1),
    ]
    return [maker for maker, weight in weighted for _ in range(weight)]


def test_a_few_thousand_hostile_requests_leave_it_healthy_intact_and_bounded(tmp_path: Path) -> None:
    with tempfile.TemporaryFile(mode="w+") as log, emulator(log) as (base, pid), httpx.Client(base_url=base) as http:
        port = int(base.rsplit(":", 1)[1])
        http.post("/__admin/clients", json={"client_id": "victim", "client_secret": "victim-secret"})
        http.post("/__admin/clients", json={"client_id": "attacker", "client_secret": "attacker-secret"})

        def token(client: str) -> str:
            form = {"grant_type": "client_credentials", "client_id": client, "client_secret": f"{client}-secret"}
            reply = http.post(TOKEN, data=form)
            assert reply.status_code == 200
            return str(reply.json()["access_token"])

        victim = {"Authorization": f"Bearer {token('victim')}"}
        for number in range(20):
            assert http.post(f"{API}/sipaccounts", json={"username": f"desk{number}"}, headers=victim).is_success
        http.post(f"{API}/externalscripts", json={"url": "http://127.0.0.1:8081/ivr.xml"}, headers=victim)
        # A fault rule of many wildcards, scoped to the attacker: every call of theirs is matched against it.
        http.post(
            "/__admin/faults", json={"path": "/sipaccounts/" + "**" * 32 + "x", "client_id": "attacker", "status": 500}
        )

        def victims_records() -> object:
            state = http.get("/__admin/state").json()
            return next(client for client in state["clients"] if client["client_id"] == "victim")

        before_records = victims_records()
        victim_ids = [account["id"] for account in before_records["sip_accounts"]]
        makers = hostile_requests(token("attacker"), victim_ids)

        def send(maker: Callable[[random.Random], bytes], rng: random.Random) -> int | None:
            # A cut-off request is left hanging by its client: the server waits for the rest, then times out.
            return exchange(port, maker(rng), close_early=maker.__name__ == "cut_off")

        # Warm up: every kind once, so the baseline holds what serving them allocates for good.
        for maker in makers:
            send(maker, random.Random(0))
        before_rss = rss_bytes(pid)

        statuses: Counter[int | None] = Counter()
        lock = threading.Lock()

        def attack(seed: int) -> None:
            rng = random.Random(seed)
            for _ in range(REQUESTS // THREADS):
                status = send(rng.choice(makers), rng)
                with lock:
                    statuses[status] += 1

        started = time.monotonic()
        workers = [threading.Thread(target=attack, args=(seed,)) for seed in range(THREADS)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        took = time.monotonic() - started

        asked = time.monotonic()
        assert http.get("/__admin/health").status_code == 200
        health_seconds = time.monotonic() - asked
        after_rss = rss_bytes(pid)
        assert victims_records() == before_records
        assert http.get(f"{API}/sipaccounts", headers=victim).status_code == 200
        print(
            f"\n{sum(statuses.values())} hostile requests in {took:.1f} s; statuses {dict(statuses)}; health after "
            f"{health_seconds * 1000:.1f} ms; RSS {before_rss / 2**20:.1f} -> {after_rss / 2**20:.1f} MB"
        )
        assert not [status for status in statuses if status is not None and status >= 500], statuses
        assert after_rss - before_rss < GROWTH_BOUND_BYTES
        log.seek(0)
        output = log.read()
        assert "Traceback" not in output, output[-4000:]
