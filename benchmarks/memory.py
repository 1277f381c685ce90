"""Fill a running emulator with SIP accounts the way users do, over HTTP, for the memory figure.

Registers ``--clients`` clients through the control plane (``POST /__admin/clients``), logs each in, and creates
``--accounts`` SIP accounts spread over them through the API (``POST .../sipaccounts``, every optional field set,
typical lengths), on 16 keep-alive connections. ``benchmarks/run.py`` then reads the server's resident memory.
Prints one line, ``MEMORY_JSON {...}``: accounts created, clients, seconds, and answers other than 200 (a
create, response style kpn).

    python benchmarks/memory.py --port 8080 --accounts 100000 --clients 100
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Sequence
from urllib.parse import urlencode

from endpoints import API, FORM, JSON, TOKEN_PATH
from loadgen import read_answer, request_bytes
from servers import call

CONNECTIONS = 16


def register(port: int, clients: int) -> list[str]:
    """New clients, one token each."""
    tokens = []
    for number in range(clients):
        client_id = f"memory-client-{number:03d}"
        secret = f"{client_id}-secret"
        body = json.dumps({"client_id": client_id, "client_secret": secret})
        status, answer = call(port, "POST", "/__admin/clients", body, {"Content-Type": JSON})
        if status != 201:
            raise RuntimeError(f"POST /__admin/clients: {status} {answer!r}")
        form = urlencode({"client_id": client_id, "client_secret": secret})
        status, answer = call(port, "POST", TOKEN_PATH, form, {"Content-Type": FORM})
        if status != 200:
            raise RuntimeError(f"token for {client_id}: {status} {answer!r}")
        tokens.append(json.loads(answer)["access_token"])
    return tokens


def account_form(index: int, client: int) -> str:
    return urlencode(
        {
            "username": f"user{index:06d}",
            "name": f"Extension {index:06d} of memory-client-{client:03d}",
            "internal_caller_id_number": str(100 + index % 900),
            "external_caller_id_number": f"+3120{index:07d}",
            "mwi_account": f"user{index:06d}@voicemail",
        }
    )


async def create_accounts(port: int, tokens: list[str], accounts: int) -> tuple[int, int]:
    """Create ``accounts`` accounts round-robin over the clients; answers 200 (created, style kpn) and others."""
    pending = list(range(accounts))
    pending.reverse()
    created = other = 0

    async def connection() -> None:
        nonlocal created, other
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while pending:
                number = pending.pop()
                index, client = divmod(number, len(tokens))
                headers = {"Content-Type": FORM, "Authorization": f"Bearer {tokens[client]}"}
                writer.write(
                    request_bytes(
                        "POST", f"127.0.0.1:{port}", f"{API}/sipaccounts", headers, account_form(index, client)
                    )
                )
                if await read_answer(reader) == 200:
                    created += 1
                else:
                    other += 1
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
    return created, other


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=100)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    tokens = register(args.port, args.clients)
    created, other = asyncio.run(create_accounts(args.port, tokens, args.accounts))
    figures = {
        "accounts": created,
        "clients": len(tokens),
        "seconds": round(time.perf_counter() - started, 2),
        "unexpected": other,
    }
    print("MEMORY_JSON " + json.dumps(figures), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
