"""``apidaze-mock``: run the emulator."""

from __future__ import annotations

import argparse
import gc
import logging
import logging.config
import os
import socket
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from mock_server import __version__
from mock_server.addresses import is_loopback
from mock_server.app import create_app
from mock_server.domain.fault_plan import ChaosSpec
from mock_server.fixtures import FixtureError, load_fixtures
from mock_server.logs import FORMATS, LEVELS, AccessLogMiddleware, logging_config
from mock_server.paths import API_PREFIX, TOKEN_PATH
from mock_server.scripts.commands import COMMANDS
from mock_server.serving import server_config
from mock_server.statefile import StateFileError, load_state_file, save_state_file

ADMIN_TOKEN_ENV = "APIDAZE_ADMIN_TOKEN"  # noqa: S105 (a variable name, not a secret)


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
        help="hosts the script test endpoint and call simulator may fetch from (default: loopback, or none when "
        "--host is beyond loopback; '*': any)",
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
    parser.add_argument(
        "--state-file",
        type=Path,
        metavar="PATH",
        help="load this snapshot at start when it exists, and save the state to it on shutdown (atomically)",
    )
    parser.add_argument(
        "--chaos",
        metavar="SEED:RATE",
        help="random faults on RATE (0..1) of all API calls, from a generator seeded with SEED: a run replays "
        "exactly with the same seed",
    )
    parser.add_argument(
        "--admin-token",
        metavar="TOKEN",
        default=os.environ.get(ADMIN_TOKEN_ENV),
        help=f"bearer token the control plane under /__admin requires (or ${ADMIN_TOKEN_ENV}); mandatory when "
        "--host is not a loopback address",
    )
    parser.add_argument("--no-admin", action="store_true", help="switch the control plane under /__admin off")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.epilog = (
        "Script tools: apidaze-mock check-script FILE_OR_URL; apidaze-mock call URL [--dtmf 1] (see --help)."
    )
    return parser


# Addresses that listen on every interface: the names clients use for the machine cannot be known.
WILDCARD_HOSTS = ("0.0.0.0", "::", "")  # noqa: S104 (names to recognise, not to bind)


def script_hosts(host: str, given: list[str] | None) -> list[str] | None:
    """``--script-hosts``, or by default loopback (``None``) on loopback and no host at all beyond it.

    Beyond loopback anyone with the demo credentials could otherwise make the emulator fetch this machine's own
    loopback services through a script test.
    """
    if given is not None:
        return given
    return None if is_loopback(host) else []


def admin_hosts(host: str) -> list[str]:
    """The ``Host`` names the control plane answers besides loopback ones: the listening address, or any name when
    it listens on every address (beyond loopback the admin token is then what keeps others out)."""
    return ["*"] if host in WILDCARD_HOSTS else [host]


class _Server(uvicorn.Server):
    """uvicorn's server, with a hook that runs after a graceful shutdown.

    The hook runs inside ``serve``: after it returns uvicorn re-raises the signal that stopped it, and the process ends.
    """

    def __init__(self, config: uvicorn.Config, on_shutdown: Callable[[], None]) -> None:
        super().__init__(config)
        self.on_shutdown = on_shutdown

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await super().shutdown(sockets)
        self.on_shutdown()


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in COMMANDS:
        return COMMANDS[argv[0]](argv[1:])
    args = build_parser().parse_args(argv)
    if not args.no_admin and not args.admin_token and not is_loopback(args.host):
        print(
            f"apidaze-mock: --host {args.host} is reachable from other machines, so the control plane needs "
            f"--admin-token TOKEN (or ${ADMIN_TOKEN_ENV}), or switch it off with --no-admin.",
            file=sys.stderr,
        )
        return 2
    try:
        chaos = ChaosSpec.parse(args.chaos) if args.chaos else None
    except ValueError as error:
        print(f"apidaze-mock: {error}", file=sys.stderr)
        return 2
    try:
        fixtures = load_fixtures(args.fixtures)
    except FixtureError as error:
        print(f"apidaze-mock: cannot load fixtures:\n{error}", file=sys.stderr)
        return 2
    emulator = create_app(
        fixtures,
        script_hosts=script_hosts(args.host, args.script_hosts),
        admin=not args.no_admin,
        admin_token=args.admin_token,
        admin_hosts=admin_hosts(args.host),
        chaos=chaos,
    )
    if args.state_file is not None:
        try:
            loaded = load_state_file(emulator.state, args.state_file)
        except StateFileError as error:
            print(f"apidaze-mock: cannot load the state file:\n{error}", file=sys.stderr)
            return 2
    logging.config.dictConfig(logging_config(args.log_level, args.log_format))
    app: ASGIApp = emulator
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
        if not args.no_admin:
            print(f"  admin:   {base}/__admin" + (" (bearer admin token required)" if args.admin_token else ""))
        print(f"  scripts: fetched from {emulator.state.script_policy.describe()}")
        if chaos is not None:
            print(f"  chaos:   seed {chaos.seed}, faults on {chaos.rate:.0%} of calls")
        if args.state_file is not None:
            print(f"  state:   {args.state_file} ({'loaded' if loaded else 'new'}; saved on shutdown)")
        sys.stdout.flush()
    else:
        # Log collectors get JSON lines only; the demo credentials stay in the text banner.
        logging.getLogger("apidaze_mock").info("apidaze-mock %s on %s (docs: %s/docs)", __version__, base, base)
    # Logging is configured above, so uvicorn must not configure it again.
    config = server_config(app, host=args.host, port=args.port, log_config=None, log_level=args.log_level)

    def save() -> None:
        if args.state_file is not None:
            save_state_file(emulator.state, args.state_file)
            print(f"apidaze-mock: state saved to {args.state_file}", flush=True)

    # What start-up built (modules, the compiled contract, the seed) lives as long as the process: out of the
    # collector's sight, full collections under load paused 16-19 ms instead of 27-40 (gc.callbacks, creates).
    gc.freeze()
    _Server(config, save).run()
    return 0
