"""Profile the emulator under load on one endpoint with py-spy, and print where the time goes.

    pip install py-spy
    .venv/bin/python benchmarks/pyspy_profile.py list --seconds 10 [--keep profile.txt]

Starts the emulator as ``run.py`` does (default flags, so access log on, unless ``--no-access-log``), loads one
endpoint with the same load generator, samples the server with ``py-spy record --nonblocking`` (collapsed stacks),
and prints the functions with the most samples on the stack (inclusive) and at the top of it (self), with their
share of all samples.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from endpoints import ENDPOINTS, SECRETS
from run import load, token_for
from servers import pinning, running, server_specs, tools_dir


def summarise(collapsed: str, top: int) -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
    lines = [f"{total} samples", "", "inclusive (on the stack):"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(top)]
    lines += ["", "self (top of the stack):"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(top)]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("endpoint", choices=[e.name for e in ENDPOINTS])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--keep", type=Path, help="also save the collapsed stacks here")
    parser.add_argument("--no-access-log", action="store_true", help="profile the emulator with its access log off")
    args = parser.parse_args(argv)
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    endpoint = next(e for e in ENDPOINTS if e.name == args.endpoint)
    pin = pinning(True)
    generator = "wrk" if shutil.which("wrk") else "python"
    spec = server_specs(tools_dir())["no-access-log" if args.no_access_log else "default"]
    with tempfile.TemporaryDirectory(prefix="apidaze-profile-") as temp, running(spec, pin, Path(temp)) as server:
        tokens = {client: token_for(server.port, client) for client in SECRETS}
        token = endpoint.token("emulator", tokens)
        result: list[object] = []
        driver = threading.Thread(
            target=lambda: result.append(
                load(generator, pin, server, endpoint, token, "p", args.connections, args.seconds + 2)
            )
        )
        driver.start()
        out = Path(temp) / "stacks.txt"
        subprocess.run(  # noqa: S603
            [
                *pin.load,
                py_spy,
                "record",
                "--nonblocking",
                "--rate",
                "250",
                "--duration",
                str(args.seconds),
                "--format",
                "raw",
                "--output",
                str(out),
                "--pid",
                str(server.process.pid),
            ],
            check=True,
            capture_output=True,
        )
        driver.join()
        collapsed = out.read_text()
    if args.keep:
        args.keep.write_text(collapsed)
    print(f"{endpoint.title}: {result[0] if result else 'no load figures'}")
    print(summarise(collapsed, args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
