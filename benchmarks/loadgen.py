"""A small closed-loop HTTP/1.1 load generator: the fallback of ``benchmarks/run.py`` where wrk is not installed.

Same model as wrk: ``connections`` keep-alive connections, each sending its next request as soon as the last
answer is in, for ``duration`` seconds. Same arguments as the wrk script (``{n}`` in the body becomes a unique
value, each extra argument is one more header) and the same one-line output, ``WRK_JSON {...}``. Being Python, it
tops out at far fewer requests per second than wrk, so its figures are a floor, and run.py says which generator it
used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from collections.abc import Sequence
from urllib.parse import urlsplit


def request_bytes(method: str, host: str, path: str, headers: dict[str, str], body: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    encoded = body.encode()
    if encoded or method in ("POST", "PUT"):
        lines.append(f"Content-Length: {len(encoded)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + encoded


async def read_answer(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length, chunked = 0, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
    if chunked:  # WireMock's answers
        while size := int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16):
            await reader.readexactly(size + 2)
        while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers, then the blank line
            pass
    elif length:
        await reader.readexactly(length)
    return status


async def run(
    url: str,
    method: str,
    content_type: str | None,
    token: str | None,
    body: str | None,
    prefix: str,
    connections: int,
    duration: float,
    extra_headers: Sequence[str] = (),
) -> dict[str, object]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = dict(line.split(": ", 1) for line in extra_headers)
    if content_type:
        headers["Content-Type"] = content_type
    if token:
        headers["Authorization"] = f"Bearer {token}"
    template = body or ""
    fixed = None if "{n}" in template else request_bytes(method, parts.netloc, path, headers, template)
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    socket_errors = 0
    counter = 0
    deadline = time.perf_counter() + duration

    async def connection(number: int) -> None:
        nonlocal counter, socket_errors
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            socket_errors += 1
            return
        try:
            while time.perf_counter() < deadline:
                if fixed is None:
                    counter += 1
                    payload = template.replace("{n}", f"{prefix}{number}x{counter}")
                    request = request_bytes(method, parts.netloc, path, headers, payload)
                else:
                    request = fixed
                started = time.perf_counter()
                writer.write(request)
                status = await read_answer(reader)
                latencies.append(time.perf_counter() - started)
                statuses[str(status)] += 1
        except (OSError, asyncio.IncompleteReadError):
            socket_errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection(number) for number in range(connections)))
    elapsed = time.perf_counter() - started
    latencies.sort()

    def percentile(fraction: float) -> int:
        if not latencies:
            return 0
        return round(latencies[min(len(latencies) - 1, int(fraction * len(latencies)))] * 1e6)

    return {
        "requests": len(latencies),
        "duration_us": round(elapsed * 1e6),
        "p50_us": percentile(0.50),
        "p99_us": percentile(0.99),
        "max_us": round(latencies[-1] * 1e6) if latencies else 0,
        "socket_errors": socket_errors,
        "statuses": dict(statuses),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("method")
    parser.add_argument("content_type", help='"-" for none')
    parser.add_argument("token", help='"-" for none')
    parser.add_argument("body", help='"-" for none; "{n}" becomes a unique value per request')
    parser.add_argument("prefix")
    parser.add_argument("headers", nargs="*", help='more headers, each "Name: value"')
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=5.0)
    args = parser.parse_args(argv)

    def given(value: str) -> str | None:
        return None if value == "-" else value

    figures = asyncio.run(
        run(
            args.url,
            args.method,
            given(args.content_type),
            given(args.token),
            given(args.body),
            args.prefix,
            args.connections,
            args.duration,
            args.headers,
        )
    )
    print("WRK_JSON " + json.dumps(figures), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
