"""What the access log costs: ``apidaze-mock`` as users start it against the same with ``--no-access-log``.

    .venv/bin/python benchmarks/access_log.py                      # list, 7 rounds of 5 s, about 2 minutes
    .venv/bin/python benchmarks/access_log.py --endpoint create --rounds 5

Both servers are started as ``run.py`` starts the emulator (benchmark fixtures, one core, the load generator on the
other), their output going to a file as a service manager's would. Each round loads one and then the other,
alternating which goes first; the figure is requests per CPU-second of the server process, and the cost is the
median over rounds of 1 - (on / off).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from collections.abc import Sequence
from pathlib import Path

from run import (
    ENDPOINTS,
    HEALTH_PATH,
    emulator_command,
    free_port,
    load,
    pinning,
    running,
    token_for,
)

VARIANTS = {"access log on (default)": [], "--no-access-log": ["--no-access-log"]}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", choices=[e.name for e in ENDPOINTS], default="list")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per run")
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args(argv)
    endpoint = next(e for e in ENDPOINTS if e.name == args.endpoint)
    generator = "wrk" if shutil.which("wrk") else "python"
    pin = pinning(enabled=True)
    print(f"{endpoint.title}, {args.connections} connections, {generator}, {pin.description}", flush=True)
    figures: dict[str, list[float]] = {name: [] for name in VARIANTS}
    with tempfile.TemporaryDirectory() as scratch:
        log_dir = Path(scratch)
        with (
            running("on", emulator_command(pin, port_on := free_port(), []), port_on, HEALTH_PATH, log_dir) as on,
            running(
                "off",
                emulator_command(pin, port_off := free_port(), ["--no-access-log"]),
                port_off,
                HEALTH_PATH,
                log_dir,
            ) as off,
        ):
            servers = dict(zip(VARIANTS, (on, off), strict=True))
            tokens = (
                {name: token_for(server.port, endpoint.client) for name, server in servers.items()}
                if endpoint.client
                else {}
            )
            for name, server in servers.items():  # warm-up
                load(
                    generator,
                    pin,
                    server,
                    endpoint.path,
                    endpoint,
                    tokens.get(name),
                    f"w{name[:2]}",
                    args.connections,
                    1,
                )
            for number in range(args.rounds):
                order = list(servers) if number % 2 == 0 else list(reversed(servers))
                for name in order:
                    run = load(
                        generator,
                        pin,
                        servers[name],
                        endpoint.path,
                        endpoint,
                        tokens.get(name),
                        f"r{number}{name[:2]}",
                        args.connections,
                        args.duration,
                    )
                    if run.unexpected:
                        raise SystemExit(f"{run.unexpected} unexpected answers from {name}")
                    figures[name].append(run.capacity)
                    print(
                        f"  round {number + 1} {name}: {run.capacity:,.0f} req per CPU-s, {run.rate:,.0f} req/s, "
                        f"p99 {run.p99_ms:.2f} ms, {run.core_share:.0%} of its core",
                        flush=True,
                    )
            lines = (on.log.read_text().count("apidaze_mock.access"), off.log.read_text().count("apidaze_mock.access"))
    on_runs, off_runs = figures.values()
    costs = [1 - a / b for a, b in zip(on_runs, off_runs, strict=True)]
    print(
        f"{endpoint.name}: access log on {statistics.median(on_runs):,.0f}, off {statistics.median(off_runs):,.0f} "
        f"req per CPU-s (medians); cost per round {', '.join(f'{c:.1%}' for c in costs)}; "
        f"median cost {statistics.median(costs):.1%}; access lines written on / off: {lines[0]:,} / {lines[1]:,}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
