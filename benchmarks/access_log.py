"""What the access log costs: ``apidaze-mock`` as users start it against the same with ``--no-access-log``.

    .venv/bin/python benchmarks/access_log.py                      # list, 9 rounds of 4 s, about 1.5 minutes
    .venv/bin/python benchmarks/access_log.py --together           # both loaded at once (see below)
    .venv/bin/python benchmarks/access_log.py --endpoint create --rounds 5

Both servers are started as ``run.py`` starts the emulator (benchmark fixtures, on one core, the load generator on
the other), their output going to a file as a service manager's would. Each round loads one and then the other,
alternating which goes first; the figure is requests per CPU-second of each server process, and the cost is the
median over rounds of 1 - on / off. On a shared machine a burst of other work can land on one run of a round and not
the other; ``--together`` loads both servers at the same time instead (one load generator each, the servers sharing
their core), so whatever else runs slows both alike: a steadier ratio, if not what one user sees.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import threading
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from endpoints import ENDPOINTS, Endpoint
from report import Figures
from run import load, token_for
from servers import Pinning, Server, emulator_spec, pinning, running

VARIANTS = {"on": [], "off": ["--no-access-log"]}  # "on": the default flags


def one_run(
    generator: str,
    pin: Pinning,
    server: Server,
    endpoint: Endpoint,
    token: str | None,
    prefix: str,
    args: argparse.Namespace,
) -> Figures:
    figures = load(generator, pin, server, endpoint, token, prefix, args.connections, args.duration)
    if figures.unexpected:
        raise SystemExit(f"{figures.unexpected} unexpected answers from {server.spec.label}: {figures.wrong}")
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", choices=[e.name for e in ENDPOINTS], default="list")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--together", action="store_true", help="load both servers at the same time")
    args = parser.parse_args(argv)
    endpoint = next(e for e in ENDPOINTS if e.name == args.endpoint)
    generator = "wrk" if shutil.which("wrk") else "python"
    pin = pinning(enabled=True)
    mode = "both loaded at once" if args.together else "alternating"
    print(f"{endpoint.title}, {args.connections} connections, {generator}, {pin.description}, {mode}", flush=True)
    runs: dict[str, list[Figures]] = {name: [] for name in VARIANTS}
    with tempfile.TemporaryDirectory() as scratch, ExitStack() as stack:
        servers: dict[str, Server] = {}
        for name, options in VARIANTS.items():
            servers[name] = stack.enter_context(running(emulator_spec(name, options), pin, Path(scratch)))
        tokens = {name: token_for(server.port, endpoint.client) for name, server in servers.items() if endpoint.client}
        for name, server in servers.items():  # warm-up
            load(generator, pin, server, endpoint, tokens.get(name), f"w{name}", args.connections, 1)
        for number in range(args.rounds):
            order = list(servers) if number % 2 == 0 else list(reversed(servers))

            def measure(name: str, number: int = number) -> None:
                token = tokens.get(name)
                runs[name].append(one_run(generator, pin, servers[name], endpoint, token, f"r{number}{name}", args))

            if args.together:
                threads = [threading.Thread(target=measure, args=(name,)) for name in order]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
            else:
                for name in order:
                    measure(name)
            print(
                f"  round {number + 1}: "
                + ", ".join(
                    f"{name} {runs[name][-1].capacity:,.0f} req per CPU-s ({runs[name][-1].core_share:.0%} of the core)"
                    for name in VARIANTS
                ),
                flush=True,
            )
        lines = {name: server.log.read_text().count(" apidaze_mock.access: ") for name, server in servers.items()}
    costs = [1 - on.capacity / off.capacity for on, off in zip(runs["on"], runs["off"], strict=True)]
    on_median, off_median = (statistics.median(run.capacity for run in runs[name]) for name in VARIANTS)
    print(
        f"{endpoint.name}: access log on {on_median:,.0f}, off {off_median:,.0f} req per CPU-s (medians); "
        f"cost median {statistics.median(costs):.1%}, rounds {min(costs):.1%} to {max(costs):.1%}; "
        f"access lines written on / off: {lines['on']:,} / {lines['off']:,}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
