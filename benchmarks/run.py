"""The emulator against a bare Starlette app, per endpoint, in one run; plus its memory and start-up figures.

    .venv/bin/python benchmarks/run.py                 # the full run, about 4 minutes
    .venv/bin/python benchmarks/run.py --smoke         # seconds: checks that the harness itself works
    .venv/bin/python benchmarks/run.py --output report.md

Starts ``apidaze-mock --fixtures benchmarks/fixtures.yaml`` exactly as users do (one uvicorn worker, access log
off) and ``benchmarks/bare_app.py`` serving the emulator's own answers from memory. Both are pinned to one core
and the load generator to another, where ``taskset`` exists and there are two cores. Each endpoint is loaded in
rounds that alternate which server goes first, so a burst of load from elsewhere on the machine hits both; the
ratio is the median of the per-round ratios. The load generator is wrk where installed, else ``loadgen.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures.yaml"
LUA = HERE / "wrk" / "endpoint.lua"
API = "/communication/apidaze/cpaas"
TOKEN_PATH = "/oauth/client_credential/accesstoken?grant_type=client_credentials"  # noqa: S105 (a path)
HEALTH_PATH = "/__admin/health"
FORM = "application/x-www-form-urlencoded"
MIB = 1024 * 1024

# Targets of issue 8.
READ_RATIO, WRITE_RATIO, P99_LIMIT_US = 0.6, 0.5, 10_000
MEMORY_LIMIT, STARTUP_LIMIT = 150 * MIB, 1.5


@dataclass(frozen=True)
class Endpoint:
    name: str
    title: str
    method: str
    path: str
    client: str | None  # whose token goes in the Authorization header
    content_type: str | None
    body: str | None  # "{n}" becomes a value unique to each request
    status: int  # the answer every request should get
    bare_path: str | None = None
    target_ratio: float | None = None


ENDPOINTS = [
    Endpoint(
        "token",
        "token issue",
        "POST",
        TOKEN_PATH,
        None,
        FORM,
        "client_id=bench-token&client_secret=bench-token-secret",
        200,
    ),
    Endpoint(
        "list",
        "SIP account list (10)",
        "GET",
        f"{API}/sipaccounts",
        "bench-reader",
        None,
        None,
        200,
        target_ratio=READ_RATIO,
    ),
    Endpoint(
        "read",
        "SIP account read",
        "GET",
        f"{API}/sipaccounts/3",
        "bench-reader",
        None,
        None,
        200,
        target_ratio=READ_RATIO,
    ),
    Endpoint(
        "create",
        "SIP account create",
        "POST",
        f"{API}/sipaccounts",
        "bench-writer",
        FORM,
        "username={n}&name=Bench+account&internal_caller_id_number=101&external_caller_id_number=%2B31201234567",
        200,  # response style kpn, the default: KPN's Swagger
        target_ratio=WRITE_RATIO,
    ),
    Endpoint(
        "update",
        "SIP account update",
        "PUT",
        f"{API}/sipaccounts/5",
        "bench-reader",
        FORM,  # as KPN's contract declares it: a JSON body is a leniency, noted in the journal
        "name=Updated+name&internal_caller_id_number=105",
        200,
        target_ratio=WRITE_RATIO,
    ),
    Endpoint(
        "throttled",
        "429 answer",
        "GET",
        f"{API}/sipaccounts",
        "bench-throttled",
        None,
        None,
        429,
        bare_path=f"{API}/throttled",
    ),
]
SECRETS = {
    "bench-reader": "bench-reader-secret",
    "bench-writer": "bench-writer-secret",
    "bench-throttled": "bench-throttled-secret",
}


@dataclass
class Figures:
    """One load run against one server."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    unexpected: int  # answers with another status than the endpoint's, plus socket errors
    cpu_seconds: float = 0.0  # CPU time the server process got during the run

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def capacity(self) -> float:
        """Requests per second of server CPU: what the server would answer with a whole core to itself."""
        return self.requests / self.cpu_seconds if self.cpu_seconds else 0.0

    @property
    def core_share(self) -> float:
        """How much of its core the server got; well under 1.0 means other processes took the rest."""
        return self.cpu_seconds / self.seconds if self.seconds else 0.0


@dataclass
class Row:
    endpoint: Endpoint
    emulator: list[Figures] = field(default_factory=list)
    bare: list[Figures] = field(default_factory=list)
    peak_rss: int = 0

    def median(self, runs: list[Figures], attribute: str) -> float:
        return float(statistics.median(getattr(run, attribute) for run in runs))

    @property
    def ratio(self) -> float:
        """Median over rounds of emulator req/s / bare req/s."""
        return statistics.median(e.rate / b.rate for e, b in zip(self.emulator, self.bare, strict=True) if b.rate)

    @property
    def cpu_ratio(self) -> float:
        """The same ratio per second of server CPU, which other load on the machine barely moves."""
        pairs = zip(self.emulator, self.bare, strict=True)
        return statistics.median(e.capacity / b.capacity for e, b in pairs if b.capacity)

    @property
    def best_p99_ms(self) -> float:
        return min(run.p99_ms for run in self.emulator)


# --- processes ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pinning:
    server: list[str]
    load: list[str]
    description: str


def pinning(enabled: bool) -> Pinning:
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    taskset = shutil.which("taskset")
    if not enabled:
        return Pinning([], [], "not pinned (--no-pin)")
    if taskset is None or len(cores) < 2:
        return Pinning([], [], f"not pinned ({'no taskset' if taskset is None else f'{len(cores)} core(s)'})")
    server, load = str(cores[0]), str(cores[1])
    return Pinning(
        [taskset, "-c", server], [taskset, "-c", load], f"servers on core {server}, load generator on core {load}"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def call(
    port: int,
    method: str,
    path: str,
    body: str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 5.0,
) -> tuple[int, bytes]:
    status, body_bytes, _ = call_with_headers(port, method, path, body, headers, timeout)
    return status, body_bytes


def call_with_headers(
    port: int,
    method: str,
    path: str,
    body: str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 5.0,
) -> tuple[int, bytes, list[tuple[str, str]]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, answer.read(), answer.getheaders()
    finally:
        connection.close()


class Server:
    """A server process we started: waits for its first 200, reports its RSS, and is always stopped."""

    def __init__(self, name: str, command: list[str], port: int, ready_path: str, log_dir: Path) -> None:
        self.name = name
        self.port = port
        self.log = log_dir / f"{name}.log"
        with self.log.open("wb") as log:
            self.started = time.perf_counter()
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        self.startup_seconds = self._wait_ready(ready_path)

    def _wait_ready(self, path: str, timeout: float = 30.0) -> float:
        deadline = self.started + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log.read_text()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if call(self.port, "GET", path, timeout=1.0)[0] == 200:
                    return time.perf_counter() - self.started
            time.sleep(0.005)
        raise RuntimeError(f"{self.name} did not answer 200 on {path} within {timeout} s:\n{self.log.read_text()}")

    def cpu_seconds(self) -> float:
        """CPU time used so far: schedstat's nanoseconds where the kernel has it, else stat's clock ticks."""
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int(Path(f"/proc/{self.process.pid}/schedstat").read_text().split()[0]) / 1e9
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return 0.0

    def peak_rss(self) -> int:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        return 0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        print(f"  stopped {self.name} (pid {self.process.pid})", flush=True)


@contextlib.contextmanager
def running(name: str, command: list[str], port: int, ready_path: str, log_dir: Path) -> Iterator[Server]:
    server = Server(name, command, port, ready_path, log_dir)
    try:
        yield server
    finally:
        server.stop()


def emulator_executable() -> str:
    script = Path(sys.executable).with_name("apidaze-mock")
    executable = str(script) if script.exists() else shutil.which("apidaze-mock")
    if executable is None:
        raise SystemExit("apidaze-mock is not installed: pip install -e . first")
    return executable


def emulator_options(extra: Sequence[str] = ()) -> list[str]:
    """The issue measures the emulator with its access log off: say so where this version has the switch."""
    shown = subprocess.run([emulator_executable(), "--help"], capture_output=True, text=True, check=False)  # noqa: S603
    return (["--no-access-log"] if "--no-access-log" in shown.stdout else []) + list(extra)


def emulator_command(pin: Pinning, port: int, options: Sequence[str] = ()) -> list[str]:
    return [*pin.server, emulator_executable(), "--fixtures", str(FIXTURES), "--port", str(port), *options]


# --- load -----------------------------------------------------------------------------------------------------


def load(
    generator: str,
    pin: Pinning,
    server: Server,
    path: str,
    endpoint: Endpoint,
    token: str | None,
    prefix: str,
    connections: int,
    duration: float,
) -> Figures:
    url = f"http://127.0.0.1:{server.port}{path}"
    arguments = [endpoint.method, endpoint.content_type or "-", token or "-", endpoint.body or "-", prefix]
    if generator == "wrk":
        command = [
            *pin.load,
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            "-s",
            str(LUA),
            url,
            "--",
            *arguments,
        ]
    else:
        command = [
            *pin.load,
            sys.executable,
            str(HERE / "loadgen.py"),
            url,
            *arguments,
            f"--connections={connections}",
            f"--duration={duration}",
        ]
    cpu_before = server.cpu_seconds()
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=False)  # noqa: S603
    cpu = server.cpu_seconds() - cpu_before
    line = next((text for text in done.stdout.splitlines() if text.startswith("WRK_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"load generator failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    raw: dict[str, Any] = json.loads(line.removeprefix("WRK_JSON "))
    statuses: dict[str, int] = raw["statuses"]
    expected = statuses.get(str(endpoint.status), 0)
    return Figures(
        requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6,
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        unexpected=sum(statuses.values()) - expected + raw["socket_errors"],
        cpu_seconds=cpu,
    )


def measure_endpoint(
    endpoint: Endpoint,
    emulator: Server,
    bare: Server,
    tokens: dict[str, str],
    run_id: str,
    generator: str,
    pin: Pinning,
    args: argparse.Namespace,
) -> Row:
    """Warm both servers up, then load them in turn, round after round, alternating which goes first."""
    row = Row(endpoint)
    token = tokens.get(endpoint.client) if endpoint.client else None
    targets = {"emulator": (emulator, endpoint.path), "bare": (bare, endpoint.bare_path or endpoint.path)}
    if args.warmup > 0:
        for name, (server, path) in targets.items():
            prefix = f"w{run_id}{name[0]}"
            load(generator, pin, server, path, endpoint, token, prefix, args.connections, args.warmup)
    for number in range(args.rounds):
        for name in ["emulator", "bare"] if number % 2 == 0 else ["bare", "emulator"]:
            server, path = targets[name]
            prefix = f"{run_id}{number}{name[0]}"
            figures = load(generator, pin, server, path, endpoint, token, prefix, args.connections, args.duration)
            (row.emulator if name == "emulator" else row.bare).append(figures)
            if args.verbose:
                print(
                    f"    {endpoint.name} round {number + 1} {name}: {figures.rate:,.0f} req/s, "
                    f"p50 {figures.p50_ms:.2f} ms, p99 {figures.p99_ms:.2f} ms, "
                    f"{figures.capacity:,.0f} req per CPU-s, {figures.core_share:.0%} of its core",
                    flush=True,
                )
    row.peak_rss = emulator.peak_rss()
    print(
        f"  {endpoint.name}: emulator {row.median(row.emulator, 'rate'):,.0f} req/s, "
        f"bare {row.median(row.bare, 'rate'):,.0f} req/s, ratio {row.ratio:.2f} (per CPU-second {row.cpu_ratio:.2f})",
        flush=True,
    )
    return row


def token_for(port: int, client_id: str) -> str:
    form = urlencode({"client_id": client_id, "client_secret": SECRETS[client_id]})
    status, body = call(port, "POST", TOKEN_PATH, form, {"Content-Type": FORM})
    if status != 200:
        raise RuntimeError(f"no token for {client_id}: {status} {body!r}")
    value: str = json.loads(body)["access_token"]
    return value


_SERVER_HEADERS = ("content-length", "content-type", "date", "server")


def record_answers(port: int, tokens: dict[str, str], endpoints: Sequence[Endpoint]) -> dict[str, dict[str, Any]]:
    """One real answer per endpoint, for the bare app to serve; each must have the status the run expects."""
    answers: dict[str, dict[str, Any]] = {}
    for endpoint in ENDPOINTS:
        headers = {"Content-Type": endpoint.content_type} if endpoint.content_type else {}
        if endpoint.client:
            headers["Authorization"] = f"Bearer {tokens[endpoint.client]}"
        body = endpoint.body.replace("{n}", "recorded") if endpoint.body else None
        status, answer, sent = call_with_headers(port, endpoint.method, endpoint.path, body, headers)
        if endpoint.status == 429 and status == 200:  # the one call of the throttled client's window
            status, answer, sent = call_with_headers(port, endpoint.method, endpoint.path, body, headers)
        if status != endpoint.status and endpoint in endpoints:
            raise RuntimeError(f"{endpoint.name}: expected {endpoint.status}, got {status}: {answer!r}")
        # The headers, for --bare-with-headers; uvicorn and Starlette add these three themselves.
        extra = [
            [name, value] for name, value in sent if name.lower() not in ("content-length", "content-type", "date")
        ]
        answers[endpoint.name] = {"status": status, "body": answer.decode(), "headers": extra}
    return answers


# --- memory and start-up --------------------------------------------------------------------------------------


def memory_figures(pin: Pinning, accounts: int, clients: int) -> dict[str, int]:
    command = [*pin.server, sys.executable, str(HERE / "memory.py"), f"--accounts={accounts}", f"--clients={clients}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)  # noqa: S603
    line = next((text for text in done.stdout.splitlines() if text.startswith("MEMORY_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"memory.py failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    figures: dict[str, int] = json.loads(line.removeprefix("MEMORY_JSON "))
    return figures


def startup_samples(pin: Pinning, count: int, log_dir: Path, options: Sequence[str]) -> list[float]:
    samples = []
    for _ in range(count):
        port = free_port()
        command = emulator_command(pin, port, options)
        with running("emulator-startup", command, port, HEALTH_PATH, log_dir) as server:
            samples.append(server.startup_seconds)
    return samples


# --- report ---------------------------------------------------------------------------------------------------


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def machine_lines(generator: str, pin: Pinning) -> list[str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    wrk = "not installed"
    if shutil.which("wrk"):
        wrk_out = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)  # noqa: S607
        wrk = (wrk_out.stdout or wrk_out.stderr).split("[")[0].strip()
    packages = ", ".join(
        f"{name} {package_version(name)}"
        for name in ("apidaze-mock", "starlette", "uvicorn", "h11", "httptools", "uvloop", "orjson", "jsonschema-rs")
    )
    return [
        f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()} ({platform.python_implementation()}); {packages}",
        f"- load generator: {generator}"
        + (
            f" ({wrk}, 1 thread)"
            if generator == "wrk"
            else " (benchmarks/loadgen.py: wrk is not installed; rates are a floor)"
        ),
        f"- pinning: {pin.description}",
        f"- command: `{' '.join([Path(sys.executable).name, *sys.argv])}`",
    ]


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def report(
    rows: list[Row],
    memory: dict[str, int],
    startup: list[float],
    header: list[str],
    connections: int,
    duration: float,
    rounds: int,
    loads: tuple[str, str],
) -> str:
    lines = [
        *header,
        f"- load: {connections} connections, {rounds} round(s) of {duration:g} s per server and "
        "endpoint, alternating which server goes first",
        f"- load average before/after: {loads[0]} / {loads[1]}",
        "",
        "| endpoint | emulator req/s | bare req/s | ratio | ratio per CPU-s | emulator p50 / p99 ms (best round) "
        "| bare p50 / p99 ms | core share emulator / bare | unexpected answers | emulator peak RSS MiB | targets |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    checks: list[tuple[str, bool]] = []
    limit_ms = P99_LIMIT_US / 1000
    for row in rows:
        p99 = row.median(row.emulator, "p99_ms")
        unexpected = sum(run.unexpected for run in row.emulator)
        goals = [f"p99 < {limit_ms:g} ms: {verdict(p99 < limit_ms)}"]
        checks.append((f"{row.endpoint.name} p99", p99 < limit_ms))
        if row.endpoint.target_ratio is not None:
            ok = row.cpu_ratio >= row.endpoint.target_ratio
            goals.insert(0, f"ratio >= {row.endpoint.target_ratio}: {verdict(ok)}")
            checks.append((f"{row.endpoint.name} ratio", ok))
        checks.append((f"{row.endpoint.name} answers", unexpected == 0))
        lines.append(
            f"| {row.endpoint.title} | {row.median(row.emulator, 'rate'):,.0f} | {row.median(row.bare, 'rate'):,.0f} "
            f"| {row.ratio:.2f} | {row.cpu_ratio:.2f} "
            f"| {row.median(row.emulator, 'p50_ms'):.2f} / {p99:.2f} ({row.best_p99_ms:.2f}) "
            f"| {row.median(row.bare, 'p50_ms'):.2f} / {row.median(row.bare, 'p99_ms'):.2f} "
            f"| {row.median(row.emulator, 'core_share'):.0%} / {row.median(row.bare, 'core_share'):.0%} "
            f"| {unexpected} | {row.peak_rss / MIB:.1f} | {'; '.join(goals)} |"
        )
    lines += [
        "",
        "Medians over the rounds. Ratios are medians of the per-round ratios; the ratio targets are judged per "
        "CPU-second (requests / CPU time the server process got), which is what each server answers with a core "
        "to itself, while the req/s columns also carry whatever share of the core other processes took. p99 is "
        "judged on the median round; the best round is what a quiet core gives.",
    ]
    if memory:
        rss = memory["rss_bytes"]
        checks.append(("memory", rss < MEMORY_LIMIT))
        lines.append(
            f"\nMemory: {memory['accounts']:,} SIP accounts over {memory['clients']} clients: RSS "
            f"{rss / MIB:.1f} MiB (the app alone before storing them: {memory['rss_empty_bytes'] / MIB:.1f} MiB); "
            f"target < {MEMORY_LIMIT // MIB} MiB: {verdict(rss < MEMORY_LIMIT)}."
        )
    if startup:
        middle = statistics.median(startup)
        checks.append(("start-up", middle < STARTUP_LIMIT))
        lines.append(
            f"\nStart-up, process start to first 200 on {HEALTH_PATH}: median {middle:.2f} s of {len(startup)} "
            f"(all: {', '.join(f'{s:.2f}' for s in startup)}); target < {STARTUP_LIMIT:g} s: "
            f"{verdict(middle < STARTUP_LIMIT)}."
        )
    missed = [name for name, ok in checks if not ok]
    lines.append(
        f"\nTargets: {len(checks) - len(missed)} of {len(checks)} met"
        + (f"; missed: {', '.join(missed)}." if missed else ".")
    )
    return "\n".join(lines) + "\n"


def load_average() -> str:
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    # A SIGTERM (a test runner's timeout, a CI stop) unwinds like Ctrl-C, so the servers started here are stopped.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--duration",
        type=float,
        default=3.0,
        help="seconds per load run, whole seconds with wrk (default: %(default)s)",
    )
    parser.add_argument("--rounds", type=int, default=5, help="load runs per server and endpoint (default: 5)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of unmeasured load first (default: 1)")
    parser.add_argument(
        "--endpoints", default=",".join(e.name for e in ENDPOINTS), help="comma-separated subset of: %(default)s"
    )
    parser.add_argument("--accounts", type=int, default=100_000, help="accounts for the memory figure (0: skip)")
    parser.add_argument("--startups", type=int, default=3, help="start-up samples (default: 3)")
    parser.add_argument("--load-generator", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--no-pin", action="store_true", help="do not pin processes to cores with taskset")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="check the harness in seconds: list only, one 1-second round, 1,000 accounts, 2 start-ups",
    )
    parser.add_argument(
        "--bare-with-headers",
        action="store_true",
        help="diagnostic: the bare app also sends the emulator's headers (KPN, CORS, quota), to see their cost",
    )
    parser.add_argument(
        "--emulator-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra argument for apidaze-mock, repeatable (--no-access-log is passed where the option exists)",
    )
    parser.add_argument("--verbose", action="store_true", help="print every load run as it ends")
    parser.add_argument("--output", type=Path, help="also write the report (Markdown) to this file")
    args = parser.parse_args(argv)
    if args.smoke:
        args.duration, args.rounds, args.warmup, args.endpoints = 1.0, 1, 0.0, "list"
        args.accounts, args.startups = min(args.accounts, 1000), 2
    chosen = args.endpoints.split(",")
    unknown = set(chosen) - {e.name for e in ENDPOINTS}
    if unknown:
        parser.error(f"unknown endpoint(s): {', '.join(sorted(unknown))}")
    endpoints = [e for e in ENDPOINTS if e.name in chosen]
    generator = args.load_generator
    if generator == "auto":
        generator = "wrk" if shutil.which("wrk") else "python"
    pin = pinning(not args.no_pin)
    started = time.perf_counter()
    load_before = load_average()
    options = emulator_options(args.emulator_arg)
    header = machine_lines(generator, pin)
    shown_command = " ".join(["apidaze-mock --fixtures benchmarks/fixtures.yaml --port PORT", *options])
    header.append(f"- emulator: `{shown_command}`")
    if args.bare_with_headers:
        header.append("- diagnostic: the bare app sends the emulator's recorded headers too (--bare-with-headers)")
    print("\n".join(header), flush=True)

    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="apidaze-bench-") as temp:
        log_dir = Path(temp)
        emulator_port, bare_port = free_port(), free_port()
        command = emulator_command(pin, emulator_port, options)
        with running("emulator", command, emulator_port, HEALTH_PATH, log_dir) as emu:
            startup = [emu.startup_seconds]
            tokens = {client: token_for(emulator_port, client) for client in SECRETS}
            answers_file = log_dir / "answers.json"
            answers_file.write_text(json.dumps(record_answers(emulator_port, tokens, endpoints)))
            bare_command = [
                *pin.server,
                sys.executable,
                str(HERE / "bare_app.py"),
                "--port",
                str(bare_port),
                "--bodies",
                str(answers_file),
                *(["--with-headers"] if args.bare_with_headers else []),
            ]
            with running("bare", bare_command, bare_port, f"{API}/sipaccounts", log_dir) as bare:
                run_id = secrets.token_hex(2)
                for endpoint in endpoints:
                    rows.append(measure_endpoint(endpoint, emu, bare, tokens, run_id, generator, pin, args))
        startup += startup_samples(pin, args.startups - 1, log_dir, options)
    memory = memory_figures(pin, args.accounts, 100) if args.accounts > 0 else {}
    text = report(
        rows, memory, startup, header, args.connections, args.duration, args.rounds, (load_before, load_average())
    )
    text += f"\nWhole run: {time.perf_counter() - started:.0f} s.\n"
    print()
    print(text, end="")
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
