"""Memory figure: the emulator's RSS after storing N SIP accounts spread over M clients.

Builds the app as ``apidaze-mock`` does (``create_app`` with the benchmark fixtures, which also loads the OpenAPI
file and compiles its validators), adds M clients, stores N accounts through the tenant stores' own ``create``,
then reads its own resident set size from ``/proc/self/status``. Prints one line, ``MEMORY_JSON {...}``.

    python benchmarks/memory.py --accounts 100000 --clients 100
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
from collections.abc import Sequence
from pathlib import Path

from mock_server.app import create_app
from mock_server.domain.clients import Client, QuotaPolicy

HERE = Path(__file__).resolve().parent


def rss_bytes() -> tuple[int, int]:
    """Current and peak resident set size of this process."""
    current = peak = 0
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                current = int(line.split()[1]) * 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) * 1024
    if not peak:  # no procfs: ru_maxrss is KiB on Linux, bytes on macOS; this is only a fallback
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        current = current or peak
    return current, peak


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--fixtures", type=Path, default=HERE / "fixtures.yaml")
    args = parser.parse_args(argv)

    app = create_app(args.fixtures)
    gc.collect()
    empty, _ = rss_bytes()
    state = app.state
    per_client, extra = divmod(args.accounts, args.clients)
    for number in range(args.clients):
        client_id = f"memory-client-{number:03d}"
        state.clients.add(Client(client_id, f"{client_id}-secret", f"{client_id}.apidaze.local", QuotaPolicy()))
        store = state.backends[client_id].sip_accounts
        for index in range(per_client + (1 if number < extra else 0)):
            # Fields as a real client fills them: every optional field set, typical lengths.
            store.create(
                f"user{index:06d}",
                {
                    "username": f"user{index:06d}",
                    "name": f"Extension {index:06d} of {client_id}",
                    "internal_caller_id_number": str(100 + index % 900),
                    "external_caller_id_number": f"+3120{index:07d}",
                    "mwi_account": f"user{index:06d}@voicemail",
                },
            )
    gc.collect()
    stored = sum(len(state.backends[client_id].sip_accounts.list()) for client_id in state.backends.client_ids())
    current, peak = rss_bytes()
    figures = {
        "accounts": stored,
        "clients": len(state.backends.client_ids()),
        "rss_empty_bytes": empty,
        "rss_bytes": current,
        "peak_rss_bytes": peak,
    }
    print("MEMORY_JSON " + json.dumps(figures), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
