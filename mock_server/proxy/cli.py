"""``apidaze-mock proxy``: serve the validating, recording proxy until stopped, then report and write the recording."""

from __future__ import annotations

import argparse
import logging
import logging.config
import math
import os
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from mock_server import __version__
from mock_server.access_log import AccessLogMiddleware, AccessLogWriter
from mock_server.addresses import ADMIN_TOKEN_ENV, admin_hosts, authority, unguarded_admin
from mock_server.logs import FORMATS, LEVELS, logging_config
from mock_server.paths import ADMIN_PREFIX
from mock_server.proxy.app import Proxy
from mock_server.proxy.forward import SIDES
from mock_server.proxy.recorder import SEED_FILE
from mock_server.proxy.upstream import DEFAULT_TIMEOUT, Upstream
from mock_server.serving import server_config

_FAIL_ON = {"any": SIDES, "request": ("request",), "answer": ("answer",)}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="apidaze-mock proxy",
        description="Forward a client's calls to the real API, checking each request and answer against the "
        "contract (openapi/apidaze-cpaas.yaml); optionally record what was seen as a seed file.",
    )
    parser.add_argument("--upstream", required=True, metavar="URL", help="the real API, e.g. https://api-prd.kpn.com")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (default: %(default)s)")
    parser.add_argument(
        "--fail-on-violation",
        nargs="?",
        const="any",
        choices=sorted(_FAIL_ON),
        metavar="{any,request,answer}",
        help="answer a call that breaks the contract with a 502 ContractViolation naming the rules: 'any' (the "
        "default when given without a value), 'request' (not forwarded) or 'answer' (the upstream's); "
        "without this flag violations are only reported",
    )
    parser.add_argument(
        "--record",
        type=Path,
        metavar="DIR",
        help=f"write what the answers showed to DIR/{SEED_FILE} when the proxy stops, for apidaze-mock --fixtures",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="longest wait for the upstream's whole answer; then 504 (default: %(default)s)",
    )
    parser.add_argument(
        "--upstream-ca",
        type=Path,
        metavar="FILE",
        help="CA certificates (PEM) to verify the upstream with, instead of the system's",
    )
    parser.add_argument(
        "--allow-http-upstream",
        action="store_true",
        help="allow a plain http:// upstream (a local emulator in tests); credentials then travel in clear text",
    )
    parser.add_argument(
        "--admin-token",
        metavar="TOKEN",
        default=os.environ.get(ADMIN_TOKEN_ENV),
        help=f"bearer token /__admin requires (or ${ADMIN_TOKEN_ENV}); mandatory when --host is not loopback",
    )
    parser.add_argument("--no-admin", action="store_true", help="switch the control plane under /__admin off")
    parser.add_argument(
        "--log-level", choices=LEVELS, default="info", help="least severe messages logged (default: %(default)s)"
    )
    parser.add_argument("--log-format", choices=FORMATS, default="text", help="text or JSON lines (default: text)")
    parser.add_argument(
        "--access-log",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="log one line per request at level info (default: on)",
    )
    return parser


class _ProxyServer(uvicorn.Server):
    """uvicorn's server; after a graceful shutdown it closes the upstream connections, reports and records."""

    def __init__(self, config: uvicorn.Config, proxy: Proxy, record: Path | None) -> None:
        super().__init__(config)
        self.proxy = proxy
        self.record = record

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await super().shutdown(sockets)
        await self.proxy.aclose()
        print(self.proxy.violations.report(), flush=True)
        if self.record is not None and self.proxy.recorder is not None:
            path = self.proxy.recorder.write(self.record)
            print(f"apidaze-mock proxy: recorded {path}", flush=True)


def proxy_command(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    refusal = unguarded_admin(args.host, args.admin_token, args.no_admin)
    if refusal:
        print(f"apidaze-mock proxy: {refusal}", file=sys.stderr)
        return 2
    # NaN is no deadline at all (each forward would fail) and inf is none either (a silent upstream holds a call).
    if not (0 < args.timeout < math.inf):
        print("apidaze-mock proxy: --timeout must be more than 0 seconds, and finite", file=sys.stderr)
        return 2
    try:
        upstream = Upstream(
            args.upstream, allow_http=args.allow_http_upstream, timeout=args.timeout, ca_file=args.upstream_ca
        )
    except (ValueError, OSError) as error:
        print(f"apidaze-mock proxy: {error}", file=sys.stderr)
        return 2
    proxy = Proxy(
        upstream,
        fail_on=_FAIL_ON[args.fail_on_violation] if args.fail_on_violation else (),
        record=args.record is not None,
        admin=not args.no_admin,
        admin_token=args.admin_token,
        admin_hosts=admin_hosts(args.host),
    )
    logging.config.dictConfig(logging_config(args.log_level, args.log_format))
    app: ASGIApp = proxy
    if args.access_log and logging.getLevelName(args.log_level.upper()) <= logging.INFO:
        app = AccessLogMiddleware(app, AccessLogWriter(), args.log_format)
    base = f"http://{authority(args.host, args.port)}"
    print(f"apidaze-mock {__version__} proxy on {base} -> {upstream.url}")
    if not args.no_admin:
        print(f"  violations: GET {base}{ADMIN_PREFIX}/violations (journal: {ADMIN_PREFIX}/requests)")
    if args.fail_on_violation:
        print(f"  a call breaking the contract ({args.fail_on_violation}) gets 502 ContractViolation")
    if args.record is not None:
        print(f"  recording: {args.record / SEED_FILE}, written when the proxy stops")
    sys.stdout.flush()
    # The upstream's own Date and Server headers go back to the client, not uvicorn's.
    config = server_config(
        app,
        host=args.host,
        port=args.port,
        log_config=None,
        log_level=args.log_level,
        server_header=False,
        date_header=False,
    )
    _ProxyServer(config, proxy, args.record).run()
    return 0
