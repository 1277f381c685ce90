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
from mock_server.access_log import AccessLogMiddleware, AccessLogWriter
from mock_server.addresses import ADMIN_TOKEN_ENV, admin_hosts, authority, is_loopback, unguarded_admin
from mock_server.app import Emulator, create_app
from mock_server.domain.fault_plan import ChaosSpec
from mock_server.fixtures import FixtureError, load_fixtures
from mock_server.logs import FORMATS, LEVELS, logging_config
from mock_server.paths import API_PREFIX, TOKEN_PATH
from mock_server.scripts.commands import COMMANDS, add_script_hosts_option, script_hosts
from mock_server.serving import Companion, run, server_config
from mock_server.sip.digest import algorithms
from mock_server.sip.server import SipServer
from mock_server.spec import response_styles
from mock_server.statefile import StateFileError, load_state_file, save_state_file
from mock_server.tls import CACHE_ENV, ServerCertificate, local_certificate


def _proxy(argv: list[str]) -> int:
    from mock_server.proxy.cli import proxy_command  # the proxy's own modules, only when it runs

    return proxy_command(argv)


SUBCOMMANDS = {**COMMANDS, "proxy": _proxy}
EPILOG = """examples:
  apidaze-mock                                     # 127.0.0.1:8080, the demo fixtures
  apidaze-mock --port 9000 --fixtures my-seed.yaml --chaos 42:0.1
  apidaze-mock --script-hosts scripts.dev.example --script-hosts 192.0.2.7
  apidaze-mock --tls                               # https://127.0.0.1:8080, CA bundle path in the banner

subcommands (each has its own --help):
  apidaze-mock check-script FILE_OR_URL            check an External Script against the Script Reference
  apidaze-mock call URL [--dtmf 1] [--dial busy]   simulate an inbound call against a script
  apidaze-mock contract --base-url URL             the contract suite against an API ([contract] extra)
  apidaze-mock proxy --upstream https://api-prd.kpn.com
                                                   check a client's real traffic against the contract
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="apidaze-mock",
        description="Offline emulator of KPN's CPaaS APIdaze voice API. Point your client at it by changing only "
        "the host: https://api-prd.kpn.com -> http://127.0.0.1:8080.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (default: %(default)s)")
    parser.add_argument(
        "--fixtures",
        type=Path,
        metavar="PATH",
        help="seed file with clients, quotas and resources (default: built in)",
    )
    add_script_hosts_option(parser)
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
    parser.add_argument(
        "--response-style",
        choices=response_styles(),
        default=response_styles()[0],
        help="how success is answered: 'kpn' as KPN's published Swagger says (200, one-element arrays), "
        "'upstream' as the platform behind KPN's gateway (201/202/204, single objects); a client may set its "
        "own (default: %(default)s)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="hold clients to the letter of the contract: form bodies only, no unknown fields, the emulator's own "
        "patterns and lengths (default: lenient, each leniency noted in the journal; a client may set its own)",
    )
    parser.add_argument(
        "--sip-host", metavar="HOST", help="address softphones register and call at, UDP and TCP (default: --host)"
    )
    parser.add_argument(
        "--sip-port", type=int, default=5060, help="SIP port, UDP and TCP; 0 picks a free one (default: %(default)s)"
    )
    parser.add_argument("--no-sip", action="store_true", help="switch the SIP side (registrar and calls) off")
    parser.add_argument(
        "--sip-digest",
        type=_digest,
        default=("MD5",),
        metavar="ALGORITHMS",
        help="digest algorithms SIP challenges offer, most preferred first: MD5, SHA-256 (default: MD5)",
    )
    parser.add_argument(
        "--tls",
        action="store_true",
        help="serve HTTPS with a certificate for localhost/127.0.0.1/::1 from a local CA made on first use (the "
        f"banner and /__admin/health name its ca.pem; kept in ${CACHE_ENV} or the user's cache directory)",
    )
    parser.add_argument("--tls-cert", type=Path, metavar="PEM", help="serve HTTPS with this certificate (chain)")
    parser.add_argument("--tls-key", type=Path, metavar="PEM", help="the private key of --tls-cert")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _digest(names: str) -> tuple[str, ...]:
    try:
        return algorithms(names)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _sip_side(args: argparse.Namespace, emulator: Emulator) -> SipServer | None:
    """The SIP side, its port taken; ``None`` when switched off or the port is taken (HTTP is served anyway)."""
    if args.no_sip:
        return None
    host = args.sip_host or args.host
    sip = SipServer(emulator.state, digest=args.sip_digest)
    try:
        sip.bind(host, args.sip_port)
    except OSError as error:
        print(
            f"apidaze-mock: SIP cannot listen on {host}:{args.sip_port} ({error.strerror or error}); serving HTTP "
            "without SIP (--sip-port 0 picks a free port, --no-sip turns SIP off)",
            file=sys.stderr,
        )
        return None
    return sip


def allowed_script_hosts(host: str, given: list[str]) -> list[str]:
    """Where scripts may come from: loopback and ``--script-hosts`` on a loopback ``--host``; beyond loopback only
    the ``--script-hosts`` given, none by default.

    Beyond loopback anyone with the demo credentials could otherwise make the emulator fetch this machine's own
    loopback services through a script test.
    """
    return script_hosts(given) if is_loopback(host) else list(given)


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


def _certificate(args: argparse.Namespace) -> ServerCertificate | None:
    """What to serve HTTPS with: the user's certificate and key, the local CA's, or nothing (plain HTTP)."""
    if (args.tls_cert is None) != (args.tls_key is None):
        raise ValueError("--tls-cert and --tls-key go together")
    if args.tls_cert is not None:
        for given in (args.tls_cert, args.tls_key):
            if not given.is_file():
                raise ValueError(f"no such file: {given}")
        return ServerCertificate(args.tls_cert, args.tls_key)
    return local_certificate() if args.tls else None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBCOMMANDS:
        return SUBCOMMANDS[argv[0]](argv[1:])
    args = build_parser().parse_args(argv)
    refusal = unguarded_admin(args.host, args.admin_token, args.no_admin)
    if refusal:
        print(f"apidaze-mock: {refusal}", file=sys.stderr)
        return 2
    try:
        chaos = ChaosSpec.parse(args.chaos) if args.chaos else None
    except ValueError as error:
        print(f"apidaze-mock: {error}", file=sys.stderr)
        return 2
    try:
        certificate = _certificate(args)
    except (ValueError, OSError) as error:
        print(f"apidaze-mock: {error}", file=sys.stderr)
        return 2
    try:
        fixtures = load_fixtures(args.fixtures)
    except FixtureError as error:
        print(f"apidaze-mock: cannot load fixtures:\n{error}", file=sys.stderr)
        return 2
    emulator = create_app(
        fixtures,
        script_hosts=allowed_script_hosts(args.host, args.script_hosts),
        admin=not args.no_admin,
        admin_token=args.admin_token,
        admin_hosts=admin_hosts(args.host),
        chaos=chaos,
        response_style=args.response_style,
        strict=args.strict,
    )
    if args.state_file is not None:
        try:
            loaded = load_state_file(emulator.state, args.state_file)
        except StateFileError as error:
            print(f"apidaze-mock: cannot load the state file:\n{error}", file=sys.stderr)
            return 2
    sip = _sip_side(args, emulator)
    logging.config.dictConfig(logging_config(args.log_level, args.log_format))
    app: ASGIApp = emulator
    # Off entirely when not wanted, so the request path pays nothing for it.
    if args.access_log and logging.getLevelName(args.log_level.upper()) <= logging.INFO:
        app = AccessLogMiddleware(app, AccessLogWriter(), args.log_format)
    if certificate is not None and certificate.ca_bundle is not None:
        emulator.state.ca_bundle = str(certificate.ca_bundle)
    base = f"{'http' if certificate is None else 'https'}://{authority(args.host, args.port)}"
    if args.log_format == "text":
        print(f"apidaze-mock {__version__} on {base}")
        print(f"  token:   POST {base}{TOKEN_PATH}?grant_type=client_credentials")
        print(f"  API:     {base}{API_PREFIX}")
        for seed in fixtures.clients:
            # Only the built-in demo seed's secrets are shown: a user's seed file may hold secrets worth keeping.
            secret = seed.client.client_secret if args.fixtures is None else "(secret in your fixtures file)"
            print(f"  client:  {seed.client.client_id} / {secret}")
        print(f"  docs:    {base}/docs")
        if certificate is not None and certificate.ca_bundle is not None:
            print(f"  CA:      {certificate.ca_bundle} (your client's CA bundle)")
        if not args.no_admin:
            print(f"  admin:   {base}/__admin" + (" (bearer admin token required)" if args.admin_token else ""))
        print(f"  answers: response style {args.response_style}, {'strict' if args.strict else 'lenient'}")
        if sip is not None:
            print(
                f"  sip:     udp+tcp {authority(sip.host, sip.port)} (softphones: domain = the client's domain, "
                "outbound proxy = this address)"
            )
        print(f"  scripts: fetched from {emulator.state.script_policy.describe()}")
        if chaos is not None:
            print(f"  chaos:   seed {chaos.seed}, faults on {chaos.rate:.0%} of calls")
        if args.state_file is not None:
            print(f"  state:   {args.state_file} ({'loaded' if loaded else 'new'}; saved on shutdown)")
        sys.stdout.flush()
    else:
        # Log collectors get JSON lines only; the demo credentials stay in the text banner.
        logging.getLogger("apidaze_mock").info("apidaze-mock %s on %s (docs: %s/docs)", __version__, base, base)
        if sip is not None:
            logging.getLogger("apidaze_mock").info("SIP on udp+tcp %s", authority(sip.host, sip.port))
    # Logging is configured above, so uvicorn must not configure it again.
    config = server_config(app, certificate, host=args.host, port=args.port, log_config=None, log_level=args.log_level)

    def save() -> None:
        if args.state_file is not None:
            save_state_file(emulator.state, args.state_file)
            print(f"apidaze-mock: state saved to {args.state_file}", flush=True)

    # What start-up built (modules, the compiled contract, the seed) lives as long as the process: out of the
    # collector's sight, full collections under load paused 16-19 ms instead of 27-40 (gc.callbacks, creates).
    gc.freeze()
    companions: list[Companion] = [] if sip is None else [sip]
    run(_Server(config, save), companions)
    return 0
