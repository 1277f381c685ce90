"""What the emulator's answer head costs on stock uvicorn: the bare app with and without the emulator's headers.

    .venv/bin/python benchmarks/header_cost.py                    # read, 5 rounds of 3 s, about a minute
    .venv/bin/python benchmarks/header_cost.py --endpoint list --rounds 7

Every API answer of the emulator carries KPN's 13 headers and the five ``quota-*`` headers (more than the bare app's
content type and length), and uvicorn's protocol checks and writes each answer header in Python. This script starts
the emulator as ``run.py`` does, records one real answer of the endpoint with its headers, then serves that answer
from two bare apps on stock uvicorn (``bare_app.py``): one with only its own headers, one with the emulator's as well.
Each round loads the emulator and both bare apps, one after the other, on one core with the load generator on the
other, the two not being loaded paused; the figure is CPU microseconds of the server per request. The difference
between the two bare apps is the head's cost alone; the rest of the emulator's figure is its own work
(``inprocess.py`` splits that by layer).
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import statistics
import sys
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from endpoints import API, ENDPOINTS, Endpoint
from run import load, token_for
from servers import HERE, ServerSpec, alone, emulator_spec, pinning, running

# Headers the bare app's own stack writes already (uvicorn or Starlette's Response), so not counted twice.
OWN_HEADERS = {"content-length", "content-type", "date", "server"}


def recorded_answer(port: int, endpoint: Endpoint, token: str | None) -> tuple[int, str, list[tuple[str, str]]]:
    """One real answer of the emulator: status, body and the headers the bare app does not write itself."""
    request = endpoint.request("emulator")
    body = request.body.replace("{n}", "headercost") if request.body else None
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request(request.method, request.path, body=body, headers=request.header_map(token))
        answer = connection.getresponse()
        content = answer.read().decode()
        headers = [(name, value) for name, value in answer.getheaders() if name.lower() not in OWN_HEADERS]
        return answer.status, content, headers
    finally:
        connection.close()


def bare_spec(key: str, work: Path, headers: bool) -> ServerSpec:
    argv = [sys.executable, str(HERE / "bare_app.py"), "--port", "{port}", "--bodies", str(work / "answers.json")]
    if headers:
        argv += ["--headers", str(work / "headers.json")]
    return ServerSpec(key, key, "bare", tuple(argv), f"{API}/sipaccounts")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    choices = [endpoint.name for endpoint in ENDPOINTS if endpoint.name != "throttled"]
    parser.add_argument("--endpoint", choices=choices, default="read")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per run")
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args(argv)
    endpoint = next(e for e in ENDPOINTS if e.name == args.endpoint)
    generator = "wrk" if shutil.which("wrk") else "python"
    pin = pinning(enabled=True)
    print(f"{endpoint.title}, {args.connections} connections, {generator}, {pin.description}", flush=True)
    with tempfile.TemporaryDirectory() as scratch, ExitStack() as stack:
        work = Path(scratch)
        emulator = stack.enter_context(running(emulator_spec("default"), pin, work))
        token = token_for(emulator.port, endpoint.client) if endpoint.client else None
        status, body, headers = recorded_answer(emulator.port, endpoint, token)
        if status != endpoint.status:
            raise SystemExit(f"the emulator answered {status}, not {endpoint.status}: {body[:300]}")
        # The recorded answer under every name, so the bare app's readiness check (a list) finds one too.
        answer = {"status": status, "body": body}
        (work / "answers.json").write_text(json.dumps({other.name: answer for other in ENDPOINTS}))
        (work / "headers.json").write_text(json.dumps(headers))
        print(f"  the emulator's answer carries {len(headers)} headers beyond the bare app's own", flush=True)
        servers = {
            "emulator": emulator,
            "bare": stack.enter_context(running(bare_spec("bare", work, False), pin, work)),
            "bare + headers": stack.enter_context(running(bare_spec("bare-headers", work, True), pin, work)),
        }
        tokens = {name: token if name == "emulator" else None for name in servers}
        for name, server in servers.items():  # warm-up
            load(generator, pin, server, endpoint, tokens[name], f"w{name[0]}", args.connections, 1)
        micros: dict[str, list[float]] = {name: [] for name in servers}
        for number in range(args.rounds):
            names = list(servers)
            for name in names[number % len(names) :] + names[: number % len(names)]:
                with alone(servers[name], servers.values()):
                    figures = load(
                        generator,
                        pin,
                        servers[name],
                        endpoint,
                        tokens[name],
                        f"r{number}{name[0]}",
                        args.connections,
                        args.duration,
                    )
                if figures.unexpected:
                    raise SystemExit(f"{figures.unexpected} unexpected answers from {name}: {figures.wrong}")
                micros[name].append(1e6 / figures.capacity)
            print("  round", number + 1, ", ".join(f"{name} {micros[name][-1]:.1f} us" for name in servers), flush=True)
    median = {name: statistics.median(values) for name, values in micros.items()}
    head = [with_h - without for with_h, without in zip(micros["bare + headers"], micros["bare"], strict=True)]
    print(
        f"{endpoint.name}: CPU per request (medians): bare {median['bare']:.1f} us, bare + the emulator's "
        f"{len(headers)} headers {median['bare + headers']:.1f} us, emulator {median['emulator']:.1f} us; "
        f"the head alone {statistics.median(head):.1f} us (rounds {min(head):.1f} to {max(head):.1f}), "
        f"{statistics.median(head) / (median['emulator'] - median['bare']):.0%} of the emulator's extra"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
