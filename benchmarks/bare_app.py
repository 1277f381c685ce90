"""The ceiling the emulator is measured against: a bare Starlette app on uvicorn that answers from memory.

It serves the emulator's own answers, byte for byte (``benchmarks/run.py`` records one real answer per endpoint
and passes them in a JSON file), on the same paths, with a body read for POST and PUT as any handler would. No
auth, quota, validation, state or extra headers: what is left is the cost of uvicorn and Starlette themselves.
Run the same way as ``apidaze-mock``: one worker, warning log level, access log off. It runs on uvicorn's own
HTTP protocol; ``--emulator-protocol`` (a diagnostic) puts it on the emulator's, which writes once per loop turn.

    python benchmarks/bare_app.py --port 8090 --bodies answers.json
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

API = "/communication/apidaze/cpaas"
TOKEN_PATH = "/oauth/client_credential/accesstoken"  # noqa: S105 (a path, not a secret)
THROTTLED_PATH = f"{API}/throttled"


Answer = tuple[int, bytes, list[tuple[bytes, bytes]]]


def create_bare_app(answers: dict[str, Answer]) -> Starlette:
    """``answers`` maps an endpoint name (token, list, read, create, update, throttled) to status, body and the
    extra headers to send (none unless ``--with-headers``)."""

    def answer(name: str) -> Response:
        status, body, headers = answers[name]
        response = Response(body, status, media_type="application/json")
        if headers:
            response.raw_headers.extend(headers)
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
            Route(TOKEN_PATH, token, methods=["POST"]),
            Route(f"{API}/sipaccounts", collection, methods=["GET", "POST"]),
            Route(f"{API}/sipaccounts/{{id}}", item, methods=["GET", "PUT"]),
            Route(THROTTLED_PATH, throttled, methods=["GET"]),
        ]
    )


def load_answers(path: Path, with_headers: bool = False) -> dict[str, Answer]:
    document = json.loads(path.read_text(encoding="utf-8"))
    return {
        name: (
            int(entry["status"]),
            entry["body"].encode(),
            [(key.lower().encode(), value.encode()) for key, value in entry.get("headers", [])] if with_headers else [],
        )
        for name, entry in document.items()
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--bodies", type=Path, required=True, help="JSON file: {name: {status, body, headers}}")
    parser.add_argument("--with-headers", action="store_true", help="also send each answer's recorded headers")
    args = parser.parse_args(argv)
    app = create_bare_app(load_answers(args.bodies, args.with_headers))
    # Stock uvicorn, with the settings apidaze-mock also serves with.
    config = uvicorn.Config(
        app, host=args.host, port=args.port, log_level="warning", access_log=False, proxy_headers=False, lifespan="off"
    )
    uvicorn.Server(config).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
