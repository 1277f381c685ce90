"""``apidaze-mock check-script`` and ``apidaze-mock call``: the script tools without a running emulator."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mock_server.scripts.checker import check
from mock_server.scripts.fetch import LOOPBACK, CallParameters, FetchPolicy, ScriptFetcher
from mock_server.scripts.report import inspect_script
from mock_server.scripts.simulator import DIAL_OUTCOMES, MAX_FETCHES, CallScript, simulate
from mock_server.scripts.xmltree import Finding

HOSTS_HELP = (
    "also fetch scripts from HOST, besides loopback (repeat the option, or separate hosts with commas; '*' for any)"
)


def _host_list(text: str) -> list[str]:
    hosts = [host.strip() for host in text.split(",") if host.strip()]
    if not hosts:
        raise argparse.ArgumentTypeError("give a host name or address")
    return hosts


def add_script_hosts_option(parser: argparse.ArgumentParser) -> None:
    """``--script-hosts HOST[,HOST...]``, repeatable; one value per option, so it never swallows a positional."""
    parser.add_argument(
        "--script-hosts", action="extend", type=_host_list, default=[], metavar="HOST[,HOST...]", help=HOSTS_HELP
    )


def script_hosts(given: Sequence[str]) -> list[str]:
    """The hosts scripts may come from: loopback, plus those given on the command line."""
    return [LOOPBACK, *given]


def _parser(prog: str, description: str, examples: str) -> argparse.ArgumentParser:
    return argparse.ArgumentParser(
        prog=prog,
        description=description,
        epilog=f"examples:\n{examples}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


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
    parser = _parser(
        "apidaze-mock check-script",
        "Check an XML script against APIdaze's Script Reference: one line per finding; exit status 1 when there "
        "is any (or the URL cannot be fetched), 0 when the script is clean.",
        "  apidaze-mock check-script fixtures/scripts/ivr.xml\n"
        "  apidaze-mock check-script --script-hosts scripts.dev.example https://scripts.dev.example/ivr.xml",
    )
    parser.add_argument("target", metavar="FILE_OR_URL", help="a script file, or a URL fetched as APIdaze would")
    add_script_hosts_option(parser)
    args = parser.parse_args(argv)
    if not _is_url(args.target):
        try:
            document = Path(args.target).read_bytes()
        except OSError as error:
            print(f"apidaze-mock check-script: {error}", file=sys.stderr)
            return 2
        return _print_findings(args.target, check(document).findings)
    fetcher = ScriptFetcher(FetchPolicy.from_hosts(script_hosts(args.script_hosts)))
    report = asyncio.run(inspect_script(fetcher, args.target, CallParameters()))
    return _print_findings(args.target, report.findings)


def call_command(argv: Sequence[str]) -> int:
    """Simulate an inbound call against a script URL and print the transcript as JSON."""
    parser = _parser(
        "apidaze-mock call",
        "Simulate an inbound call against an External Script URL and print the transcript as JSON. The exit status "
        "is 1 when the call failed: a fetch failed, a script had findings, or the simulator stopped a loop.",
        "  apidaze-mock call http://127.0.0.1:8081/ivr.xml --dtmf 2\n"
        "  apidaze-mock call --dial busy --dial answered http://127.0.0.1:8081/call-forward.xml",
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
    add_script_hosts_option(parser)
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
    fetcher = ScriptFetcher(FetchPolicy.from_hosts(script_hosts(args.script_hosts)))
    events = asyncio.run(simulate(script, fetcher, fetcher.head))
    print(json.dumps({"events": events}, indent=2, ensure_ascii=False))
    failure = call_failure(events)
    if failure is not None:
        print(f"apidaze-mock call: the call failed: {failure}", file=sys.stderr)
        return 1
    return 0


def call_failure(events: Sequence[dict[str, Any]]) -> str | None:
    """Why a simulated call counts as failed, or None: a fetch failed, a script had findings, or a loop was cut."""
    for event in events:
        if event["type"] == "fetched" and event.get("error"):
            return f"fetching {event['url']}: {event['error']}"
        if event["type"] == "fetched" and event.get("findings"):
            return f"{event['url']} has {len(event['findings'])} finding(s) (apidaze-mock check-script shows them)"
        if event["type"] == "hung_up" and event.get("by") == "simulator":
            return str(event.get("reason", "stopped by the simulator"))
    return None


def contract_command(argv: Sequence[str]) -> int:
    """``apidaze-mock contract``: the contract suite, shipped beside the emulator with the ``[contract]`` extra."""
    try:
        command = importlib.import_module("contract_tests.command")
    except ImportError as error:
        print(
            f"apidaze-mock contract needs the contract suite's packages ({error.name} is missing): "
            "pip install 'apidaze-mock[contract]'",
            file=sys.stderr,
        )
        return 2
    status: int = command.main(argv)
    return status


COMMANDS = {"check-script": check_script_command, "call": call_command, "contract": contract_command}
