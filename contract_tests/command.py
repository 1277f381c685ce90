"""``apidaze-mock contract``: the contract suite against a base URL (or the built-in emulator), as a CI job runs it.

Installed with ``pip install 'apidaze-mock[contract]'``. It runs this package's ``test_schemathesis.py`` (every
operation through every schemathesis check, then link-walking workflows) and ``test_model.py`` (the state machine)
with pytest, writes a JUnit report, prints what it checked, and exits with pytest's status. Settings travel as the
suite's environment variables (``settings.py``), so the command and ``pytest contract_tests`` run the same tests.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

PACKAGE = Path(__file__).resolve().parent
TESTS = ("test_schemathesis.py", "test_model.py")
EXAMPLES = """examples:
  apidaze-mock contract                                   # the built-in emulator, in process
  export APIDAZE_CLIENT_ID=my-client APIDAZE_CLIENT_SECRET=...    # never on the command line
  apidaze-mock contract --base-url http://127.0.0.1:8080
  apidaze-mock contract --base-url https://api-prd.kpn.com --rate-limit 5/s --examples 5 --junit-xml reports/c.xml
  apidaze-mock contract --profile fuzz --seed 1234         # replay a long seeded run
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="apidaze-mock contract",
        description="Check that an APIdaze API (KPN's, or an emulator) keeps the contract of apidaze-cpaas.yaml: "
        "schemathesis on every operation, link-walking workflows and a state machine. The OAuth client comes from "
        "APIDAZE_CLIENT_ID and APIDAZE_CLIENT_SECRET. Against KPN's API it creates, changes and deletes SIP accounts: "
        "use a test app, never production. The exit status is pytest's (0: all passed).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        default=os.environ.get("APIDAZE_BASE_URL") or None,
        help="host to test, without a path (default: $APIDAZE_BASE_URL, else the built-in emulator)",
    )
    parser.add_argument(
        "--token-url",
        metavar="URL",
        default=os.environ.get("APIDAZE_TOKEN_URL") or None,
        help="OAuth token endpoint (default: $APIDAZE_TOKEN_URL, else BASE_URL/oauth/client_credential/accesstoken)",
    )
    parser.add_argument(
        "--junit-xml",
        type=Path,
        default=Path("apidaze-contract.xml"),
        metavar="PATH",
        help="JUnit report (default: %(default)s)",
    )
    parser.add_argument(
        "--profile", choices=("ci", "fuzz"), default="ci", help="ci: derandomized, fast; fuzz: long and seeded"
    )
    parser.add_argument(
        "--seed", type=int, help="seed of a fuzz run (implies --profile fuzz); printed by every fuzz run"
    )
    parser.add_argument("--examples", type=int, metavar="N", help="cases per operation, workflows and model runs")
    parser.add_argument("--rate-limit", metavar="RATE", help="at most this many calls, e.g. 5/s or 300/m")
    parser.add_argument("--operation", metavar="'METHOD /path'", help="only this operation (what a replay line sets)")
    parser.add_argument("-k", dest="keyword", metavar="EXPR", help="only tests matching this pytest -k expression")
    return parser


def _environment(args: argparse.Namespace) -> dict[str, str]:
    """The suite's settings (``contract_tests/settings.py``) for this run."""
    env: dict[str, str] = {}
    if args.base_url:
        env["APIDAZE_BASE_URL"] = args.base_url
    if args.token_url:
        env["APIDAZE_TOKEN_URL"] = args.token_url
    if args.rate_limit:
        env["APIDAZE_RATE_LIMIT"] = args.rate_limit
    if args.operation:
        env["APIDAZE_OPERATION"] = args.operation
    if args.examples is not None:
        for name in ("APIDAZE_MAX_EXAMPLES", "APIDAZE_STATEFUL_EXAMPLES", "APIDAZE_MODEL_EXAMPLES"):
            env[name] = str(args.examples)
    return env


def _replay_command(args: argparse.Namespace) -> list[str]:
    """This command line as a replay repeats it: the target and budgets, not the selection or the seed."""
    command = ["apidaze-mock", "contract"]
    for option, value in (
        ("--base-url", args.base_url),
        ("--token-url", args.token_url),
        ("--rate-limit", args.rate_limit),
        ("--examples", args.examples),
    ):
        if value is not None:
            command += [option, str(value)]
    return command


class Summary:
    """Counts outcomes and says, at the end, what was checked and where the report is."""

    def __init__(self, junit: Path) -> None:
        self.junit = junit
        self.outcomes: dict[str, str] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" or report.outcome != "passed":
            self.outcomes[report.nodeid] = report.outcome

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        from contract_tests import run, settings
        from contract_tests.schema import ENABLED_CHECKS, contract_operations

        operations = [f"{method} {path}" for _, method, path in contract_operations()]
        tested = [nodeid for nodeid in self.outcomes if "test_operation[" in nodeid]
        counts = {outcome: list(self.outcomes.values()).count(outcome) for outcome in ("passed", "failed", "skipped")}
        seed = "derandomized" if run.SEED is None else f"seed {run.SEED}"
        write = terminalreporter.write_line
        write("")
        write(f"apidaze-mock contract: {settings.describe()}")
        write(f"  operations: {len(tested)} of the contract's {len(operations)}, each through schemathesis' checks:")
        write(f"    {', '.join(ENABLED_CHECKS)}")
        write("  workflows:  link-walking create/read/update/status/delete (schemathesis' state machine)")
        write("  model:      list = created - deleted, no id reused, unique usernames, one script, partial updates")
        write(f"  result:     {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
        write(f"  profile:    {run.PROFILE} ({seed})")
        write(f"  JUnit:      {self.junit}")


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    if args.seed is not None:
        args.profile = "fuzz"
    if args.base_url and not (os.environ.get("APIDAZE_CLIENT_ID") and os.environ.get("APIDAZE_CLIENT_SECRET")):
        print(
            "apidaze-mock contract: set APIDAZE_CLIENT_ID and APIDAZE_CLIENT_SECRET to the OAuth client to test with "
            "(the secret is never taken on the command line, where other users and shell history see it)",
            file=sys.stderr,
        )
        return 2
    # Before the suite's modules are imported: they read their settings from the environment once.
    os.environ.update(_environment(args))
    from contract_tests import run

    run.COMMAND = _replay_command(args)
    pytest_args = [
        *(str(PACKAGE / name) for name in TESTS),
        "-c",
        str(PACKAGE / "contract.ini"),
        "--rootdir",
        str(PACKAGE),
        "-p",
        "no:cacheprovider",
        # apidaze-mock imported anyio (a pytest plugin too) before pytest started: nothing of it needs rewriting.
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
        f"--hypothesis-profile={args.profile}",
        f"--junit-xml={args.junit_xml}",
    ]
    if args.seed is not None:
        pytest_args.append(f"--hypothesis-seed={args.seed}")
    if args.keyword:
        pytest_args += ["-k", args.keyword]
    return int(pytest.main(pytest_args, plugins=[Summary(args.junit_xml)]))
