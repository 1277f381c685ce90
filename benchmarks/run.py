"""One run that compares the emulator as users start it with a bare app, Prism and WireMock, per endpoint.

    .venv/bin/python benchmarks/run.py                   # the full run, about 7 minutes
    .venv/bin/python benchmarks/run.py --smoke           # seconds: checks that the harness itself works
    .venv/bin/python benchmarks/run.py --output report.md

Five servers (``servers.py``): the emulator with its default flags (access log on, to a file), the emulator with
``--no-access-log``, a bare Starlette app on stock uvicorn answering from memory, ``prism mock`` on the contract,
and WireMock standalone with stubs made from the contract's examples. Each is pinned to one core and the load
generator to the other (taskset). Each endpoint is loaded in rounds; every round loads each server once, in an
order that rotates from round to round, so load from elsewhere on the shared machine falls on all of them. Figures
are medians over the rounds, ratios medians of the per-round ratios of requests per CPU-second. Then the start-up
time of the emulator and its memory with 100,000 SIP accounts created over HTTP. The load generator is wrk where
installed, else ``loadgen.py``. Prism and WireMock are optional: where missing, their columns are left out and the
report says why. The harness speaks to every server over HTTP only.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from endpoints import ENDPOINTS, FORM, SECRETS, TOKEN_PATH, Endpoint
from report import MIB, Figures, Row, checks, render
from servers import (
    HERE,
    SERVER_KEYS,
    Pinning,
    Server,
    ServerSpec,
    alone,
    call,
    pinning,
    running,
    server_specs,
    tool_version,
    tools_dir,
)
from stubs import load_contract, write_wiremock_root

LUA = HERE / "wrk" / "endpoint.lua"
REQUIRED = ("default", "bare")  # every ratio is against the bare app, every target on the default emulator


# --- load -----------------------------------------------------------------------------------------------------


def load(
    generator: str,
    pin: Pinning,
    server: Server,
    endpoint: Endpoint,
    token: str | None,
    prefix: str,
    connections: int,
    duration: float,
) -> Figures:
    request = endpoint.request(server.spec.kind)
    url = f"http://127.0.0.1:{server.port}{request.path}"
    arguments = [request.method, request.content_type or "-", token or "-", request.body or "-", prefix]
    arguments += request.headers
    if generator == "wrk":
        whole = f"-d{max(1, round(duration))}s"
        # A 10 s time-out (wrk's default is 2 s): a slow answer shows in p99, not as an error.
        wrk = ["wrk", "-t1", f"-c{connections}", whole, "--timeout", "10s", "-s", str(LUA), url, "--", *arguments]
        command = [*pin.load, *wrk]
    else:
        loadgen = [sys.executable, str(HERE / "loadgen.py"), url, *arguments]
        command = [*pin.load, *loadgen, f"--connections={connections}", f"--duration={duration}"]
    cpu_before = server.cpu_seconds()
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=False)  # noqa: S603
    cpu = server.cpu_seconds() - cpu_before
    line = next((text for text in done.stdout.splitlines() if text.startswith("WRK_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"load generator failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    raw: dict[str, Any] = json.loads(line.removeprefix("WRK_JSON "))
    statuses: dict[str, int] = raw["statuses"]
    wrong = {status: count for status, count in statuses.items() if status != str(endpoint.status)}
    if raw["socket_errors"]:
        wrong["socket"] = raw["socket_errors"]
    return Figures(
        requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6,
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        cpu_seconds=cpu,
        wrong=tuple(sorted(wrong.items())),
    )


def measure_endpoint(
    endpoint: Endpoint,
    servers: dict[str, Server],
    tokens: dict[str, dict[str, str]],
    row: Row,
    generator: str,
    pin: Pinning,
    args: argparse.Namespace,
) -> Row:
    """Warm every server up, then load them in turn, round after round, rotating which goes first."""
    run_id = secrets.token_hex(2)
    keys = list(servers)
    if args.warmup > 0:
        for index, key in enumerate(keys):
            token = endpoint.token(servers[key].spec.kind, tokens[key])
            with alone(servers[key], servers.values()):
                load(generator, pin, servers[key], endpoint, token, f"w{run_id}s{index}", args.connections, args.warmup)
    for number in range(args.rounds):
        shift = number % len(keys)
        for key in keys[shift:] + keys[:shift]:
            server = servers[key]
            token = endpoint.token(server.spec.kind, tokens[key])
            prefix = f"r{run_id}n{number}s{keys.index(key)}"
            with alone(server, servers.values()):
                figures = load(generator, pin, server, endpoint, token, prefix, args.connections, args.duration)
            row.runs.setdefault(key, []).append(figures)
            if args.verbose:
                print(
                    f"    {endpoint.name} round {number + 1} {key}: {figures.rate:,.0f} req/s, "
                    f"{figures.capacity:,.0f} req per CPU-s, {figures.core_share:.0%} of its core, "
                    f"p50 {figures.p50_ms:.2f} ms, p99 {figures.p99_ms:.2f} ms, {figures.unexpected} unexpected",
                    flush=True,
                )
    summary = ", ".join(f"{key} {row.median(key, 'capacity'):,.0f}" for key in keys)
    print(f"  {endpoint.name}: requests per CPU-second: {summary}", flush=True)
    return row


# --- before the load: tokens, answers, checks ------------------------------------------------------------------


def token_for(port: int, client_id: str) -> str:
    form = urlencode({"client_id": client_id, "client_secret": SECRETS[client_id]})
    status, body = call(port, "POST", TOKEN_PATH, form, {"Content-Type": FORM})
    if status != 200:
        raise RuntimeError(f"no token for {client_id}: {status} {body!r}")
    value: str = json.loads(body)["access_token"]
    return value


def check_answer(server: Server, endpoint: Endpoint, token: str | None) -> tuple[int, bytes]:
    """One request as the load sends it; the throttled client's first call of its window is the one 200."""
    request = endpoint.request(server.spec.kind)
    body = request.body.replace("{n}", f"check{server.spec.key.replace('-', '')}") if request.body else None
    status, answer = call(server.port, request.method, request.path, body, request.header_map(token))
    if endpoint.status == 429 and status == 200:
        status, answer = call(server.port, request.method, request.path, body, request.header_map(token))
    return status, answer


def start(spec: ServerSpec, pin: Pinning, work: Path, stack: contextlib.ExitStack) -> Server | str:
    """The server, stopped when ``stack`` closes; for Prism or WireMock, why it did not start instead."""
    try:
        return stack.enter_context(running(spec, pin, work))
    except RuntimeError as error:
        if spec.kind != "mock":
            raise
        print(f"  {spec.key}: not measured: {error}", flush=True)
        return f"did not start: {error}"


def check_server(
    server: Server, endpoints: Sequence[Endpoint], rows: Sequence[Row], tokens: dict[str, str], work: Path
) -> None:
    """One request per endpoint before the load: each must get its status (Prism's and WireMock's are only warned
    about, and counted under load). The default emulator answers every endpoint, for the bare app to serve."""
    key = server.spec.key
    answers: dict[str, dict[str, Any]] = {}
    rows_by_name = {row.endpoint.name: row for row in rows}
    for endpoint in ENDPOINTS if key == "default" else endpoints:
        status, answer = check_answer(server, endpoint, endpoint.token(server.spec.kind, tokens))
        if endpoint.name in rows_by_name:
            rows_by_name[endpoint.name].answer_bytes[key] = len(answer)
        answers[endpoint.name] = {"status": status, "body": answer.decode()}
        if status != endpoint.status:
            problem = f"{key}, {endpoint.name}: expected {endpoint.status}, got {status}: {answer[:300]!r}"
            if server.spec.kind != "mock":
                raise RuntimeError(problem)
            print(f"  WARNING {problem} (counted as unexpected answers)", flush=True)
    if key == "default":
        (work / "answers.json").write_text(json.dumps(answers), encoding="utf-8")


def jit_warmup(
    server: Server,
    endpoints: Sequence[Endpoint],
    tokens: dict[str, str],
    generator: str,
    pin: Pinning,
    args: argparse.Namespace,
) -> None:
    """Load over every endpoint before anything is measured: Node's and the JVM's compilers need it."""
    if args.jit_warmup <= 0:
        return
    print(f"  {server.spec.key}: {args.jit_warmup:g} s of load over every endpoint, for its JIT compiler", flush=True)
    each = args.jit_warmup / len(endpoints)
    for endpoint in endpoints:
        token = endpoint.token(server.spec.kind, tokens)
        load(generator, pin, server, endpoint, token, f"jit{endpoint.name}", args.connections, each)


# --- memory and start-up --------------------------------------------------------------------------------------


def memory_figures(spec: ServerSpec, pin: Pinning, work: Path, accounts: int, clients: int) -> dict[str, Any]:
    """Start the emulator as users do, create the accounts over HTTP, and read its resident memory."""
    with running(spec, pin, work) as server:
        empty = server.memory("VmRSS")
        command = [
            *pin.load,
            sys.executable,
            str(HERE / "memory.py"),
            f"--port={server.port}",
            f"--accounts={accounts}",
            f"--clients={clients}",
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603
        line = next((text for text in done.stdout.splitlines() if text.startswith("MEMORY_JSON ")), None)
        if done.returncode != 0 or line is None:
            raise RuntimeError(f"memory.py failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        figures: dict[str, Any] = json.loads(line.removeprefix("MEMORY_JSON "))
        figures.update(rss=server.memory("VmRSS"), peak=server.memory("VmHWM"), empty=empty)
        figures["startup"] = server.startup_seconds
        return figures


def startup_samples(spec: ServerSpec, pin: Pinning, work: Path, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        with running(spec, pin, work) as server:
            samples.append(server.startup_seconds)
    return samples


# --- the report's header --------------------------------------------------------------------------------------


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def load_average() -> str:
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "unknown"


def git_commit() -> str:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run(  # noqa: S603
            ["git", "-C", str(HERE.parent), "describe", "--always", "--dirty"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if done.returncode == 0:
            return done.stdout.strip()
    return "unknown"


def machine_lines(generator: str, pin: Pinning, specs: dict[str, ServerSpec]) -> list[str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    if generator == "wrk":
        load_generator = f"wrk ({tool_version(['wrk', '--version']).split('[')[0].strip()}, 1 thread)"
    else:
        load_generator = "python (benchmarks/loadgen.py: without wrk, rates are a floor and p99 includes its own)"
    packages = ", ".join(
        f"{name} {package_version(name)}" for name in ("apidaze-mock", "starlette", "uvicorn", "httptools", "uvloop")
    )
    tools = "; ".join(
        f"{spec.label}: {spec.version} {tool_version(spec.version_command)}".replace("  ", " ")
        for spec in specs.values()
        if spec.version_command
    )
    return [
        f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, commit {git_commit()}",
        f"- machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}; {packages}" + (f"; {tools}" if tools else ""),
        f"- load generator: {load_generator}",
        f"- pinning: {pin.description}",
        f"- command: `{' '.join([Path(sys.executable).name, *sys.argv])}`",
    ]


# --- the run --------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per load run, whole with wrk (default: 3)")
    parser.add_argument("--rounds", type=int, default=3, help="load runs per server and endpoint (default: 3)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of unmeasured load first (default: 2)")
    parser.add_argument(
        "--jit-warmup",
        type=float,
        default=18.0,
        help="seconds of load over all endpoints for Prism and WireMock after they start, before anything is "
        "measured: Node's and the JVM's compilers need it (default: 18)",
    )
    parser.add_argument(
        "--endpoints", default=",".join(e.name for e in ENDPOINTS), help="comma-separated subset of: %(default)s"
    )
    parser.add_argument(
        "--servers",
        help=f"comma-separated subset of: {','.join(SERVER_KEYS)} (default: all; default and bare are always in)",
    )
    parser.add_argument("--accounts", type=int, default=100_000, help="accounts for the memory figure (0: skip)")
    parser.add_argument("--clients", type=int, default=100, help="clients the accounts are spread over")
    parser.add_argument("--startups", type=int, default=3, help="start-up samples of the emulator (default: 3)")
    parser.add_argument("--load-generator", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--no-pin", action="store_true", help="do not pin processes to cores with taskset")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="check the harness in seconds: list only, one 1-second round, the three Python servers (Prism's "
        "contract and WireMock's stubs are still written), 1,000 accounts, 2 start-ups",
    )
    parser.add_argument("--verbose", action="store_true", help="print every load run as it ends")
    parser.add_argument("--output", type=Path, help="also write the report (Markdown) to this file")
    args = parser.parse_args(argv)
    if args.smoke:
        args.duration, args.rounds, args.warmup, args.jit_warmup, args.endpoints = 1.0, 1, 0.0, 0.0, "list"
        args.accounts, args.clients, args.startups = min(args.accounts, 1000), 10, 2
        args.servers = args.servers or "default,no-access-log,bare"
    args.servers = args.servers or ",".join(SERVER_KEYS)
    for option, known in (("endpoints", [e.name for e in ENDPOINTS]), ("servers", SERVER_KEYS)):
        unknown = set(getattr(args, option).split(",")) - set(known)
        if unknown:
            parser.error(f"unknown {option[:-1]}(s): {', '.join(sorted(unknown))}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    # A SIGTERM (a test runner's timeout, a CI stop) unwinds like Ctrl-C, so the servers started here are stopped.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    args = parse_args(argv)
    endpoints = [e for e in ENDPOINTS if e.name in args.endpoints.split(",")]
    wanted = set(args.servers.split(",")) | set(REQUIRED)
    generator = args.load_generator
    if generator == "auto":
        generator = "wrk" if shutil.which("wrk") else "python"
    pin = pinning(not args.no_pin)
    started = time.perf_counter()
    load_before = load_average()
    every = server_specs(tools_dir())
    skipped = {key: spec.missing for key, spec in every.items() if key in wanted and spec.missing}
    specs = {key: spec for key, spec in every.items() if key in wanted and not spec.missing}
    not_chosen = [key for key in SERVER_KEYS if key not in wanted]
    header = machine_lines(generator, pin, specs)
    if not_chosen:
        header.append(f"- left out by --servers: {', '.join(not_chosen)}")
    print("\n".join(header), flush=True)
    for key, reason in skipped.items():
        print(f"  {key}: not measured: {reason}", flush=True)

    rows = [Row(endpoint) for endpoint in endpoints]
    startups: dict[str, float] = {}
    peak_rss: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="apidaze-bench-") as temp:
        work = Path(temp)
        contract = load_contract()
        write_wiremock_root(work / "wiremock", contract)
        print(f"  WireMock's {len(ENDPOINTS)} stubs written to {work}", flush=True)
        with contextlib.ExitStack() as stack:
            servers: dict[str, Server] = {}
            tokens: dict[str, dict[str, str]] = {}
            for key in [key for key in SERVER_KEYS if key in specs]:  # default first: it records the bare answers
                server = start(specs[key], pin, work, stack)
                if isinstance(server, str):
                    skipped[key] = server
                    del specs[key]
                    continue
                servers[key], startups[key] = server, server.startup_seconds
                # Each emulator issues its own tokens; the bare app gets the default emulator's, Prism and WireMock
                # one of their own (endpoints.MOCK_TOKEN).
                own = server.spec.kind == "emulator"
                tokens[key] = (
                    {client: token_for(server.port, client) for client in SECRETS} if own else tokens["default"]
                )
                check_server(server, endpoints, rows, tokens[key], work)
                if server.spec.kind == "mock":
                    jit_warmup(server, endpoints, tokens[key], generator, pin, args)
            for endpoint, row in zip(endpoints, rows, strict=True):
                measure_endpoint(endpoint, servers, tokens, row, generator, pin, args)
            peak_rss = {key: server.memory("VmHWM") for key, server in servers.items()}
        startup = [startups["default"]]
        memory: dict[str, Any] | None = None
        if args.accounts > 0:
            memory = memory_figures(specs["default"], pin, work, args.accounts, args.clients)
            startup.append(memory["startup"])
        startup += startup_samples(specs["default"], pin, work, max(0, args.startups - len(startup)))

    lines = [
        *header,
        f"- load: {args.connections} connections; Prism and WireMock first get {args.jit_warmup:g} s of load over "
        f"all endpoints (JIT warm-up); per endpoint {args.warmup:g} s of warm-up per server, then {args.rounds} "
        f"round(s) of {args.duration:g} s per server, the order rotating each round",
        f"- load average (1, 5, 15 min) before / after: {load_before} / {load_average()}",
        "",
        *render(rows, specs, startups, peak_rss, skipped, checks(rows, memory["rss"] if memory else None, startup)),
    ]
    if memory:
        lines.append(
            f"\nMemory: {memory['accounts']:,} SIP accounts created over HTTP across {memory['clients']} clients "
            f"in {memory['seconds']:.0f} s ({memory['unexpected']} other answers): RSS {memory['rss'] / MIB:.1f} MiB "
            f"(peak {memory['peak'] / MIB:.1f} MiB; {memory['empty'] / MIB:.1f} MiB before)."
        )
    lines.append(
        f"\nStart-up of the emulator, process start to the first 200 on /__admin/health: median "
        f"{statistics.median(startup):.2f} s of {len(startup)} ({', '.join(f'{s:.2f}' for s in startup)})."
    )
    lines.append(f"\nWhole run: {time.perf_counter() - started:.0f} s.")
    text = "\n".join(lines) + "\n"
    print()
    print(text, end="")
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
