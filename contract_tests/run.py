"""Facts about this run that failures print: the seed, the profile, and the command that replays a failing test."""

from __future__ import annotations

import re
import shlex

from contract_tests import settings

SEED: int | None = None  # None: derandomized (profile ci) and no --hypothesis-seed given
PROFILE: str = "ci"
# Set by `apidaze-mock contract` (contract_tests/command.py): its own command line, target options included.
COMMAND: list[str] | None = None


def operation_of(nodeid: str) -> str | None:
    """``GET /path`` of a schemathesis test id such as ``...::test_operation[GET /path]``; None for other tests."""
    found = re.search(r"::test_operation\[(.+)\]$", nodeid)
    return found.group(1) if found else None


def replay_hint(nodeid: str) -> str:
    """A command that runs the failing test again, the same way: paste it (with the client's credentials exported).

    pytest cannot select one operation of schemathesis' parametrized test by its id, so that test is selected whole
    and ``APIDAZE_OPERATION`` narrows the schema to the one operation.
    """
    operation = operation_of(nodeid)
    environment = [f"APIDAZE_OPERATION={shlex.quote(operation)}"] if operation else []
    if COMMAND is not None:
        name = "test_operation" if operation else nodeid.rsplit("::", 1)[-1].split("[")[0]
        parts = [*COMMAND, "-k", name, "--profile", PROFILE]
        if SEED is not None:
            parts += ["--seed", str(SEED)]
        return shlex.join(parts) if not environment else " ".join([*environment, shlex.join(parts)])
    if not settings.IN_PROCESS:
        environment += [f"APIDAZE_BASE_URL={shlex.quote(settings.BASE_URL or '')}"]
        environment += [f"APIDAZE_TOKEN_URL={shlex.quote(settings.TOKEN_URL)}"]
    selected = nodeid.split("[", 1)[0] if operation else nodeid
    parts = ["pytest", selected, f"--hypothesis-profile={PROFILE}"]
    if SEED is not None:
        parts.append(f"--hypothesis-seed={SEED}")
    return " ".join([*environment, shlex.join(parts)])
