"""``apidaze-mock check-script`` and ``apidaze-mock call``: the script tools without a running emulator."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from mock_server.scripts.checker import check
from mock_server.scripts.fetch import CallParameters, FetchPolicy, ScriptFetcher
from mock_server.scripts.report import inspect_script
from mock_server.scripts.simulator import DIAL_OUTCOMES, MAX_FETCHES, CallScript, simulate
from mock_server.scripts.xmltree import Finding

HOSTS_HELP = "host a script may be fetched from (repeat; default: loopback only; '*' for any)"


def _is_url(target: str) -> bool:
    return target.startswith(("http://", "https://"))


def _print_findings(source: str, findings: Sequence[Finding]) -> int:
    for finding in findings:
        element = f" <{finding.element}>" if finding.element else ""
        print(f"{source}:{finding.line}:{element} {finding.message}")
    if not findings:
        print(f"{source}: ok")
    return 1 if findings else 0


def check_script_command(argv: Sequence[str]) -> int:
    """Check a script file or URL against the Script Reference: one line per finding, exit 1 when any."""
    parser = argparse.ArgumentParser(
        prog="apidaze-mock check-script", description="Check an XML script against APIdaze's Script Reference."
    )
    parser.add_argument("target", metavar="FILE_OR_URL", help="a script file, or a URL fetched as APIdaze would")
    parser.add_argument("--script-hosts", nargs="*", default=None, metavar="HOST", help=HOSTS_HELP)
    args = parser.parse_args(argv)
    if not _is_url(args.target):
        try:
            document = Path(args.target).read_bytes()
        except OSError as error:
            print(f"apidaze-mock check-script: {error}", file=sys.stderr)
            return 2
        return _print_findings(args.target, check(document).findings)
    fetcher = ScriptFetcher(FetchPolicy.from_hosts(args.script_hosts or None))
    report = asyncio.run(inspect_script(fetcher, args.target, CallParameters()))
    return _print_findings(args.target, report.findings)


def call_command(argv: Sequence[str]) -> int:
    """Simulate an inbound call against a script URL and print the transcript as JSON."""
    parser = argparse.ArgumentParser(
        prog="apidaze-mock call", description="Simulate an inbound call against an External Script URL."
    )
    parser.add_argument("url", help="the script URL")
    parser.add_argument("--dtmf", default="", help="keys the caller presses, e.g. 1 or 1234#")
    parser.add_argument(
        "--dial", action="append", default=[], choices=sorted(DIAL_OUTCOMES), help="outcome of the next <dial>"
    )
    parser.add_argument("--caller", dest="caller_id_number", default="+31612345678", help="caller_id_number")
    parser.add_argument("--destination", dest="destination_number", default="+31201234567")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="extra parameter")
    parser.add_argument("--max-fetches", type=int, default=MAX_FETCHES)
    parser.add_argument("--script-hosts", nargs="*", default=None, metavar="HOST", help=HOSTS_HELP)
    args = parser.parse_args(argv)
    query = dict(item.partition("=")[::2] for item in args.param)
    query.update(caller_id_number=args.caller_id_number, destination_number=args.destination_number)
    try:
        script = CallScript(
            args.url,
            CallParameters.from_query(query),
            args.dtmf,
            args.dial,
            args.max_fetches,
        )
    except ValueError as error:
        parser.error(str(error))
    events = asyncio.run(simulate(script, ScriptFetcher(FetchPolicy.from_hosts(args.script_hosts or None))))
    print(json.dumps({"events": events}, indent=2, ensure_ascii=False))
    return 0


COMMANDS = {"check-script": check_script_command, "call": call_command}
