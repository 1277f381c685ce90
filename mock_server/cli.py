"""``apidaze-mock``: run the emulator."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from mock_server import __version__
from mock_server.app import create_app
from mock_server.fixtures import FixtureError, load_fixtures
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
    app = create_app(fixtures, script_hosts=args.script_hosts)
    base = f"http://{args.host}:{args.port}"
    print(f"apidaze-mock {__version__} on {base}")
    print(f"  token:   POST {base}{TOKEN_PATH}?grant_type=client_credentials")
    print(f"  API:     {base}{API_PREFIX}")
    for seed in fixtures.clients:
        # Only the built-in demo seed's secrets are shown: a user's seed file may hold secrets worth keeping.
        secret = seed.client.client_secret if args.fixtures is None else "(secret in your fixtures file)"
        print(f"  client:  {seed.client.client_id} / {secret}")
    sys.stdout.flush()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0
