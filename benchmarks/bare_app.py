"""The ceiling the emulator is measured against: a bare Starlette app on uvicorn that answers from memory.

It serves the emulator's own answers, byte for byte (``benchmarks/run.py`` records one real answer per endpoint
and passes them in a JSON file), on the same paths, with a body read for POST and PUT as any handler would. No
auth, quota, validation, state or extra headers: what is left is the cost of uvicorn and Starlette themselves.
Run the same way as ``apidaze-mock``: one worker, warning log level, access log off.

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


def create_bare_app(answers: dict[str, tuple[int, bytes]]) -> Starlette:
    """``answers`` maps an endpoint name (token, list, read, create, update, throttled) to its status and body."""

    def answer(name: str) -> Response:
        status, body = answers[name]
        return Response(body, status, media_type="application/json")

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


def load_answers(path: Path) -> dict[str, tuple[int, bytes]]:
    document = json.loads(path.read_text(encoding="utf-8"))
    return {name: (int(entry["status"]), entry["body"].encode()) for name, entry in document.items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--bodies", type=Path, required=True, help="JSON file: {name: {status, body}}")
    args = parser.parse_args(argv)
    app = create_bare_app(load_answers(args.bodies))
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
