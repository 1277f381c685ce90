"""The ceiling the emulator is measured against: a bare Starlette app on stock uvicorn that answers from memory.

It serves the emulator's own answers, byte for byte (``benchmarks/run.py`` records one real answer per endpoint
and passes them in a JSON file), on the same paths, with a body read for POST and PUT as any handler would. No
auth, quota, validation, state or extra headers: what is left is the cost of uvicorn and Starlette themselves.
Served by a plain ``uvicorn.Config``: uvicorn's own HTTP protocol with the loop and parser it picks (uvloop and
httptools where installed), one worker, with the emulator's server settings (access log and proxy headers off, no
lifespan, no WebSockets).

    python benchmarks/bare_app.py --port 8090 --bodies answers.json
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import uvicorn
from endpoints import API, THROTTLED_BARE_PATH, TOKEN_PATH
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

Answer = tuple[int, bytes]


def create_bare_app(answers: dict[str, Answer], headers: Sequence[tuple[str, str]] = ()) -> Starlette:
    """``answers`` maps an endpoint name (token, list, read, create, update, throttled) to status and body;
    ``headers`` go on every answer (``header_cost.py``: what the emulator's answer head costs uvicorn alone)."""
    extra = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]

    def answer(name: str) -> Response:
        status, body = answers[name]
        response = Response(body, status, media_type="application/json")
        response.raw_headers.extend(extra)
        return response

    async def token(request: Request) -> Response:
        await request.body()
        return answer("token")

    async def collection(request: Request) -> Response:
        if request.method == "POST":
            await request.body()
            return answer("create")
        return answer("list")

    async def item(request: Request) -> Response:
        if request.method == "PUT":
            await request.body()
            return answer("update")
        return answer("read")

    async def throttled(request: Request) -> Response:
        return answer("throttled")

    return Starlette(
        routes=[
            Route(TOKEN_PATH.split("?", 1)[0], token, methods=["POST"]),
            Route(f"{API}/sipaccounts", collection, methods=["GET", "POST"]),
            Route(f"{API}/sipaccounts/{{id}}", item, methods=["GET", "PUT"]),
            Route(THROTTLED_BARE_PATH, throttled, methods=["GET"]),
        ]
    )


def load_answers(path: Path) -> dict[str, Answer]:
    document = json.loads(path.read_text(encoding="utf-8"))
    return {name: (int(entry["status"]), entry["body"].encode()) for name, entry in document.items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--bodies", type=Path, required=True, help="JSON file: {name: {status, body}}")
    parser.add_argument("--headers", type=Path, help="JSON file: [[name, value], ...] to add to every answer")
    args = parser.parse_args(argv)
    headers = json.loads(args.headers.read_text(encoding="utf-8")) if args.headers else []
    app = create_bare_app(load_answers(args.bodies), [(name, value) for name, value in headers])
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
        lifespan="off",
        ws="none",
    )
    uvicorn.Server(config).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
