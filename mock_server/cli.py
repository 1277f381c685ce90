"""``apidaze-mock``: run the emulator."""

from __future__ import annotations

import argparse
import logging
import logging.config
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from mock_server import __version__
from mock_server.app import create_app
from mock_server.fixtures import FixtureError, load_fixtures
from mock_server.logs import FORMATS, LEVELS, AccessLogMiddleware, logging_config
from mock_server.routes.context import API_PREFIX
from mock_server.routes.oauth import TOKEN_PATH
from mock_server.scripts.commands import COMMANDS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="apidaze-mock",
        description="Offline emulator of KPN's CPaaS APIdaze voice API. Point your client at it by changing only "
        "the host: https://api-prd.kpn.com -> http://127.0.0.1:8080.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (default: %(default)s)")
    parser.add_argument(
        "--fixtures",
        type=Path,
        metavar="PATH",
        help="seed file with clients, quotas and resources (default: built in)",
    )
    parser.add_argument(
        "--script-hosts",
        nargs="+",
        metavar="HOST",
        help="hosts the script test endpoint and call simulator may fetch from (default: loopback; '*': any)",
    )
    parser.add_argument(
        "--log-level", choices=LEVELS, default="info", help="least severe messages logged (default: %(default)s)"
    )
    parser.add_argument(
        "--log-format",
        choices=FORMATS,
        default="text",
        help="text lines, or one JSON object a line for log collectors (default: %(default)s)",
    )
    parser.add_argument(
        "--access-log",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="log one line per request at level info (default: on)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.epilog = (
        "Script tools: apidaze-mock check-script FILE_OR_URL; apidaze-mock call URL [--dtmf 1] (see --help)."
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in COMMANDS:
        return COMMANDS[argv[0]](argv[1:])
    args = build_parser().parse_args(argv)
    try:
        fixtures = load_fixtures(args.fixtures)
    except FixtureError as error:
        print(f"apidaze-mock: cannot load fixtures:\n{error}", file=sys.stderr)
        return 2
    app: ASGIApp = create_app(fixtures, script_hosts=args.script_hosts)
    logging.config.dictConfig(logging_config(args.log_level, args.log_format))
    # Off entirely when not wanted, so the request path pays nothing for it.
    if args.access_log and logging.getLevelName(args.log_level.upper()) <= logging.INFO:
        app = AccessLogMiddleware(app)
    base = f"http://{args.host}:{args.port}"
    if args.log_format == "text":
        print(f"apidaze-mock {__version__} on {base}")
        print(f"  token:   POST {base}{TOKEN_PATH}?grant_type=client_credentials")
        print(f"  API:     {base}{API_PREFIX}")
        for seed in fixtures.clients:
            # Only the built-in demo seed's secrets are shown: a user's seed file may hold secrets worth keeping.
            secret = seed.client.client_secret if args.fixtures is None else "(secret in your fixtures file)"
            print(f"  client:  {seed.client.client_id} / {secret}")
        print(f"  docs:    {base}/docs")
        sys.stdout.flush()
    else:
        # Log collectors get JSON lines only; the demo credentials stay in the text banner.
        logging.getLogger("apidaze_mock").info("apidaze-mock %s on %s (docs: %s/docs)", __version__, base, base)
    # Logging is configured above, so uvicorn must not configure it again; its own access log stays off (ours knows
    # the client id and masks secrets).
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, log_level=args.log_level, access_log=False)
    return 0
