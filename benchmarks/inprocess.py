"""Microseconds of CPU per request through the ASGI apps themselves, no server and no sockets.

A quick check while optimising: it calls the emulator and the bare app directly with the benchmark's requests
and measures process CPU time, so load from elsewhere on the machine barely moves it. It leaves out uvicorn, so
its ratios are far below run.py's: use it to compare changes, and run.py for the figures.

    .venv/bin/python benchmarks/inprocess.py [--requests 20000] [--profile list]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import json
import pstats
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from bare_app import Answer, create_bare_app
from endpoints import ENDPOINTS, FORM, SECRETS, TOKEN_PATH, Endpoint
from servers import FIXTURES
from starlette.types import ASGIApp, Message

from mock_server.app import create_app

_UNIQUE = itertools.count()


def scope_for(method: str, target: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    path, _, query = target.partition("?")
    raw = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    raw += [(b"host", b"127.0.0.1:8080"), (b"content-length", str(len(body)).encode())]
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": raw,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8080),
        "state": {},
    }


async def call(app: ASGIApp, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
    scope = scope_for(method, target, headers, body)
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        else:
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def measure(app: ASGIApp, endpoint: Endpoint, kind: str, token: str | None, count: int) -> float:
    request = endpoint.request(kind)
    headers = request.header_map(token)
    bodies = [(request.body or "").replace("{n}", f"user{next(_UNIQUE)}").encode() for _ in range(count)]
    started = time.process_time()
    for body in bodies:
        status, answer = await call(app, request.method, request.path, headers, body)
        if status != endpoint.status:
            raise RuntimeError(f"{endpoint.name}: {status} {answer!r}")
    return (time.process_time() - started) / count * 1e6


async def main_async(count: int, profile: str | None, cumulative: bool) -> None:
    emulator = create_app(FIXTURES)
    tokens: dict[str, str] = {}
    for client, secret in SECRETS.items():
        form = urlencode({"client_id": client, "client_secret": secret}).encode()
        _, answer = await call(emulator, "POST", TOKEN_PATH, {"Content-Type": FORM}, form)
        tokens[client] = json.loads(answer)["access_token"]
    throttled = next(endpoint for endpoint in ENDPOINTS if endpoint.name == "throttled")
    # The throttled client's one call of its window, so every measured call gets the 429.
    await call(emulator, "GET", throttled.path, {"Authorization": f"Bearer {tokens['bench-throttled']}"}, b"")
    answers: dict[str, Answer] = {endpoint.name: (endpoint.status, b"{}") for endpoint in ENDPOINTS}
    bare = create_bare_app(answers)
    for endpoint in ENDPOINTS:
        token = endpoint.token("emulator", tokens)
        if profile == endpoint.name:
            profiler = cProfile.Profile()
            profiler.enable()
            await measure(emulator, endpoint, "emulator", token, count)
            profiler.disable()
            sort = "cumulative" if cumulative else "tottime"
            pstats.Stats(profiler).sort_stats(sort).print_stats(30)
            continue
        await measure(emulator, endpoint, "emulator", token, count // 10)  # warm up
        # The best of three: noise from elsewhere on the machine only ever adds time.
        emu = min([await measure(emulator, endpoint, "emulator", token, count) for _ in range(3)])
        ceiling = min([await measure(bare, endpoint, "bare", token, count) for _ in range(3)])
        print(f"{endpoint.name:10} emulator {emu:6.1f} us  bare {ceiling:5.1f} us  extra {emu - ceiling:6.1f} us")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--profile", choices=[e.name for e in ENDPOINTS], help="cProfile this endpoint instead")
    parser.add_argument("--cumulative", action="store_true", help="sort the profile by cumulative time")
    args = parser.parse_args(argv)
    asyncio.run(main_async(args.requests, args.profile, args.cumulative))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
